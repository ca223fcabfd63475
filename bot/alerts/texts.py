"""What an alert says to staff, in the staff member's console language.

The case number, the category, how long it has waited and a link to the console:
never the adolescent's words or alias (the test suite checks every channel)."""

from __future__ import annotations

from datetime import datetime

from locales import N_, Translator, translator
from plan_store.enums import AlertStep, FlagCategory
from plan_store.services.alert_deliveries import DeliveryJob
from plan_store.services.alerts import REQUEST_CATEGORY
from plan_store.services.digests import DigestJob

CATEGORIES = {
    # Translators: the reason of an alert to staff: a message shows a risk of self-harm.
    FlagCategory.SELF_HARM.value: N_("Riesgo de autolesión"),
    # Translators: the reason of an alert to staff: violence or abuse.
    FlagCategory.VIOLENCE_ABUSE.value: N_("Violencia o abuso"),
    # Translators: the reason of an alert to staff: possible human trafficking.
    FlagCategory.TRAFFICKING.value: N_("Posible trata"),
    # Translators: the reason of an alert to staff: the adolescent wants to run away.
    FlagCategory.RUNNING_AWAY.value: N_("Quiere irse"),
    # Translators: the reason of an alert to staff: health.
    FlagCategory.HEALTH.value: N_("Salud"),
    # Translators: the reason of an alert to staff: any other risk.
    FlagCategory.OTHER.value: N_("Otro"),
    # Translators: the reason of an alert to staff: the adolescent asked to talk to someone now.
    REQUEST_CATEGORY: N_("Pidió hablar con alguien ya"),
    # Translators: in the daily digest to staff: a voice note to listen to.
    FlagCategory.VOICE_NOTE.value: N_("Nota de voz por escuchar"),
    # Translators: in the daily digest to staff: an appointment not confirmed.
    FlagCategory.UNCONFIRMED_APPOINTMENT.value: N_("Cita sin confirmar"),
    # Translators: in the daily digest to staff: a missed appointment.
    FlagCategory.MISSED_APPOINTMENT.value: N_("Cita perdida"),
    # Translators: in the daily digest to staff: an evaluation is due.
    FlagCategory.EVALUATION_DUE.value: N_("Evaluación por hacer"),
    # Translators: in the daily digest to staff: a step of the plan is due.
    FlagCategory.STEP_DUE.value: N_("Paso por vencer"),
    # Translators: in the daily digest to staff: a message could not be delivered.
    FlagCategory.DELIVERY_FAILED.value: N_("Mensaje sin entregar"),
    # Translators: in the daily digest to staff: the adolescent's chat is gone.
    FlagCategory.CHAT_GONE.value: N_("Chat perdido"),
    # Translators: in the daily digest to staff: an answer to a follow-up check-in.
    FlagCategory.FOLLOW_UP_ANSWER.value: N_("Respuesta de seguimiento"),
}
ACK = "alert:ack:"
"""The action of the "Lo veo" button, followed by the alert's id."""


def category_label(t: Translator, category: str) -> str:
    label = CATEGORIES.get(category)
    return t.gettext(label) if label else category


def minutes_waiting(created_at: datetime, now: datetime) -> int:
    return max(0, int((now - created_at).total_seconds() // 60))


def alert_lines(job: DeliveryJob, now: datetime, console_url: str) -> tuple[str, str, str]:
    """(subject, body, button label) of one alert, in the recipient's language."""
    t = translator(job.language if job.language in ("es", "en") else "es")
    category = category_label(t, job.category)
    waited = minutes_waiting(job.created_at, now)
    # Translators: the first line of an urgent alert to staff; {case} is the case number (never
    # a name), {category} its reason.
    subject = t.gettext("🔴 Alerta urgente: caso {case}, {category}").format(
        case=job.case_number, category=category
    )
    # Translators: in an alert to staff; {minutes} is how many minutes the adolescent has waited.
    waiting = t.ngettext(
        "Esperando desde hace {minutes} minuto.",
        "Esperando desde hace {minutes} minutos.",
        waited,
    ).format(minutes=waited)
    lines = [subject, waiting]
    if job.step >= AlertStep.BACKUP:
        # Translators: in an alert to staff: it went to more people because nobody saw it in time.
        lines.append(t.gettext("Nadie la ha visto todavía: te llega como respaldo."))
    url = f"{console_url}/alerts/{job.alert_id}"
    # Translators: in an alert to staff; {url} opens the alert in the console.
    lines.append(t.gettext("Ábrela en la consola: {url}").format(url=url))
    # Translators: the button under an alert to staff: "I see it" (acknowledges the alert).
    button = t.gettext("👀 Lo veo")
    return subject, "\n".join(lines), button


def digest_lines(job: DigestJob, console_url: str) -> tuple[str, str]:
    """(subject, body) of one operator's daily digest of non-urgent flags."""
    t = translator(job.language if job.language in ("es", "en") else "es")
    count = len(job.lines)
    # Translators: the subject of the daily email to staff; {count} is how many flags.
    subject = t.ngettext(
        "Rumbo: {count} alerta sin urgencia de ayer",
        "Rumbo: {count} alertas sin urgencia de ayer",
        count,
    ).format(count=count)
    lines = [f"• {number}: {category_label(t, category)}" for number, category in job.lines]
    # Translators: the last line of the daily email to staff; {url} opens the alerts page.
    lines += ["", t.gettext("Revísalas en la consola: {url}").format(url=f"{console_url}/flags")]
    return subject, "\n".join(lines)
