""" "Tus derechos y reglas": the house rules of her home (written by the home in the
console), her rights in care, and the options the care model names for her future
(staying in care, going back to her family, going back to her country if she wants,
living on her own). Each is a short text with a voice key, and "🙋 Quiero hablar de
esto" asks her operator for a talk about it. Actions::

    rights                     the screen
    rights:rules / rights:mine / rights:opts / rights:opt:<option>
    rights:talk:<topic>        "quiero hablar de esto" (a topic of ``TOPICS``)
"""

from __future__ import annotations

from dialogs import actions
from dialogs.common import Turn, button, column, menu_button
from dialogs.screens import Button
from locales import N_, translator
from locales.core_strings import BACK
from plan_store.enums import RequestReason, RequestStatus, Urgency
from plan_store.services import requests

# Translators: button, in Help and the main menu: the rules of the home, her rights and her
# options.
RIGHTS = N_("📜 Tus derechos y reglas")
# Translators: button: the rules of the home where she lives.
RULES = N_("🏠 Reglas de tu casa")
# Translators: button: her rights while in care.
MINE = N_("🛡️ Tus derechos")
# Translators: button: her options for the future.
OPTIONS = N_("🧭 Tus opciones")
# Translators: button: asks her operator to talk about what the screen shows.
TALK = N_("🙋 Quiero hablar de esto")

OPTION_LABELS = {
    # Translators: button: an option for her future: staying in care.
    "stay": N_("🏠 Seguir en cuidado"),
    # Translators: button: an option for her future: going back to live with her family.
    "family": N_("👪 Volver con tu familia"),
    # Translators: button: an option for her future: going back to her country, only if she wants
    # (assisted voluntary return).
    "return": N_("🧭 Regresar a tu país"),
    # Translators: button: an option for her future: living on her own.
    "own": N_("🔑 Vivir por tu cuenta"),
}
OPTION_TEXTS = {
    # Translators: the option of staying in care, in plain words.
    "stay": N_(
        "🏠 Seguir en cuidado\n"
        "Te quedas en tu casa de cuidado mientras lo necesites, con tu plan, la escuela "
        "y tu equipo."
    ),
    # Translators: the option of family reintegration, in plain words.
    "family": N_(
        "👪 Volver con tu familia\n"
        "Si tú quieres y es seguro para ti, tu equipo te ayuda a buscar a tu familia "
        "y a preparar el regreso, paso a paso."
    ),
    # Translators: the option of assisted voluntary return to her country, in plain words. It is
    # only if she wants it: keep "nadie te puede obligar".
    "return": N_(
        "🧭 Regresar a tu país\n"
        "Solo si tú quieres y es seguro para ti. Nadie te puede obligar. "
        "Tu equipo y un abogado o abogada revisan contigo cómo hacerlo."
    ),
    # Translators: the option of independent living, in plain words.
    "own": N_(
        "🔑 Vivir por tu cuenta\n"
        "Cuando seas más grande, te preparas para vivir sola o solo: escuela o trabajo, "
        "dinero, casa. Tu equipo te acompaña."
    ),
}
# Translators: her rights in care, in plain words, one per line.
MY_RIGHTS = N_(
    "🛡️ Tus derechos\n"
    "• Vivir sin violencia y estar a salvo.\n"
    "• Que te escuchen y tomen en cuenta lo que piensas.\n"
    "• Ir a la escuela y ver al doctor cuando lo necesites.\n"
    "• Hablar con tu familia, si es seguro para ti.\n"
    "• Pedir protección o asilo, con ayuda de un abogado o abogada, gratis.\n"
    "• Quejarte sin que te castiguen por eso."
)
TOPICS = {
    # Translators: what the team reads when she wants to talk about a topic (Spanish by default).
    "rules": N_("Quiere hablar de las reglas de la casa."),
    # Translators: what the team reads when she wants to talk about a topic (Spanish by default).
    "mine": N_("Quiere hablar de sus derechos."),
    # Translators: what the team reads when she wants to talk about a topic (Spanish by default).
    "stay": N_("Quiere hablar de seguir en cuidado."),
    # Translators: what the team reads when she wants to talk about a topic (Spanish by default).
    "family": N_("Quiere hablar de volver con su familia."),
    # Translators: what the team reads when she wants to talk about a topic (Spanish by default).
    "return": N_("Quiere hablar de regresar a su país (retorno voluntario)."),
    # Translators: what the team reads when she wants to talk about a topic (Spanish by default).
    "own": N_("Quiere hablar de vivir por su cuenta."),
}


