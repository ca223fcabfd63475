"""Consent: versioned, per purpose, asked again at 18 and whenever the text changes.

The latest decision per purpose is the one in force. Withdrawal stops everything at
once: the chat is unlinked, pending messages are cancelled and, when the home keeps
nothing (retention 0 days), the chat content is erased.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, delete, func, literal_column, select, update
from sqlalchemy.orm import aliased

from locales import is_supported
from plan_store.enums import Channel, ConsentDecision, ConsentPurpose, FlagCategory
from plan_store.errors import ConsentMissing, DuplicateName, NotFound, ValidationFailed
from plan_store.models import (
    Adolescent,
    Appointment,
    AppointmentConfirmation,
    ChatLink,
    Concern,
    Consent,
    ConsentText,
    EvaluationVoice,
    Flag,
    Home,
    LinkingCode,
    Message,
    OperatorRequest,
    OutboxMessage,
    Proposal,
)
from plan_store.services import audit
from plan_store.services.cases import age_on, local_today
from plan_store.services.outbox import cancel_pending_for
from plan_store.unit_of_work import UnitOfWork

BUILT_IN_VERSION = 1
ERASED_PAYLOAD = '{"erased": true}'
ADULTHOOD = 18
CHUNK = 500
"""Cases a query in ``states`` (well under the bound parameters a statement may take)."""


@dataclass(frozen=True, slots=True)
class ConsentState:
    purpose: ConsentPurpose
    decision: ConsentDecision | None
    version: int | None
    current_version: int
    decided_at: datetime | None
    needs_reconsent_at_18: bool

    @property
    def valid(self) -> bool:
        return (
            self.decision is ConsentDecision.GIVEN
            and self.version == self.current_version
            and not self.needs_reconsent_at_18
        )

    @property
    def undecided(self) -> bool:
        """No decision (given, refused or withdrawn) on the current version of the text."""
        return self.decision is None or self.version != self.current_version

    @property
    def declined(self) -> bool:
        """The latest decision, on any version, is a refusal or a withdrawal."""
        return self.decision in (ConsentDecision.REFUSED, ConsentDecision.WITHDRAWN)

    @property
    def allows(self) -> bool:
        """For a purpose besides messaging: the adolescent said yes to the current text
        (see ``allows``)."""
        return self.decision is ConsentDecision.GIVEN and self.version == self.current_version


async def current_version(uow: UnitOfWork, purpose: ConsentPurpose) -> int:
    version = await uow.session.scalar(
        select(func.max(ConsentText.version)).where(ConsentText.purpose == purpose)
    )
    return int(version) if version is not None else BUILT_IN_VERSION


async def current_text(
    uow: UnitOfWork, purpose: ConsentPurpose, language: str
) -> ConsentText | None:
    """The current version's text in ``language``, else in Spanish, else None
    (callers then use the built-in wording of version 1)."""
    version = await current_version(uow, purpose)
    texts = await uow.session.scalars(
        select(ConsentText).where(
            ConsentText.purpose == purpose,
            ConsentText.version == version,
            ConsentText.language.in_([language, "es"]),
        )
    )
    by_language = {t.language: t for t in texts}
    return by_language.get(language) or by_language.get("es")


async def publish_text(
    uow: UnitOfWork,
    *,
    purpose: ConsentPurpose,
    version: int,
    language: str,
    summary: str,
    details: str,
    staff_id: int | None = None,
) -> ConsentText:
    """A new wording. A higher version asks everyone again."""
    if not summary.strip():
        raise ValidationFailed("a consent text cannot be empty")
    if not is_supported(language):
        raise ValidationFailed(f"not a supported language: {language!r}")
    latest = await current_version(uow, purpose)
    has_any = await uow.session.scalar(select(func.count(ConsentText.id)))
    if version < latest or (version > latest + 1 and has_any):
        raise ValidationFailed(f"the next version of {purpose} is {latest} or {latest + 1}")
    published = await uow.session.scalar(
        select(ConsentText.id).where(
            ConsentText.purpose == purpose,
            ConsentText.version == version,
            ConsentText.language == language,
        )
    )
    if published is not None:
        raise DuplicateName(f"version {version} of {purpose} in {language} is published")
    text = ConsentText(
        purpose=purpose,
        version=version,
        language=language,
        summary=summary.strip(),
        details=details.strip(),
        published_at=uow.now(),
    )
    uow.session.add(text)
    await uow.flush()
    audit.record(
        uow,
        "consent_text.publish",
        staff_id=staff_id,
        actor="system" if staff_id is None else "staff",
        details={"purpose": purpose.value, "version": version, "language": language},
    )
    return text


class Decision(NamedTuple):
    """What the state in force is made of: a case's latest decision (a ``Consent``)."""

    decision: ConsentDecision
    text_version: int
    decided_at: datetime


