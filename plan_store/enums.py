"""The closed vocabularies of the care model.

Stored as plain strings with a CHECK constraint (``native_enum=False``), so that
SQLite and PostgreSQL hold the same schema and a new value is a small migration.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class CareSetting(StrEnum):
    RESIDENTIAL_CENTRE = "residential_centre"
    EXTENDED_FAMILY = "extended_family"
    FOSTER_FAMILY = "foster_family"
    GROUP_HOME = "group_home"
    AFTER_CARE = "after_care"


class Phase(StrEnum):
    """Where an adolescent is in the route of care.

    ``reception``, ``integration`` and ``independence`` are the stages inside a
    long-term residential centre; ``long_term`` covers the other long-term settings.
    """

    DETECTION = "detection"
    FIRST_RECEPTION = "first_reception"
    RECEPTION = "reception"
    INTEGRATION = "integration"
    INDEPENDENCE = "independence"
    LONG_TERM = "long_term"
    TRANSITION = "transition"
    AFTER_CARE = "after_care"


class CaseStatus(StrEnum):
    IN_CARE = "in_care"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"


class Role(StrEnum):
    """Operators hold a caseload; coordinators and the team around the plan
    (psychologist, social worker, lawyer, educator) read their home's cases; admins
    everything. ``plan_store.services.access`` says who may read and write what."""

    OPERATOR = "operator"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    # The team around the plan, one role a line.
    PSYCHOLOGIST = "psychologist"
    SOCIAL_WORKER = "social_worker"
    LAWYER = "lawyer"
    EDUCATOR = "educator"
    TRANSLATOR = "translator"


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    WEBCHAT = "webchat"


class ConsentPurpose(StrEnum):
    """``messaging`` is the gate for everything; ``follow_up`` covers contact after care."""

    MESSAGING = "messaging"
    FOLLOW_UP = "follow_up"


class ConsentDecision(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Programme(StrEnum):
    """The three programmes of the life plan, then two optional routes: contact with
    the family (contacts the authority allowed, calls, steps towards living together
    again) and the legal and migration procedure (a goal per procedure: its kind; its
    steps the stages, each with its date and who follows it)."""

    EDUCATION = "education"
    INDEPENDENT_LIVING = "independent_living"
    PERSONAL_GROWTH = "personal_growth"
    FAMILY_CONTACT = "family_contact"
    LEGAL_MIGRATION = "legal_migration"

    @property
    def optional(self) -> bool:
        return self in (Programme.FAMILY_CONTACT, Programme.LEGAL_MIGRATION)


class Horizon(StrEnum):
    SHORT = "short"
    MEDIUM = "medium"
    LONG = "long"


class GoalStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


class AppointmentKind(StrEnum):
    SCHOOL = "school"
    JOB_TRAINING = "job_training"
    HEALTH = "health"
    LEGAL = "legal"
    PSYCHOLOGY = "psychology"
    OTHER = "other"


class AppointmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    CANNOT_GO = "cannot_go"
    CHANGE_REQUESTED = "change_requested"
    ATTENDED = "attended"
    MISSED = "missed"
    CANCELLED = "cancelled"


class AppointmentAnswer(StrEnum):
    WILL_GO = "will_go"
    CANNOT_GO = "cannot_go"
    CHANGE = "change"
    ATTENDED = "attended"
    MISSED = "missed"


class RequestReason(StrEnum):
    TALK = "talk"
    GOAL_HELP = "goal_help"
    APPOINTMENT_CHANGE = "appointment_change"
    SOMETHING_HAPPENED = "something_happened"
    PAPERS = "papers"
    OTHER = "other"


class Urgency(StrEnum):
    URGENT = "urgent"
    NORMAL = "normal"


class RequestStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class MessageKind(StrEnum):
    TEXT = "text"
    VOICE = "voice"


class MessageDirection(StrEnum):
    INBOUND = "inbound"
    STAFF_REPLY = "staff_reply"


class FlagCategory(StrEnum):
    SELF_HARM = "self_harm"
    VIOLENCE_ABUSE = "violence_abuse"
    TRAFFICKING = "trafficking"
    RUNNING_AWAY = "running_away"
    HEALTH = "health"
    VOICE_NOTE = "voice_note"
    UNCONFIRMED_APPOINTMENT = "unconfirmed_appointment"
    MISSED_APPOINTMENT = "missed_appointment"
    EVALUATION_DUE = "evaluation_due"
    STEP_DUE = "step_due"
    DELIVERY_FAILED = "delivery_failed"
    CHAT_GONE = "chat_gone"
    FOLLOW_UP_ANSWER = "follow_up_answer"
    OTHER = "other"


class RiskCategory(StrEnum):
    """The sections of a risk-terms file (``locales/triage/README.md``): what a term
    found in free text is about. Each raises a flag of its ``FlagCategory``;
    ``distress`` (a cry for help that names no cause) raises ``other``."""

    SELF_HARM = "self_harm"
    VIOLENCE_ABUSE = "violence_abuse"
    TRAFFICKING = "trafficking"
    RUNNING_AWAY = "running_away"
    HEALTH = "health"
    DISTRESS = "distress"


class Severity(StrEnum):
    """Ordered from most to least urgent; ``rank`` sorts them."""

    URGENT = "urgent"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class FlagStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxKind(StrEnum):
    """``screen`` carries text and buttons; ``delete`` removes a message the bot sent."""

    SCREEN = "screen"
    VOICE = "voice"
    DELETE = "delete"
    TEMPLATE = "template"


class AlertChannel(StrEnum):
    """Where an alert reaches a staff member: her own Telegram chat with the bot,
    her email, or any console page she has open."""

    TELEGRAM = "telegram"
    EMAIL = "email"
    CONSOLE = "console"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class AlertStep(IntEnum):
    """How far an unacknowledged alert has gone; each step happens once."""

    ON_DUTY = 0  # at once: whoever is on duty in the home
    BACKUP = 1  # after the home's first delay: the case's backup and everyone on duty
    COORDINATORS = 2  # after the second delay: the home's coordinators
    UNANSWERED = 3  # nobody answered: the adolescent gets the emergency numbers again


class ProposalKind(StrEnum):
    """What the adolescent proposes for her plan: a new goal, or a step of a goal."""

    GOAL = "goal"
    STEP = "step"


class ProposalStatus(StrEnum):
    """``rework``: staff will shape it with her; ``declined`` carries a reason she reads."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REWORK = "rework"
    DECLINED = "declined"


