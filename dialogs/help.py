"""How Rumbo works, in a few plain lines, with the home's emergency numbers."""

from __future__ import annotations

from dialogs import actions, concerns, consent, rights
from dialogs.common import Turn, button, column
from locales.core_strings import BACK


async def show(turn: Turn) -> None:
    if not turn.is_open:
        await consent.about(turn)
        return
    t = turn.t
    operator = await turn.operator()
    if operator:
        # Translators: a help line; {name} is the first name of the adolescent's operator.
        talk = t.gettext("• 🙋 Hablar con {name}: le pides que te busque.").format(name=operator)
    else:
        # Translators: a help line about the button "🙋 Hablar con mi operadora": use that button's
        # translation. "operadora": the adult in the home who looks after the adolescent.
        talk = t.gettext("• 🙋 Hablar con mi operadora: le pides que te busque.")
    lines = [
        # Translators: the help screen's title; a list of what each button does follows.
        t.gettext("Así funciono:"),
        # Translators: a help line about the button "🎯 Mis metas": use that button's translation.
        t.gettext("• 🎯 Mis metas: ves tu plan y lo que sigue."),
        # Translators: a help line about the button "📅 Mis citas": use that button's translation.
        t.gettext("• 📅 Mis citas: me dices si vas a ir."),
        talk,
        # Translators: a help line: anything typed reaches the team.
        t.gettext("• Escríbeme lo que quieras: se lo paso a tu equipo."),
        # Translators: a help line. «menú» is the word the bot understands in every language: keep
        # it as is.
        t.gettext("• Escribe «menú» para volver al inicio."),
    ]
    numbers = await turn.emergency_lines()
    # Translators: the emergency phone numbers follow, one per line.
    danger = t.gettext("Si estás en peligro ahora, llama:")
    text = "\n".join(lines) + f"\n\n{danger}\n{numbers}"
    rows = column(
        button(t.gettext(rights.RIGHTS), actions.RIGHTS),
        button(t.gettext(concerns.CHANGE_OPERATOR), actions.CHANGE_OPERATOR),
        button(t.gettext(concerns.COMPLAIN), actions.COMPLAIN),
        button(t.gettext(BACK), actions.MENU),
    )
    turn.say(text, rows)