_CONSENTS = Consent.__table__
_TEXTS = ConsentText.__table__
assert isinstance(_CONSENTS, Table) and isinstance(_TEXTS, Table)
# The latest decision and the current version in one round trip; built once, on the
# tables (rows, not the ORM's), as every update of a linked chat asks it.
_STATE = select(
    _CONSENTS.c.decision,
    _CONSENTS.c.text_version,
    _CONSENTS.c.decided_at,
    select(func.max(_TEXTS.c.version))
    .where(_TEXTS.c.purpose == bindparam("purpose"))
    .scalar_subquery(),
).where(
    _CONSENTS.c.id
    == select(_CONSENTS.c.id)
    .where(
        _CONSENTS.c.adolescent_id == bindparam("case"),
        _CONSENTS.c.purpose == bindparam("purpose"),
    )
    .order_by(_CONSENTS.c.id.desc())
    .limit(1)
    .scalar_subquery()
)


class Read(NamedTuple):
    """A case's latest messaging decision and the current version of its text, as
    read beside the chat's context (``chats.chat_context``, ``state_from_read``)."""

    latest: Decision | None
    current_version: int


_LATEST = aliased(Consent, name="latest_consent")
_NEWER = aliased(Consent, name="newer_consent")


def latest_messaging_decision(case_id: Any) -> tuple[Any, Any, list[Any]]:
    """What a query of a case (``case_id``, its id column) joins to read the case's
    latest messaging decision and the current version of the text in the same
    statement: the outer-joined decision, the join's condition, and the columns
    (decision, text version, decided at, current version) ``read_of`` turns into a
    ``Read``."""
    purpose = ConsentPurpose.MESSAGING.value
    newest = (
        select(func.max(_NEWER.id))
        .where(_NEWER.adolescent_id == case_id, _NEWER.purpose == literal_column(repr(purpose)))
        .scalar_subquery()
    )
    current = (
        select(func.max(ConsentText.version))
        .where(ConsentText.purpose == literal_column(repr(purpose)))
        .scalar_subquery()
    )
    columns = [_LATEST.decision, _LATEST.text_version, _LATEST.decided_at, current]
    return _LATEST, _LATEST.id == newest, columns


def read_of(decision: Any, text_version: Any, decided_at: Any, current: Any) -> Read:
    latest = Decision(decision, text_version, decided_at) if decision is not None else None
    return Read(latest, int(current) if current is not None else BUILT_IN_VERSION)


async def state_from_read(uow: UnitOfWork, case: Adolescent, read: Read) -> ConsentState:
    """``state`` of the messaging purpose, from what was read with the chat's context
    (in this transaction, after what it had written: no query of its own)."""
    return await _state_of(uow, case, ConsentPurpose.MESSAGING, read.latest, read.current_version)