class ConcernKind(StrEnum):
    """What goes to the home's coordinators only, never to the reference operator."""

    OPERATOR_CHANGE = "operator_change"
    COMPLAINT = "complaint"


class ConcernStatus(StrEnum):
    OPEN = "open"
    HANDLED = "handled"


class AgreementAnswer(StrEnum):
    """The adolescent's answer to the agreements of an evaluation."""

    AGREED = "agreed"
    TALK = "talk"


class ContactWay(StrEnum):
    """How the authority allows a family contact (``call_and_visit``: both), and how
    one contact was held (a call or a visit)."""

    CALL = "call"
    VISIT = "visit"
    CALL_AND_VISIT = "call_and_visit"


class LegalKind(StrEnum):
    """The legal and migration procedures of a child in Mexico: recognition as a
    refugee before COMAR (which may end in complementary protection), the humanitarian
    visitor card of the INM (the usual one for an unaccompanied child), regularisation
    of the stay before the INM, family reunification (INM's family unity route, or
    abroad), an assisted return to the country of origin when she wants it."""

    REFUGEE = "refugee"
    HUMANITARIAN_VISA = "humanitarian_visa"
    REGULARISATION = "regularisation"
    FAMILY_REUNIFICATION = "family_reunification"
    ASSISTED_RETURN = "assisted_return"
    OTHER = "other"


class LegalStage(StrEnum):
    """Where a procedure stands, in the order it usually goes."""

    PREPARING = "preparing"
    FILED = "filed"
    INTERVIEW = "interview"
    WAITING = "waiting"
    GRANTED = "granted"
    DOCUMENTS = "documents"
    REFUSED = "refused"
    APPEAL = "appeal"
    CLOSED = "closed"

    @property
    def finished(self) -> bool:
        return self is LegalStage.CLOSED
