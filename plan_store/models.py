"""The tables of a Rumbo installation.

Relationships refuse lazy loads (``raise_on_sql``): under an AsyncSession a lazy
load would fail at run time, so a screen that forgets to load what it shows fails in
the tests instead. Message bodies are stored only as ciphertext (see ``crypto``).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, ClassVar

from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from plan_store.crypto import ChatAddress, EncryptedDate, EncryptedDateTime, EncryptedText
from plan_store.enums import (
    AgreementAnswer,
    AlertChannel,
    AppointmentAnswer,
    AppointmentKind,
    AppointmentStatus,
    CareSetting,
    CaseStatus,
    Channel,
    ConcernKind,
    ConcernStatus,
    ConsentDecision,
    ConsentPurpose,
    ContactWay,
    DeliveryStatus,
    FlagCategory,
    FlagStatus,
    GoalStatus,
    Horizon,
    LegalKind,
    LegalStage,
    MessageDirection,
    MessageKind,
    OutboxKind,
    OutboxStatus,
    Phase,
    Programme,
    ProposalKind,
    ProposalStatus,
    RequestReason,
    RequestStatus,
    RiskCategory,
    Role,
    Severity,
    Urgency,
)
from plan_store.types import UTCDateTime, str_enum, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


def created_at_column() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Home(Base):
    """A place of care: a residential centre, a group home, a foster network."""

    __tablename__ = "homes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[CareSetting] = mapped_column(str_enum(CareSetting))
    timezone: Mapped[str] = mapped_column(String(64), default="America/Mexico_City")
    evaluation_cadence_days: Mapped[int] = mapped_column(Integer, default=14)
    retention_days: Mapped[int] = mapped_column(Integer, default=0)
    # How long the words behind a safeguarding flag stay with the flag after the
    # adolescent withdraws consent (everything else goes after ``retention_days``).
    safeguarding_days: Mapped[int] = mapped_column(Integer, default=90)
    quiet_start: Mapped[time] = mapped_column(Time, default=time(21, 0))
    quiet_end: Mapped[time] = mapped_column(Time, default=time(8, 0))
    emergency_numbers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Days a case may stay in a phase (``{"first_reception": 45}``); a phase not named
    # takes ``plan_store.services.phases.DEFAULT_LIMITS``.
    phase_limits: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Adolescents per reference operator before the console warns (the care model's 8).
    caseload_ratio: Mapped[int] = mapped_column(Integer, default=8, server_default="8")
    # Minutes an unacknowledged urgent alert waits before it goes to the case's backup
    # and everyone on duty, then to the coordinators (``AlertStep``).
    alert_backup_minutes: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    alert_coordinators_minutes: Mapped[int] = mapped_column(
        Integer, default=15, server_default="15"
    )
    # The house rules as the home writes them for the adolescents (Spanish, plain
    # words); shown in "Tus derechos y reglas". The same for everyone: kept in clear.
    house_rules: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = created_at_column()


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    home_id: Mapped[int | None] = mapped_column(ForeignKey("homes.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(16), default="es")
    # Raised by "log out everywhere": sessions carrying an older epoch are refused.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # The second factor (TOTP): the shared secret, encrypted; when it was confirmed;
    # the last time step used (a code is accepted once); recovery codes, hashed.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText())
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    recovery_code_hashes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Where alerts reach her besides Telegram and the console (optional).
    email: Mapped[str | None] = mapped_column(String(254))
    # Last time one of her console pages asked for alerts: an open page reaches her.
    console_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()

    home: Mapped[Home | None] = relationship(lazy="raise_on_sql")


class StaffSession(Base):
    """A console log-in, held on the server: the cookie carries only a random token
    whose hash is ``token_hash``. Logging out ends it at once (``ended_at``)."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    epoch: Mapped[int] = mapped_column(Integer)
    device: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = created_at_column()
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Throttle(Base):
    """A counter of failures under one key (a hash: never a name or an address in
    clear), shared by every process: failed log-ins per account and address, per
    address, per account; linking-code guesses per address and in all.

    Changed only under a row lock (``SELECT ... FOR UPDATE``; on SQLite the write
    lock taken by the insert), so parallel attempts are counted one by one.
    """

    __tablename__ = "throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)