async def state(
    uow: UnitOfWork, case: Adolescent, purpose: ConsentPurpose = ConsentPurpose.MESSAGING
) -> ConsentState:
    await uow.flush()  # as the ORM's query would: a decision taken in this transaction counts
    found = (await uow.session.execute(_STATE, {"case": case.id, "purpose": purpose})).first()
    if found is None:
        return await _state_of(uow, case, purpose, None, await current_version(uow, purpose))
    decision, text_version, decided_at, current = found
    return await _state_of(
        uow,
        case,
        purpose,
        Decision(decision, text_version, decided_at),
        int(current) if current is not None else BUILT_IN_VERSION,
    )


async def states(
    uow: UnitOfWork,
    cases: Iterable[Adolescent],
    purpose: ConsentPurpose = ConsentPurpose.MESSAGING,
) -> dict[int, ConsentState]:
    """``state`` of many cases at once, by case id: a query per ``CHUNK`` cases (for
    a job that sweeps thousands)."""
    wanted = {case.id: case for case in cases}
    version = await current_version(uow, purpose)
    ids = list(wanted)
    found: dict[int, ConsentState] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        newest = (
            select(func.max(Consent.id))
            .where(Consent.adolescent_id.in_(chunk), Consent.purpose == purpose)
            .group_by(Consent.adolescent_id)
        )
        rows = await uow.session.scalars(select(Consent).where(Consent.id.in_(newest)))
        latest = {row.adolescent_id: row for row in rows}
        for case_id in chunk:
            found[case_id] = await _state_of(
                uow, wanted[case_id], purpose, latest.get(case_id), version
            )
    return found


async def _state_of(
    uow: UnitOfWork,
    case: Adolescent,
    purpose: ConsentPurpose,
    latest: Consent | Decision | None,
    version: int,
) -> ConsentState:
    """The state in force, from the case's latest decision for ``purpose``."""
    needs_18 = False
    if latest is not None and latest.decision is ConsentDecision.GIVEN:
        home = await _home_of(uow, case)
        # Both days are the home's calendar days: consent given on the evening before
        # the 18th birthday was given by a minor, whatever the date is in UTC.
        today = local_today(uow, home)
        decided = latest.decided_at.astimezone(ZoneInfo(home.timezone)).date()
        needs_18 = age_on(case.birth_date, decided) < ADULTHOOD <= age_on(case.birth_date, today)
    return ConsentState(
        purpose=purpose,
        decision=latest.decision if latest else None,
        version=latest.text_version if latest else None,
        current_version=version,
        decided_at=latest.decided_at if latest else None,
        needs_reconsent_at_18=needs_18,
    )


async def require(
    uow: UnitOfWork, case: Adolescent, purpose: ConsentPurpose = ConsentPurpose.MESSAGING
) -> None:
    if not (await state(uow, case, purpose)).valid:
        raise ConsentMissing(f"no valid {purpose} consent for case {case.id}")


async def decide(
    uow: UnitOfWork,
    case: Adolescent,
    *,
    decision: ConsentDecision,
    language: str,
    channel: Channel | None,
    purpose: ConsentPurpose = ConsentPurpose.MESSAGING,
    explained_by_id: int | None = None,
) -> Consent:
    """Record giving or refusing the current version. Withdrawal is ``withdraw``."""
    if decision is ConsentDecision.WITHDRAWN:
        raise ValidationFailed("use withdraw() to withdraw consent")
    consent = Consent(
        adolescent_id=case.id,
        purpose=purpose,
        text_version=await current_version(uow, purpose),
        language=language,
        decision=decision,
        channel=channel,
        explained_by_id=explained_by_id,
        decided_at=uow.now(),
    )
    uow.session.add(consent)
    audit.record(
        uow,
        f"consent.{decision.value}",
        actor="adolescent" if explained_by_id is None else "staff",
        staff_id=explained_by_id,
        adolescent_id=case.id,
        details={"purpose": purpose.value, "version": consent.text_version},
    )
    return consent


async def allows(uow: UnitOfWork, case: Adolescent, purpose: ConsentPurpose) -> bool:
    """Whether messages for ``purpose`` (besides messaging, which ``state().valid``
    gates) may go to the case: the adolescent said yes to the current text. Silence is
    not a yes. (Coming of age is handled by messaging's own re-consent, which gates
    everything.) The scheduler and the privacy screen both read this, so they never
    disagree."""
    return (await state(uow, case, purpose)).allows


