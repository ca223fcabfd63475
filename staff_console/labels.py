"""Spanish labels for the closed vocabularies, translated where they are shown.

Keyed by enum class first: members of different enums share values ("urgent",
"health"), and a StrEnum member hashes as its value.
"""

from __future__ import annotations

from enum import StrEnum

from locales import N_, Translator
from plan_store.enums import (
    AgreementAnswer,
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
    FlagCategory,
    FlagStatus,
    GoalStatus,
    Horizon,
    LegalKind,
    LegalStage,
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

LABELS: dict[type[StrEnum], dict[str, str]] = {
    ProposalKind: {
        ProposalKind.GOAL: N_("Meta nueva"),
        ProposalKind.STEP: N_("Paso nuevo"),
    },
    ProposalStatus: {
        ProposalStatus.OPEN: N_("Por decidir"),
        ProposalStatus.ACCEPTED: N_("Aceptada"),
        ProposalStatus.REWORK: N_("Para platicarla con ella/él"),
        ProposalStatus.DECLINED: N_("No aceptada"),
    },
    ConcernKind: {
        ConcernKind.OPERATOR_CHANGE: N_("Pide cambiar de operador(a)"),
        ConcernKind.COMPLAINT: N_("Queja"),
    },
    ConcernStatus: {
        ConcernStatus.OPEN: N_("Abierta"),
        ConcernStatus.HANDLED: N_("Atendida"),
    },
    AgreementAnswer: {
        AgreementAnswer.AGREED: N_("Está de acuerdo"),
        AgreementAnswer.TALK: N_("Quiere hablarlo"),
    },
    Role: {
        Role.OPERATOR: N_("Operador(a) de referencia"),
        Role.COORDINATOR: N_("Coordinación"),
        Role.ADMIN: N_("Administración"),
        Role.PSYCHOLOGIST: N_("Psicología"),
        Role.SOCIAL_WORKER: N_("Trabajo social"),
        Role.LAWYER: N_("Asesoría legal"),
        Role.EDUCATOR: N_("Educación"),
        # Translators: a staff role: translates and records the chat in a language.
        Role.TRANSLATOR: N_("Traducción"),
    },
    Phase: {
        Phase.DETECTION: N_("Detección"),
        Phase.FIRST_RECEPTION: N_("Primera recepción"),
        Phase.RECEPTION: N_("Recepción"),
        Phase.INTEGRATION: N_("Integración"),
        Phase.INDEPENDENCE: N_("Independencia"),
        Phase.LONG_TERM: N_("Cuidado a largo plazo"),
        Phase.TRANSITION: N_("Transición a la vida independiente"),
        Phase.AFTER_CARE: N_("Seguimiento después del cuidado"),
    },
    CareSetting: {
        CareSetting.RESIDENTIAL_CENTRE: N_("Centro de asistencia social"),
        CareSetting.EXTENDED_FAMILY: N_("Familia extensa"),
        CareSetting.FOSTER_FAMILY: N_("Familia de acogida"),
        CareSetting.GROUP_HOME: N_("Casa hogar pequeña"),
        CareSetting.AFTER_CARE: N_("Después del cuidado"),
    },
    CaseStatus: {
        CaseStatus.IN_CARE: N_("En cuidado"),
        CaseStatus.FOLLOW_UP: N_("En seguimiento"),
        CaseStatus.CLOSED: N_("Cerrado"),
    },
    Channel: {
        Channel.TELEGRAM: N_("Telegram"),
        Channel.WHATSAPP: N_("WhatsApp"),
        Channel.WEBCHAT: N_("Chat web"),
    },
    ConsentPurpose: {
        ConsentPurpose.MESSAGING: N_("Mensajes"),
        ConsentPurpose.FOLLOW_UP: N_("Seguimiento"),
    },
    ConsentDecision: {
        ConsentDecision.GIVEN: N_("Dado"),
        ConsentDecision.REFUSED: N_("Rechazado"),
        ConsentDecision.WITHDRAWN: N_("Retirado"),
    },
    Programme: {
        Programme.EDUCATION: N_("Educación"),
        Programme.INDEPENDENT_LIVING: N_("Preparación para la vida independiente"),
        Programme.PERSONAL_GROWTH: N_("Crecimiento personal"),
        Programme.FAMILY_CONTACT: N_("Contacto con la familia"),
        Programme.LEGAL_MIGRATION: N_("Trámite legal y migratorio"),
    },
    Horizon: {
        Horizon.SHORT: N_("Corto plazo"),
        Horizon.MEDIUM: N_("Mediano plazo"),
        Horizon.LONG: N_("Largo plazo"),
    },
    GoalStatus: {
        GoalStatus.NOT_STARTED: N_("Sin empezar"),
        GoalStatus.IN_PROGRESS: N_("En camino"),
        GoalStatus.ACHIEVED: N_("Lograda"),
        GoalStatus.DROPPED: N_("Dejada"),
    },
    AppointmentKind: {
        AppointmentKind.SCHOOL: N_("Escuela"),
        AppointmentKind.JOB_TRAINING: N_("Capacitación para el trabajo"),
        AppointmentKind.HEALTH: N_("Salud"),
        AppointmentKind.LEGAL: N_("Legal"),
        AppointmentKind.PSYCHOLOGY: N_("Psicología"),
        AppointmentKind.OTHER: N_("Otra"),
    },
    AppointmentStatus: {
        AppointmentStatus.SCHEDULED: N_("Sin confirmar"),
        AppointmentStatus.CONFIRMED: N_("Confirmada"),
        AppointmentStatus.CANNOT_GO: N_("No puede ir"),
        AppointmentStatus.CHANGE_REQUESTED: N_("Pide cambio"),
        AppointmentStatus.ATTENDED: N_("Asistió"),
        AppointmentStatus.MISSED: N_("Faltó"),
        AppointmentStatus.CANCELLED: N_("Cancelada"),
    },
    AppointmentAnswer: {
        AppointmentAnswer.WILL_GO: N_("Va a ir"),
        AppointmentAnswer.CANNOT_GO: N_("No puede ir"),
        AppointmentAnswer.CHANGE: N_("Pide cambiarla"),
        AppointmentAnswer.ATTENDED: N_("Asistió"),
        AppointmentAnswer.MISSED: N_("Faltó"),
    },
    RequestReason: {
        RequestReason.TALK: N_("Quiere hablar"),
        RequestReason.GOAL_HELP: N_("Ayuda con una meta"),
        RequestReason.APPOINTMENT_CHANGE: N_("Cambio de cita"),
        RequestReason.SOMETHING_HAPPENED: N_("Pasó algo"),
        RequestReason.PAPERS: N_("Papeles y trámites"),
        RequestReason.OTHER: N_("Otro motivo"),
    },
    Urgency: {
        Urgency.URGENT: N_("Urgente"),
        Urgency.NORMAL: N_("Puede esperar"),
    },
    RequestStatus: {
        RequestStatus.OPEN: N_("Abierta"),
        RequestStatus.ANSWERED: N_("Atendida"),
        RequestStatus.CLOSED: N_("Cerrada"),
    },
    FlagCategory: {
        FlagCategory.SELF_HARM: N_("Riesgo de autolesión"),
        FlagCategory.VIOLENCE_ABUSE: N_("Violencia o abuso"),
        FlagCategory.TRAFFICKING: N_("Posible trata"),
        FlagCategory.RUNNING_AWAY: N_("Quiere irse"),
        FlagCategory.HEALTH: N_("Salud"),
        FlagCategory.VOICE_NOTE: N_("Nota de voz por escuchar"),
        FlagCategory.UNCONFIRMED_APPOINTMENT: N_("Cita sin confirmar"),
        FlagCategory.MISSED_APPOINTMENT: N_("Cita perdida"),
        FlagCategory.EVALUATION_DUE: N_("Evaluación pendiente"),
        FlagCategory.STEP_DUE: N_("Paso vencido"),
        FlagCategory.DELIVERY_FAILED: N_("Mensaje no entregado"),
        FlagCategory.CHAT_GONE: N_("Chat perdido"),
        FlagCategory.FOLLOW_UP_ANSWER: N_("Respuesta de seguimiento"),
        FlagCategory.OTHER: N_("Otro"),
    },
    RiskCategory: {
        RiskCategory.SELF_HARM: N_("Autolesión o suicidio"),
        RiskCategory.VIOLENCE_ABUSE: N_("Violencia o abuso"),
        RiskCategory.TRAFFICKING: N_("Trata o explotación"),
        RiskCategory.RUNNING_AWAY: N_("Quiere irse"),
        RiskCategory.HEALTH: N_("Salud"),
        RiskCategory.DISTRESS: N_("Pide ayuda sin decir por qué"),
    },
    Severity: {
        Severity.URGENT: N_("Urgente"),
        Severity.HIGH: N_("Alta"),
        Severity.MEDIUM: N_("Media"),
        Severity.LOW: N_("Baja"),
    },
    ContactWay: {
        # Translators: how the authority allows a family contact.
        ContactWay.CALL: N_("Llamadas"),
        ContactWay.VISIT: N_("Visitas"),
        ContactWay.CALL_AND_VISIT: N_("Llamadas y visitas"),
    },
    LegalKind: {
        LegalKind.REFUGEE: N_("Reconocimiento de la condición de refugiado (COMAR)"),
        LegalKind.HUMANITARIAN_VISA: N_("Tarjeta de visitante por razones humanitarias (INM)"),
        LegalKind.REGULARISATION: N_("Regularización migratoria (INM)"),
        LegalKind.FAMILY_REUNIFICATION: N_("Reunificación familiar"),
        LegalKind.ASSISTED_RETURN: N_("Retorno asistido a su país"),
        LegalKind.OTHER: N_("Otro trámite"),
    },
    LegalStage: {
        LegalStage.PREPARING: N_("Preparando la solicitud"),
        LegalStage.FILED: N_("Solicitud presentada"),
        LegalStage.INTERVIEW: N_("Entrevista"),
        LegalStage.WAITING: N_("En espera de resolución"),
        LegalStage.GRANTED: N_("Resolución favorable"),
        LegalStage.DOCUMENTS: N_("Trámite del documento"),
        LegalStage.REFUSED: N_("Resolución negativa"),
        LegalStage.APPEAL: N_("Recurso de revisión o amparo"),
        LegalStage.CLOSED: N_("Concluido"),
    },
    FlagStatus: {
        FlagStatus.OPEN: N_("Nueva"),
        FlagStatus.ACKNOWLEDGED: N_("Vista"),
        FlagStatus.RESOLVED: N_("Resuelta"),
    },
}


def label(t: Translator, value: StrEnum) -> str:
    """The translated label of an enum value; the raw value if none is defined."""
    text = LABELS.get(type(value), {}).get(value.value)
    return t.gettext(text) if text is not None else str(value.value)