class Adolescent(Base):
    """A case. The case number keeps identity out of routine records; no surname."""

    __tablename__ = "adolescents"
    __table_args__ = (Index("ix_adolescents_home_status", "home_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(32), unique=True)
    alias: Mapped[str] = mapped_column(EncryptedText())
    birth_date: Mapped[date] = mapped_column(EncryptedDate())
    language: Mapped[str] = mapped_column(String(16), default="es")
    phase: Mapped[Phase] = mapped_column(str_enum(Phase))
    care_setting: Mapped[CareSetting] = mapped_column(str_enum(CareSetting))
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), default=CaseStatus.IN_CARE)
    home_id: Mapped[int] = mapped_column(ForeignKey("homes.id"))
    reference_operator_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    # Told when an urgent alert of the case waits unacknowledged (see ``AlertStep``).
    backup_operator_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    next_evaluation_on: Mapped[date | None] = mapped_column(Date, index=True)
    follow_up_until: Mapped[date | None] = mapped_column(Date)
    left_care_on: Mapped[date | None] = mapped_column(Date)
    # Her latest message to the team, kept by the database as each one is stored
    # (``LAST_INBOUND_TRIGGER``) and cleared when her messages are erased: "silent for
    # a week" reads the cases, not the messages.
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()

    home: Mapped[Home] = relationship(lazy="raise_on_sql")
    reference_operator: Mapped[Staff | None] = relationship(
        lazy="raise_on_sql", foreign_keys=[reference_operator_id]
    )