def rules_voice_key(home_id: int) -> str:
    """The voice key of one home's rules (each home records its own)."""
    return f"rights:rules:{home_id}"


async def show(turn: Turn) -> None:
    t = turn.t
    # Translators: the screen of rules, rights and options; the buttons follow.
    text = t.gettext(
        "📜 Tus derechos y reglas\n"
        "Aquí ves las reglas de tu casa, tus derechos y tus opciones para el futuro."
    )
    rows = column(
        button(t.gettext(RULES), "rights:rules"),
        button(t.gettext(MINE), "rights:mine"),
        button(t.gettext(OPTIONS), "rights:opts"),
        button(t.gettext(BACK), actions.MENU),
    )
    turn.say(text, rows, voice_key="rights")


def _talk_rows(turn: Turn, topic: str, back: str) -> list[list[Button]]:
    t = turn.t
    return [
        [button(t.gettext(TALK), f"rights:talk:{topic}")],
        [button(t.gettext(BACK), back), menu_button(t)],
    ]


async def rules(turn: Turn) -> None:
    t = turn.t
    home = await turn.home()
    written = home.house_rules.strip() if home else ""
    if written:
        # Translators: the title above the rules the home wrote.
        text = t.gettext("🏠 Reglas de tu casa") + "\n" + written
    else:
        # Translators: the home has not written its rules in Rumbo yet.
        text = t.gettext(
            "🏠 Tu casa todavía no escribió sus reglas aquí. Pídelas a tu equipo: "
            "tienes derecho a conocerlas."
        )
    voice = rules_voice_key(home.id) if home else None
    turn.say(text, _talk_rows(turn, "rules", "rights"), voice_key=voice)


async def mine(turn: Turn) -> None:
    rows = _talk_rows(turn, "mine", "rights")
    turn.say(turn.t.gettext(MY_RIGHTS), rows, voice_key="rights:mine")


async def options(turn: Turn) -> None:
    t = turn.t
    # Translators: before the options for her future; the buttons are the options.
    text = t.gettext("🧭 Tus opciones para el futuro. Tú opinas y tu equipo decide contigo.")
    rows = column(
        *[button(t.gettext(label), f"rights:opt:{key}") for key, label in OPTION_LABELS.items()],
        button(t.gettext(BACK), "rights"),
    )
    turn.say(text, rows, voice_key="rights:options")


async def option(turn: Turn, key: str) -> None:
    if key not in OPTION_TEXTS:
        await turn.stale()
        return
    text = turn.t.gettext(OPTION_TEXTS[key])
    turn.say(text, _talk_rows(turn, key, "rights:opts"), voice_key=f"rights:option:{key}")


async def talk(turn: Turn, topic: str) -> None:
    if topic not in TOPICS:
        await turn.stale()
        return
    staff_words = translator("es").gettext(TOPICS[topic])
    opened = await requests.open_for(turn.uow, turn.case_id)
    asked = any(
        r.status is RequestStatus.OPEN and requests.message_of(turn.uow, r) == staff_words
        for r in opened
    )
    if not asked:
        await requests.create(
            turn.uow,
            turn.case_id,
            reason=RequestReason.OTHER,
            urgency=Urgency.NORMAL,
            message=staff_words,
        )
    t = turn.t
    operator = await turn.operator()
    if operator:
        # Translators: after "quiero hablar de esto"; {name} is the first name of her operator.
        text = t.gettext("Listo. Le aviso a {name} para que lo platiquen.").format(name=operator)
    else:
        # Translators: after "quiero hablar de esto".
        text = t.gettext("Listo. Le aviso a tu equipo para que lo platiquen.")
    turn.say(text, [[button(t.gettext(BACK), "rights"), menu_button(t)]])
