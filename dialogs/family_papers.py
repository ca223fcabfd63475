"""Her family and her papers in plain words, at the top of the plan's two optional
routes ("👪 Mi familia", "📄 Mis papeles"): whom she may talk with and how, when
the last call or visit was; what her procedure is for, where it is now, the next
date and who helps her with it, and the steps it already took.

The team's notes never come here; neither do the authority's or the procedure's
institutional names."""

from __future__ import annotations

from dialogs import labels
from dialogs.common import Turn, first_name
from locales import N_
from plan_store.enums import ContactWay, LegalKind, LegalStage, Programme, Role
from plan_store.services import cases, family, legal
from plan_store.services.family import Family
from plan_store.services.legal import ProcedureView

WAYS = {
    # Translators: how she may be in touch with a family member: by phone.
    ContactWay.CALL: N_("📞 llamadas"),
    # Translators: how she may be in touch with a family member: they visit.
    ContactWay.VISIT: N_("🏠 visitas"),
    # Translators: how she may be in touch with a family member: both.
    ContactWay.CALL_AND_VISIT: N_("📞 llamadas y 🏠 visitas"),
}
HELD = {
    # Translators: the last contact with her family was a phone call; {name} is who.
    ContactWay.CALL: N_("llamada con {name}"),
    # Translators: the last contact with her family was a visit; {name} is who.
    ContactWay.VISIT: N_("visita de {name}"),
}
KINDS = {
    # Translators: her procedure: asking Mexico for refuge (asylum).
    LegalKind.REFUGEE: N_("📄 Tu trámite para pedir refugio en México"),
    # Translators: her procedure: the humanitarian card that lets her stay in Mexico.
    LegalKind.HUMANITARIAN_VISA: N_("📄 Tu trámite para tu tarjeta humanitaria"),
    # Translators: her procedure: putting her stay in Mexico in order.
    LegalKind.REGULARISATION: N_("📄 Tu trámite para arreglar tus papeles en México"),
    # Translators: her procedure: to live with her family again.
    LegalKind.FAMILY_REUNIFICATION: N_("📄 Tu trámite para reunirte con tu familia"),
    # Translators: her procedure: going back to her country, because she wants to.
    LegalKind.ASSISTED_RETURN: N_("📄 Tu trámite para volver a tu país"),
    # Translators: her procedure, of a kind not named.
    LegalKind.OTHER: N_("📄 Tu trámite"),
}
# Translators: her family screen when no contact is allowed right now.
NO_CONTACT_NOW = N_(
    "Por ahora no hay llamadas ni visitas con tu familia. Puedes hablarlo con tu equipo."
)
STAGES = {
    # Translators: a step of her procedure: getting her application ready.
    LegalStage.PREPARING: N_("preparar tu solicitud"),
    # Translators: a step of her procedure: the application was handed in.
    LegalStage.FILED: N_("entregar tu solicitud"),
    # Translators: a step of her procedure: an interview where she tells her story.
    LegalStage.INTERVIEW: N_("tu entrevista"),
    # Translators: a step of her procedure: waiting for the answer.
    LegalStage.WAITING: N_("esperar la respuesta"),
    # Translators: a step of her procedure: the answer was yes.
    LegalStage.GRANTED: N_("la respuesta fue que sí ✅"),
    # Translators: a step of her procedure: getting her card or document.
    LegalStage.DOCUMENTS: N_("sacar tu documento"),
    # Translators: a step of her procedure: the answer was no.
    LegalStage.REFUSED: N_("la respuesta fue que no"),
    # Translators: a step of her procedure: asking that the answer be looked at again.
    LegalStage.APPEAL: N_("pedir que revisen la respuesta"),
    # Translators: a step of her procedure: it is over.
    LegalStage.CLOSED: N_("tu trámite terminó"),
}


async def routes_begun(turn: Turn) -> set[Programme]:
    """The optional routes that have something of their own to show."""
    begun: set[Programme] = set()
    if (await family.family_of(turn.uow, turn.case_id, records=1)).contacts:
        begun.add(Programme.FAMILY_CONTACT)
    if await legal.procedures_of(turn.uow, turn.case_id):
        begun.add(Programme.LEGAL_MIGRATION)
    return begun


async def section(turn: Turn, programme: Programme) -> str | None:
    """The route's own part, above its goals; None when it has none (or is not a route)."""
    if programme is Programme.FAMILY_CONTACT:
        kin = await family.family_of(turn.uow, turn.case_id, records=1)
        return await _family(turn, kin) if kin.contacts else None
    if programme is Programme.LEGAL_MIGRATION:
        found = await legal.procedures_of(turn.uow, turn.case_id)
        return "\n\n".join([await _procedure(turn, p) for p in found[:2]]) or None
    return None


async def _family(turn: Turn, kin: Family) -> str:
    t = turn.t
    home = await turn.home()
    today = cases.local_today(turn.uow, home) if home is not None else turn.uow.now().date()
    allowed = kin.allowed(today)
    if not allowed:
        return t.gettext(NO_CONTACT_NOW)
    # Translators: heading of the people of her family she may talk with.
    lines = [t.gettext("Puedes hablar con:")]
    for contact in allowed:
        way = t.gettext(WAYS[contact.way])
        lines.append(f"• {contact.name} ({contact.relation}) — {way}")
    last = next((r for r in kin.records if r.with_name), None)
    if last is not None and last.way in HELD:
        held = t.gettext(HELD[last.way]).format(name=last.with_name)
        # Translators: the last call or visit with her family. {what} is "llamada con
        # Rosa" or "visita de Rosa"; {date} its day.
        text = t.gettext("🗓️ La última vez: {what}, {date}")
        lines.append(text.format(what=held, date=turn.day(last.held_on)))
    return "\n".join(lines)


async def _procedure(turn: Turn, procedure: ProcedureView) -> str:
    t = turn.t
    lines = [t.gettext(KINDS[procedure.kind])]
    # Translators: where her procedure stands now; {step} is a step ("tu entrevista").
    lines.append(t.gettext("👉 Ahora: {step}").format(step=t.gettext(STAGES[procedure.stage])))
    if procedure.next_on is not None and procedure.open:
        if procedure.next_what:
            # Translators: the next date of her procedure. {what} is what happens that day,
            # written by her team; {date} the day.
            text = t.gettext("📅 Lo que sigue: {what}, {date}")
            lines.append(text.format(what=procedure.next_what, date=turn.day(procedure.next_on)))
        else:
            # Translators: the next date of her procedure; {date} the day.
            text = t.gettext("📅 Tu próxima fecha: {date}")
            lines.append(text.format(date=turn.day(procedure.next_on)))
    if procedure.followed_by:
        # Translators: a goal's screen: who helps with the next step. {name} is a
        # first name, {role} what that person does ("psicología", "trabajo social").
        helper = t.gettext("🤝 Te ayuda con esto: {name} ({role})")
        name = first_name(procedure.followed_by) or procedure.followed_by
        lines.append(helper.format(name=name, role=t.gettext(labels.TEAM_ROLES[Role.LAWYER])))
    done = procedure.stages[:-1]
    if done:
        tz = await turn.timezone()
        # Translators: heading of the steps her procedure already took.
        lines.append(t.gettext("Lo que ya pasó:"))
        for step in done[-4:]:
            day = turn.day(step.at.astimezone(tz).date())
            lines.append(f"✔️ {_upper_first(t.gettext(STAGES[step.stage]))}, {day}")
    return "\n".join(lines)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