class ChatLink(Base):
    """A chat on one channel bound to one case. Only an active link shows anything."""

    __tablename__ = "chat_links"
    __table_args__ = (
        Index(
            "uq_chat_links_active_chat",
            "channel",
            "external_id",
            unique=True,
            # SQLite uses a partial index only for a query's term written as the
            # index's: SQLAlchemy writes ``active = 1`` there (``active`` on PostgreSQL).
            sqlite_where=text("active = 1"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    external_id: Mapped[str] = mapped_column(ChatAddress())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    linked_at: Mapped[datetime] = created_at_column()
    unlinked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unlink_reason: Mapped[str | None] = mapped_column(String(40))

    adolescent: Mapped[Adolescent] = relationship(lazy="raise_on_sql")


class LinkingCode(Base):
    """A one-time code given in person. Only its hash is kept."""

    __tablename__ = "linking_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_link_id: Mapped[int | None] = mapped_column(ForeignKey("chat_links.id"))


class ChatSession(Base):
    """Where one chat is in the conversation; exists before any link or consent."""

    __tablename__ = "chat_sessions"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    external_id: Mapped[str] = mapped_column(ChatAddress())
    language: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(40), default="start")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    failed_code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    code_blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ConsentText(Base):
    """The words an adolescent agrees to, per purpose, version and language."""

    __tablename__ = "consent_texts"
    __table_args__ = (UniqueConstraint("purpose", "version", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose))
    version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = created_at_column()


class VoicePrompt(Base):
    """A recorded voice note of a message (``voice_key``) in one language, uploaded by
    staff; it wins over a file in ``locales/<lang>/voice/``. The same words for every
    adolescent, so not personal data: kept in clear. OGG/Opus, at most 1 MB."""

    __tablename__ = "voice_prompts"
    __table_args__ = (UniqueConstraint("key", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(16))
    audio: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    uploaded_at: Mapped[datetime] = created_at_column()


class TriageTerm(Base):
    """A risk term added by staff in the console, read beside the files in
    ``locales/triage/`` (same meaning as a line under ``[category severity]`` there).
    Never deleted: deactivated, so that the log says what was read when. Read by
    triage from the next message whether reviewed or not (a missed risk costs more
    than an extra flag); a second speaker's review is recorded beside it."""

    __tablename__ = "triage_terms"
    __table_args__ = (Index("ix_triage_terms_language_active", "language", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(16))
    category: Mapped[RiskCategory] = mapped_column(str_enum(RiskCategory))
    severity: Mapped[Severity] = mapped_column(str_enum(Severity))
    term: Mapped[str] = mapped_column(String(120))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    added_at: Mapped[datetime] = created_at_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deactivated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Translation(Base):
    """A message of the catalogs translated in the console, in one language.

    ``context`` is the gettext msgctxt ("" for none) or ``whatsapp:<template>`` for a
    WhatsApp template's body. Once reviewed (by a second person, or at once in a
    language that needs no review) it wins over the ``.po`` file in the chat. Names
    are kept beside the staff ids so that a signature survives a ``.po`` round trip
    and an import from outside (Weblate, Pontoon) with no account here."""

    __tablename__ = "translations"
    __table_args__ = (UniqueConstraint("language", "context", "msgid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(16))
    context: Mapped[str] = mapped_column(String(120), default="")
    msgid: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    plural_text: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    translated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    translated_by_name: Mapped[str] = mapped_column(String(120))
    translated_at: Mapped[datetime] = created_at_column()
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewed_by_name: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StaffLanguage(Base):
    """A language a staff member speaks (recorded by themselves), and whether they
    translate it (set by an admin: a translator's scope)."""

    __tablename__ = "staff_languages"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    speaks: Mapped[bool] = mapped_column(Boolean, default=True)
    translates: Mapped[bool] = mapped_column(Boolean, default=False)


class InstallationSetting(Base):
    """A setting of the whole installation, changed in the console without a restart
    (``translations_revision``: bumped by every change of a translation, so that each
    process knows when to read them again; ``unreviewed_languages``: label or hide)."""

    __tablename__ = "installation_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class Consent(Base):
    """One decision; the latest row per purpose is the state in force."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_adolescent_purpose", "adolescent_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"))
    purpose: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose))
    text_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16))
    decision: Mapped[ConsentDecision] = mapped_column(str_enum(ConsentDecision))
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel))
    explained_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime] = created_at_column()


class LifePlan(Base):
    __tablename__ = "life_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"), unique=True)
    drafted_at: Mapped[datetime] = created_at_column()
    revised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    goals: Mapped[list[Goal]] = relationship(
        back_populates="plan", lazy="raise_on_sql", order_by="Goal.position"
    )


class Goal(Base):
    __tablename__ = "goals"
    __table_args__ = (Index("ix_goals_plan_programme", "plan_id", "programme", "horizon"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("life_plans.id"))
    programme: Mapped[Programme] = mapped_column(str_enum(Programme))
    horizon: Mapped[Horizon] = mapped_column(str_enum(Horizon))
    title: Mapped[str] = mapped_column(EncryptedText())
    status: Mapped[GoalStatus] = mapped_column(str_enum(GoalStatus), default=GoalStatus.NOT_STARTED)
    target_date: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    plan: Mapped[LifePlan] = relationship(back_populates="goals", lazy="raise_on_sql")
    steps: Mapped[list[Step]] = relationship(
        back_populates="goal", lazy="raise_on_sql", order_by="Step.position"
    )


class Step(Base):
    """An action towards a goal. The adolescent marks it done; staff confirm."""

    __tablename__ = "steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), index=True)
    title: Mapped[str] = mapped_column(EncryptedText())
    responsible: Mapped[str] = mapped_column(String(80))
    # A person of the team who answers for the step; the adolescent sees their name
    # and role. ``responsible`` then holds their name as it was when set.
    responsible_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    goal: Mapped[Goal] = relationship(back_populates="steps", lazy="raise_on_sql")


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        # ``starts_at`` is encrypted: windows of time are chosen in the application.
        Index("ix_appointments_adolescent_status", "adolescent_id", "status"),
        Index("ix_appointments_status", "status"),
        Index("ix_appointments_updated_at", "updated_at"),  # the index of start times
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"))
    kind: Mapped[AppointmentKind] = mapped_column(str_enum(AppointmentKind))
    title: Mapped[str] = mapped_column(EncryptedText())
    place: Mapped[str] = mapped_column(EncryptedText(), default="")
    starts_at: Mapped[datetime] = mapped_column(EncryptedDateTime())
    status: Mapped[AppointmentStatus] = mapped_column(
        str_enum(AppointmentStatus), default=AppointmentStatus.SCHEDULED
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    confirmations: Mapped[list[AppointmentConfirmation]] = relationship(
        lazy="raise_on_sql", order_by="AppointmentConfirmation.id"
    )


class AppointmentConfirmation(Base):
    """One answer about an appointment, by the adolescent or by staff."""

    __tablename__ = "appointment_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    answer: Mapped[AppointmentAnswer] = mapped_column(str_enum(AppointmentAnswer))
    # The adolescent's own words ("I have an exam that day"): encrypted like messages.
    reason_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel))
    by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    answered_at: Mapped[datetime] = created_at_column()


class OperatorRequest(Base):
    """ "I want to talk to my operator", with reason, optional message and urgency."""

    __tablename__ = "operator_requests"
    __table_args__ = (
        Index("ix_operator_requests_status_urgency", "status", "urgency", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"), index=True)
    reason: Mapped[RequestReason] = mapped_column(str_enum(RequestReason))
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency))
    message_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Set when the message was longer than what is kept: its length, in characters.
    original_length: Mapped[int | None] = mapped_column(Integer)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    # Set when the adolescent asks for someone who speaks their language: the
    # request goes to the home's staff who speak it.
    speaker_language: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus), default=RequestStatus.OPEN
    )
    created_at: Mapped[datetime] = created_at_column()
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class Message(Base):
    """A message in a case's timeline: the adolescent's words or a staff reply."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_adolescent_at", "adolescent_id", "created_at"),
        # "Silent for N days" and "last message": one probe per case, not a scan.
        Index("ix_messages_adolescent_direction_at", "adolescent_id", "direction", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"))
    direction: Mapped[MessageDirection] = mapped_column(str_enum(MessageDirection))
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind), default=MessageKind.TEXT)
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel))
    body_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    # Set when the text was longer than what is kept: its length, in characters.
    original_length: Mapped[int | None] = mapped_column(Integer)
    voice_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    marked_for_evaluation: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_at_column()


_LAST_INBOUND = """UPDATE adolescents SET last_inbound_at = NEW.created_at
    WHERE id = NEW.adolescent_id
      AND (last_inbound_at IS NULL OR last_inbound_at < NEW.created_at)"""
LAST_INBOUND_TRIGGER: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sqlite": (
        (
            "CREATE TRIGGER messages_last_inbound AFTER INSERT ON messages"
            f" WHEN NEW.direction = 'inbound' BEGIN {_LAST_INBOUND}; END",
        ),
        ("DROP TRIGGER IF EXISTS messages_last_inbound",),
    ),
    "postgresql": (
        (
            "CREATE FUNCTION messages_last_inbound() RETURNS trigger LANGUAGE plpgsql"
            f" AS $$ BEGIN {_LAST_INBOUND}; RETURN NULL; END $$",
            "CREATE TRIGGER messages_last_inbound AFTER INSERT ON messages FOR EACH ROW"
            " WHEN (NEW.direction = 'inbound') EXECUTE FUNCTION messages_last_inbound()",
        ),
        (
            "DROP TRIGGER IF EXISTS messages_last_inbound ON messages",
            "DROP FUNCTION IF EXISTS messages_last_inbound()",
        ),
    ),
}
"""The database keeps each case's ``last_inbound_at`` as her messages are stored:
in the statement that inserts the message, whoever inserts it, so the reply to her
costs no second statement (a separate ``UPDATE`` added 0.5-0.9 ms of CPU to each
inbound update, a tenth of it). Created by the migrations (``0011_last_inbound``)
and by ``create_all``; ``(create, drop)`` statements per dialect."""

