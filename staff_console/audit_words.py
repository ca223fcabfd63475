"""The audit log in words: what each recorded action means, and what its target is
("Mensaje n.º 98" rather than ``message:98``). An action not named here is shown
as its code, so a new one is never hidden."""

from __future__ import annotations

from dataclasses import dataclass

from locales import N_, Translator

ACTIONS: dict[str, str] = {
    "appointment.attended": N_("Registró que fue a una cita"),
    "appointment.cancel": N_("Canceló una cita"),
    "appointment.cannot_go": N_("Respondió que no puede ir a una cita"),
    "appointment.change": N_("Pidió cambiar una cita"),
    "appointment.missed": N_("Registró que faltó a una cita"),
    "appointment.move": N_("Cambió de fecha una cita"),
    "appointment.schedule": N_("Agendó una cita"),
    "appointment.will_go": N_("Confirmó que va a ir a una cita"),
    "case.care_setting": N_("Cambió el entorno de cuidado"),
    "case.close": N_("Cerró el caso"),
    "case.create": N_("Abrió el caso"),
    "case.export": N_("Descargó los datos del caso"),
    "case.follow_up": N_("Pasó el caso a seguimiento"),
    "case.out_of_scope": N_("Intentó abrir un caso fuera de su alcance"),
    "case.phase": N_("Cambió la fase"),
    "case.read": N_("Abrió el caso"),
    "case.reference_operator": N_("Cambió el operador(a) de referencia"),
    "case.refused": N_("Intentó algo que es de coordinación"),
    "case.role_refused": N_("Intentó un cambio que no es de su papel"),
    "chat.erase": N_("Se borró el contenido del chat"),
    "chat.link": N_("Vinculó su chat"),
    "chat.unlink": N_("Se desvinculó el chat"),
    "consent.given": N_("Dio su consentimiento"),
    "consent.refused": N_("No dio su consentimiento"),
    "consent.withdrawn": N_("Retiró su consentimiento"),
    "consent_text.publish": N_("Publicó un texto de consentimiento"),
    "console.refused": N_("Intentó abrir una página que no es para su papel"),
    "evaluation.record": N_("Registró una evaluación"),
    "family.contact_add": N_("Agregó un contacto familiar permitido"),
    "family.contact_end": N_("Terminó un contacto familiar permitido"),
    "family.contact_record": N_("Registró una llamada o visita de la familia"),
    "flag.acknowledge": N_("Marcó una alerta como vista"),
    "flag.mark_for_evaluation": N_("Llevó una alerta a la evaluación"),
    "flag.raise": N_("Se levantó una alerta"),
    "flag.resolve": N_("Resolvió una alerta"),
    "follow_up.answer": N_("Respondió el seguimiento"),
    "follow_up.due": N_("Tocó el seguimiento"),
    "goal.add": N_("Agregó una meta"),
    "goal.update": N_("Cambió una meta"),
    "handover.read": N_("Leyó la nota de entrega"),
    "home.create": N_("Agregó una casa"),
    "home.update": N_("Cambió los datos de una casa"),
    "keys.rotate": N_("Cambió la llave de cifrado"),
    "legal.open": N_("Agregó un trámite legal o migratorio"),
    "legal.stage": N_("Registró una nueva etapa del trámite"),
    "legal.update": N_("Actualizó el trámite"),
    "link_code.issue": N_("Dio un código para vincular el chat"),
    "message.mark_for_evaluation": N_("Llevó un mensaje a la evaluación"),
    "message.reply": N_("Respondió por el chat"),
    "note.add": N_("Escribió una nota del equipo"),
    "request.answered": N_("Atendió una solicitud"),
    "request.closed": N_("Cerró una solicitud"),
    "request.create": N_("Pidió hablar con alguien"),
    "staff.add": N_("Creó una cuenta"),
    "staff.deactivate": N_("Desactivó una cuenta"),
    "staff.language": N_("Cambió el idioma de la consola"),
    "staff.login": N_("Entró a la consola"),
    "staff.login_failed": N_("Falló al entrar"),
    "staff.login_throttled": N_("Se frenaron los intentos de entrar"),
    "staff.logout_everywhere": N_("Cerró sesión en todos los equipos"),
    "staff.password_change": N_("Cambió su contraseña"),
    "staff.password_change_failed": N_("Falló al cambiar su contraseña"),
    "staff.password_reset": N_("Puso una contraseña nueva a una cuenta"),
    "staff.reactivate": N_("Activó de nuevo una cuenta"),
    "step.add": N_("Agregó un paso"),
    "step.confirm": N_("Confirmó un paso"),
    "step.done": N_("Marcó un paso como hecho"),
    "triage_term.add": N_("Agregó un término de riesgo"),
    "triage_term.deactivate": N_("Desactivó un término de riesgo"),
    "voice_prompt.attach": N_("Subió una grabación"),
    "voice_prompt.remove": N_("Quitó una grabación"),
}

TARGETS: dict[str, str] = {
    "appointment": N_("Cita"),
    "family_contact": N_("Contacto familiar"),
    "flag": N_("Alerta"),
    "goal": N_("Meta"),
    "handover": N_("Nota de entrega"),
    "home": N_("Casa"),
    "legal": N_("Trámite"),
    "message": N_("Mensaje"),
    "note": N_("Nota"),
    "request": N_("Solicitud"),
    "staff": N_("Cuenta"),
    "step": N_("Paso"),
    "term": N_("Término"),
}
ON_CASE_PAGE = frozenset({"appointment", "flag", "goal", "message", "request", "step", "note"})
ANCHORS = {"family_contact": "contact", "legal": "procedure"}
"""Targets whose anchor on the case page has another name (``#contact-4``)."""
"""Targets with an anchor on the case page (``#message-98``)."""


@dataclass(frozen=True, slots=True)
class Target:
    text: str
    href: str | None


def action_text(t: Translator, action: str) -> str:
    words = ACTIONS.get(action)
    return t.gettext(words) if words else action


def target_of(t: Translator, target: str, case_id: int | None) -> Target | None:
    """``message:98`` as words, with a link to it on its case's page when it has one."""
    if not target:
        return None
    kind, _, ident = target.partition(":")
    word = TARGETS.get(kind)
    if word is None or not ident.isdigit():
        return Target(target, None)
    # Translators: the audit log: what an entry is about, e.g. "Mensaje n.º 98".
    text = t.gettext("{what} n.º {number}").format(what=t.gettext(word), number=ident)
    anchor = ANCHORS.get(kind, kind)
    on_page = kind in ON_CASE_PAGE or kind in ANCHORS
    href = f"/cases/{case_id}#{anchor}-{ident}" if case_id and on_page else None
    if kind == "staff":
        href = "/admin/staff"
    return Target(text, href)