async def withdraw_purpose(
    uow: UnitOfWork,
    case: Adolescent,
    purpose: ConsentPurpose,
    *,
    language: str,
    channel: Channel | None,
) -> Consent:
    """Withdraw one purpose other than messaging (the follow-up check-ins): only what
    that purpose covers stops; the chat stays linked and consent to messaging stays in
    force. Withdrawing messaging withdraws everything: that is ``withdraw``."""
    if purpose is ConsentPurpose.MESSAGING:
        raise ValidationFailed("withdrawing messaging withdraws everything: use withdraw()")
    consent = Consent(
        adolescent_id=case.id,
        purpose=purpose,
        text_version=await current_version(uow, purpose),
        language=language,
        decision=ConsentDecision.WITHDRAWN,
        channel=channel,
        decided_at=uow.now(),
    )
    uow.session.add(consent)
    audit.record(
        uow,
        "consent.withdrawn",
        actor="adolescent",
        adolescent_id=case.id,
        details={"purpose": purpose.value, "version": consent.text_version},
    )
    return consent


async def withdraw(uow: UnitOfWork, case: Adolescent, *, channel: Channel | None) -> None:
    """Withdraw every purpose: unlink all chats, cancel what is pending, erase the chat
    content now if the home keeps none (otherwise the retention job erases it later)."""
    now = uow.now()
    for purpose in ConsentPurpose:
        uow.session.add(
            Consent(
                adolescent_id=case.id,
                purpose=purpose,
                text_version=await current_version(uow, purpose),
                language=case.language,
                decision=ConsentDecision.WITHDRAWN,
                channel=channel,
                decided_at=now,
            )
        )
    await uow.session.execute(
        update(ChatLink)
        .where(ChatLink.adolescent_id == case.id, ChatLink.active)
        .values(active=False, unlinked_at=now, unlink_reason="consent_withdrawn")
    )
    # A code handed out before the withdrawal must not link a chat again: coming back
    # takes a new code, given in person.
    await uow.session.execute(
        update(LinkingCode)
        .where(
            LinkingCode.adolescent_id == case.id,
            LinkingCode.used_at.is_(None),
            LinkingCode.expires_at > now,
        )
        .values(expires_at=now)
    )
    await cancel_pending_for(uow, case.id)
    home = await uow.session.get(Home, case.home_id)
    if home is not None and home.retention_days == 0:
        await erase_chat_content(uow, case.id)
    audit.record(uow, "consent.withdrawn", actor="adolescent", adolescent_id=case.id)


SAFEGUARDING = frozenset(
    {
        FlagCategory.SELF_HARM,
        FlagCategory.VIOLENCE_ABUSE,
        FlagCategory.TRAFFICKING,
        FlagCategory.RUNNING_AWAY,
        FlagCategory.HEALTH,
        FlagCategory.OTHER,
    }
)
"""Flags raised by what the adolescent wrote about her safety: their words stay with
the flag (encrypted) for the home's safeguarding period when the chat is erased."""