for _dialect, (_create, _drop) in LAST_INBOUND_TRIGGER.items():
    for _statement in _create:
        _ddl = DDL(_statement).execute_if(dialect=_dialect)  # type: ignore[no-untyped-call]
        event.listen(Message.__table__, "after_create", _ddl)


class Flag(Base):
    """Something staff must look at: a risk in a message, a missed appointment, ..."""

    __tablename__ = "flags"
    __table_args__ = (
        Index("ix_flags_status_severity", "status", "severity", "created_at"),
        Index("ix_flags_adolescent_at", "adolescent_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"))
    # Indexed for the foreign key: erasing a case's messages looks for their flags.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    category: Mapped[FlagCategory] = mapped_column(str_enum(FlagCategory))
    severity: Mapped[Severity] = mapped_column(str_enum(Severity))
    status: Mapped[FlagStatus] = mapped_column(str_enum(FlagStatus), default=FlagStatus.OPEN)
    # Makes flags raised by jobs idempotent: one flag per (job, subject).
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    detail: Mapped[str] = mapped_column(EncryptedText(), default="")
    note: Mapped[str] = mapped_column(EncryptedText(), default="")
    # The adolescent's words behind a safeguarding flag, kept (encrypted) after she
    # withdraws and her messages go, until ``kept_until``; coordinators only.
    kept_words: Mapped[str | None] = mapped_column(EncryptedText())
    kept_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    marked_for_evaluation: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_at_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class Evaluation(Base):
    """A fortnightly evaluation of the life plan, as recorded by the social worker."""

    __tablename__ = "evaluations"
    __table_args__ = (Index("ix_evaluations_adolescent_held", "adolescent_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"))
    held_on: Mapped[date] = mapped_column(Date)
    period_start: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(EncryptedText())
    goals_reviewed: Mapped[str] = mapped_column(EncryptedText(), default="")
    next_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = created_at_column()


class CaseNote(Base):
    """A note on a case by someone of its team (operator, psychologist, lawyer, ...).
    Staff only; the body is encrypted like messages."""

    __tablename__ = "case_notes"
    __table_args__ = (Index("ix_case_notes_adolescent_at", "adolescent_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    body_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = created_at_column()


class Handover(Base):
    """A change of reference operator, with the note the team leaves for the new one
    (what is open, what matters to her). Shown to the new operator until read."""

    __tablename__ = "handovers"
    __table_args__ = (Index("ix_handovers_to_read", "to_staff_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"), index=True)
    from_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    to_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    note_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = created_at_column()
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PhaseChange(Base):
    """A case entered ``phase`` at ``started_at``: the rows of a case are its phase
    history; the newest is the phase it is in."""

    __tablename__ = "phase_changes"
    __table_args__ = (Index("ix_phase_changes_adolescent_at", "adolescent_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"))
    phase: Mapped[Phase] = mapped_column(str_enum(Phase))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class FamilyContact(Base):
    """A person of her family the authority allows her to be in touch with, how (call,
    visit or both), allowed by whom and since when. Who the person is (name and
    relation) identifies the child: encrypted. ``ended_on``: no longer allowed."""

    __tablename__ = "family_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"), index=True)
    name_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    relation_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    way: Mapped[ContactWay] = mapped_column(str_enum(ContactWay))
    # The authority and its decision in a few words ("Procuraduría de Protección").
    allowed_by_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    allowed_since: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = created_at_column()


class FamilyContactRecord(Base):
    """A call or a visit held with an allowed contact, with a short note for the team
    (encrypted; never shown in her chat)."""

    __tablename__ = "family_contact_records"
    __table_args__ = (Index("ix_family_contact_records_adolescent_on", "adolescent_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("family_contacts.id"))
    way: Mapped[ContactWay] = mapped_column(str_enum(ContactWay))
    held_on: Mapped[date] = mapped_column(Date)
    note_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = created_at_column()


class LegalProcedure(Base):
    """Her legal and migration procedure: its kind, its stage, the next date (and what
    happens then) and the lawyer who follows it. The next date says where she will be:
    encrypted with its words, as JSON (``{"on": "2027-03-12", "what": "..."}``)."""

    __tablename__ = "legal_procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"), index=True)
    kind: Mapped[LegalKind] = mapped_column(str_enum(LegalKind))
    stage: Mapped[LegalStage] = mapped_column(str_enum(LegalStage))
    next_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    followed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LegalStageChange(Base):
    """A procedure reached ``stage`` at ``at``: its rows are the steps she sees."""

    __tablename__ = "legal_stage_changes"
    __table_args__ = (Index("ix_legal_stage_changes_procedure_at", "procedure_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("legal_procedures.id"))
    stage: Mapped[LegalStage] = mapped_column(str_enum(LegalStage))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))