async def erase_chat_content(uow: UnitOfWork, adolescent_id: int) -> int:
    """Erase what the adolescent wrote and was written in chat. Flags and requests
    stay for the case record, without the words; but the words behind a
    safeguarding flag are kept with the flag, encrypted, until the home's
    safeguarding period is over (``Flag.kept_words``; coordinators read them)."""
    case = await uow.session.get(Adolescent, adolescent_id)
    home = await uow.session.get(Home, case.home_id) if case is not None else None
    keep_for = timedelta(days=home.safeguarding_days if home is not None else 0)
    if keep_for:
        flagged = await uow.session.execute(
            select(Flag, Message.body_ciphertext)
            .join(Message, Message.id == Flag.message_id)
            .where(Flag.adolescent_id == adolescent_id, Flag.category.in_(SAFEGUARDING))
        )
        for flag, body in flagged.all():
            flag.kept_words = uow.cipher.decrypt(body)
            flag.kept_until = uow.now() + keep_for
        await uow.flush()
    await uow.session.execute(
        update(Flag).where(Flag.adolescent_id == adolescent_id).values(message_id=None)
    )
    await uow.session.execute(
        update(OperatorRequest)
        .where(OperatorRequest.adolescent_id == adolescent_id)
        .values(message_ciphertext=None)
    )
    await uow.session.execute(
        update(AppointmentConfirmation)
        .where(
            AppointmentConfirmation.appointment_id.in_(
                select(Appointment.id).where(Appointment.adolescent_id == adolescent_id)
            )
        )
        .values(reason_ciphertext=None)
    )
    # What was queued for the chat (staff replies, screens) is chat content too; the
    # rows stay, without their words, so delivery records and deletions still work.
    await uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.adolescent_id == adolescent_id)
        .values(payload_ciphertext=uow.cipher.encrypt(ERASED_PAYLOAD))
    )
    # Her words in her proposals, before an evaluation and in a concern: the records
    # stay (what staff decided, that a complaint was made), without the words.
    await uow.session.execute(
        update(Proposal)
        .where(Proposal.adolescent_id == adolescent_id)
        .values(text_ciphertext=uow.cipher.encrypt(""))
    )
    await uow.session.execute(
        update(EvaluationVoice)
        .where(EvaluationVoice.adolescent_id == adolescent_id)
        .values(note_ciphertext=None, voice_message_id=None)
    )
    await uow.session.execute(
        update(Concern)
        .where(Concern.adolescent_id == adolescent_id)
        .values(text_ciphertext=None, voice_ciphertext=None)
    )
    result = await uow.session.execute(
        delete(Message).where(Message.adolescent_id == adolescent_id)
    )
    erased = int(getattr(result, "rowcount", 0) or 0)
    await uow.session.execute(
        update(Adolescent).where(Adolescent.id == adolescent_id).values(last_inbound_at=None)
    )
    audit.record(
        uow, "chat.erase", actor="system", adolescent_id=adolescent_id, details={"messages": erased}
    )
    return erased


async def erase_expired_content(uow: UnitOfWork) -> int:
    """For homes that keep chat content a while after withdrawal: erase what is due;
    and the kept words of safeguarding flags whose period is over."""
    await uow.session.execute(
        update(Flag)
        .where(Flag.kept_until.is_not(None), Flag.kept_until <= uow.now())
        .values(kept_words=None, kept_until=None)
    )
    rows = await uow.session.execute(
        select(Adolescent.id, Home.retention_days, func.max(Consent.decided_at))
        .join(Home, Home.id == Adolescent.home_id)
        .join(Consent, Consent.adolescent_id == Adolescent.id)
        .where(
            Consent.purpose == ConsentPurpose.MESSAGING,
            Consent.decision == ConsentDecision.WITHDRAWN,
            Home.retention_days > 0,
        )
        .group_by(Adolescent.id, Home.retention_days)
    )
    erased = 0
    for adolescent_id, retention_days, withdrawn_at in rows.all():
        case = await uow.session.get(Adolescent, adolescent_id)
        if case is None or withdrawn_at is None:
            continue
        if (await state(uow, case)).decision is not ConsentDecision.WITHDRAWN:
            continue
        if withdrawn_at + timedelta(days=retention_days) <= uow.now():
            has_messages = await uow.session.scalar(
                select(func.count(Message.id)).where(Message.adolescent_id == adolescent_id)
            )
            if has_messages:
                erased += await erase_chat_content(uow, adolescent_id)
    return erased


async def _home_of(uow: UnitOfWork, case: Adolescent) -> Home:
    home = await uow.session.get(Home, case.home_id)
    if home is None:
        raise NotFound(f"no home {case.home_id}")
    return home