class FollowUpCheckin(Base):
    """A periodic check-in after leaving care; answers reach staff."""

    __tablename__ = "follow_up_checkins"
    __table_args__ = (UniqueConstraint("adolescent_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


OUTBOX_WAITING_STATUSES = (OutboxStatus.PENDING, OutboxStatus.SENDING)
OUTBOX_WAITING = f"status IN ({', '.join(repr(s.value) for s in OUTBOX_WAITING_STATUSES)})"
"""The rows not yet delivered, indexed on their own (``ix_outbox_waiting``): the
sender's claim looks only at these, in id order. On PostgreSQL every claim and every
outcome leaves a dead version of its row behind until the table is vacuumed; in the
index of all rows (``ix_outbox_due``) those piled up by the thousand in the very
range a claim reads (a claim that found nothing took 4 ms after a burst of 5,000),
while in this small one an index scan marks them dead as it passes, and the next
scans skip them. The statuses are written out, not bound: a planner matches a
partial index only against constants (``plan_store.outbox.delivery``)."""


class OutboxMessage(Base):
    """An outgoing message, written in the transaction that decided to send it.

    ``dedupe_key`` makes every producer idempotent (a reminder is one row however
    often its job runs); ``lease_until`` lets any number of senders claim rows
    without holding a transaction across the platform call.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "not_before", "id"),
        Index(
            "ix_outbox_waiting",
            "id",
            postgresql_where=text(OUTBOX_WAITING),
            sqlite_where=text(OUTBOX_WAITING),
        ),
        Index("ix_outbox_chat", "channel", "external_chat_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    external_chat_id: Mapped[str] = mapped_column(ChatAddress())
    adolescent_id: Mapped[int | None] = mapped_column(ForeignKey("adolescents.id"), index=True)
    kind: Mapped[OutboxKind] = mapped_column(str_enum(OutboxKind), default=OutboxKind.SCREEN)
    payload_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus), default=OutboxStatus.PENDING
    )
    not_before: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
    external_message_id: Mapped[str | None] = mapped_column(String(64))
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set by each claim: only the sender holding the current claim may record the
    # outcome, so a sender whose lease ran out cannot overwrite a newer claim.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    # Not worth sending after this (a reminder once the appointment has started).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SchedulerLease(Base):
    """Who runs the scheduled jobs: one holder per name, until ``lease_until``.

    Several processes may run the scheduler part; only the holder of a live lease
    sweeps. The others try again on each tick and take over when it lapses.
    """

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime())
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessedUpdate(Base):
    """An inbound update seen, keyed by (channel, update id): applied at most once."""

    __tablename__ = "processed_updates"

    channel: Mapped[Channel] = mapped_column(str_enum(Channel), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = created_at_column()


class ErasureRequest(Base):
    """An admin's request to erase a case entirely (the right to erasure), which a
    second admin confirms. Names the case by id only, so it outlives the case."""

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    requested_at: Mapped[datetime] = created_at_column()
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who read or changed what, when. Never message content."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_adolescent_at", "adolescent_id", "at"),
        Index("ix_audit_log_staff_at", "staff_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor: Mapped[str] = mapped_column(String(20), default="staff")
    action: Mapped[str] = mapped_column(String(60), index=True)
    adolescent_id: Mapped[int | None] = mapped_column(ForeignKey("adolescents.id"))
    target: Mapped[str] = mapped_column(String(60), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DutyShift(Base):
    """A weekly shift: ``staff`` is on duty in ``home`` every ``weekday`` (0 = Monday)
    from ``starts`` to ``ends``, in the home's time zone. A shift that ends at or
    before it starts runs past midnight into the next day."""

    __tablename__ = "duty_shifts"
    __table_args__ = (Index("ix_duty_shifts_home_weekday", "home_id", "weekday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    home_id: Mapped[int] = mapped_column(ForeignKey("homes.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    created_at: Mapped[datetime] = created_at_column()


class DutyChange(Base):
    """A one-off change to the weekly pattern: ``staff`` covers (``on_duty``) or is
    off (not ``on_duty``) from ``starts_at`` to ``ends_at``."""

    __tablename__ = "duty_changes"
    __table_args__ = (Index("ix_duty_changes_home_ends", "home_id", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    home_id: Mapped[int] = mapped_column(ForeignKey("homes.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = created_at_column()


class StaffChat(Base):
    """A staff member's own chat with the bot, where her alerts arrive. A staff chat
    never enters the adolescents' dialogs."""

    __tablename__ = "staff_chats"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), unique=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    external_id: Mapped[str] = mapped_column(ChatAddress())
    linked_at: Mapped[datetime] = created_at_column()


class StaffLinkCode(Base):
    """A one-time code a staff member sends the bot to link her chat. Only its hash."""

    __tablename__ = "staff_link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Alert(Base):
    """An urgent flag or urgent request that a person on duty must see now.

    Written in the transaction that raised the flag or request, with its first
    deliveries; sent after the commit, from the database. ``step`` only ever moves
    forward by a compare-and-set, so each escalation happens once whatever the number
    of workers. Carries no words and no alias of the adolescent."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_open_due", "acknowledged_at", "next_step_at"),
        Index("ix_alerts_home_created", "home_id", "created_at"),
        Index("ix_alerts_adolescent_created", "adolescent_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"))
    home_id: Mapped[int] = mapped_column(ForeignKey("homes.id"))
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flags.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("operator_requests.id"))
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[Severity] = mapped_column(str_enum(Severity))
    created_at: Mapped[datetime] = created_at_column()
    step: Mapped[int] = mapped_column(Integer, default=0)
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # When the adolescent's chat was given "Laura ya vio tu mensaje" (queued).
    ack_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertDelivery(Base):
    """One alert to one staff member on one channel, claimed with a lease like the
    outbox. A console delivery is sent when one of her console pages shows it."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "staff_id", "channel"),
        Index("ix_alert_deliveries_due", "status", "not_before", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    channel: Mapped[AlertChannel] = mapped_column(str_enum(AlertChannel))
    step: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    not_before: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FlagDigest(Base):
    """The daily digest of non-urgent flags for one reference operator and one day
    (the home's date): written once, then sent by email like an alert delivery."""

    __tablename__ = "flag_digests"
    __table_args__ = (UniqueConstraint("staff_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[date] = mapped_column(Date)
    flag_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Proposal(Base):
    """A goal or a step the adolescent proposes for her plan, until staff accept it
    (it becomes a goal or step), rework it with her, or decline it with a reason she
    reads. ``told_at``: when the decision was queued to her chat."""

    __tablename__ = "proposals"
    __table_args__ = (
        Index("ix_proposals_adolescent_status", "adolescent_id", "status"),
        Index("ix_proposals_status_decided", "status", "told_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"))
    kind: Mapped[ProposalKind] = mapped_column(str_enum(ProposalKind))
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id"))
    programme: Mapped[Programme | None] = mapped_column(str_enum(Programme))
    horizon: Mapped[Horizon | None] = mapped_column(str_enum(Horizon))
    # Her own words: encrypted like messages.
    text_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus), default=ProposalStatus.OPEN
    )
    # The reason of a decline or the note of a rework, written for her to read.
    reply_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel))
    created_at: Mapped[datetime] = created_at_column()
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    result_goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id"))
    result_step_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id"))
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EvaluationVoice(Base):
    """What the adolescent says before an evaluation: a few answers with buttons
    (``answers``) and her own words (encrypted), asked three days before it."""

    __tablename__ = "evaluation_voices"
    __table_args__ = (UniqueConstraint("adolescent_id", "evaluation_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"))
    evaluation_on: Mapped[date] = mapped_column(Date, index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    voice_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()


class EvaluationAgreement(Base):
    """The agreements of one evaluation that staff chose for the adolescent to read,
    in plain words (a JSON list, encrypted), and her answer."""

    __tablename__ = "evaluation_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), unique=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"), index=True)
    items_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[AgreementAnswer | None] = mapped_column(str_enum(AgreementAnswer))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()


class Concern(Base):
    """A request to change operator, or a complaint: for the home's coordinators (and
    admins) only, never for the reference operator it may be about (``about_staff_id``,
    the reference operator when it was made). Kept apart from the case's other rows so
    that no operator page reads it."""

    __tablename__ = "concerns"
    __table_args__ = (Index("ix_concerns_home_status", "home_id", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adolescent_id: Mapped[int] = mapped_column(ForeignKey("adolescents.id"), index=True)
    home_id: Mapped[int] = mapped_column(ForeignKey("homes.id"))
    kind: Mapped[ConcernKind] = mapped_column(str_enum(ConcernKind))
    about_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    text_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    voice_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel))
    status: Mapped[ConcernStatus] = mapped_column(
        str_enum(ConcernStatus), default=ConcernStatus.OPEN
    )
    answer_by: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str] = mapped_column(Text, default="")
