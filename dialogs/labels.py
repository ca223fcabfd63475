"""Button labels and short texts used by several flows; translate where shown:
``t.gettext(labels.SKIP)``. The menu's own labels live in ``locales.core_strings``."""

from locales import N_
from plan_store.enums import Role

# Translators: button; back to the main menu.
MENU = N_("🏠 Menú")
# Translators: button; how Rumbo works.
HELP = N_("❓ Ayuda")
# Translators: button; choose the chat's language.
LANGUAGE = N_("🌐 Idioma")
# Translators: button, before linking or consent; "Rumbo" is the bot's name.
ABOUT = N_("❓ ¿Qué es Rumbo?")
# Translators: button; go on without writing the optional message or reason.
SKIP = N_("⏭️ Saltar")
# Translators: button; stops using Rumbo (withdraws consent): asks to confirm first.
LEAVE = N_("🚪 Dejar Rumbo")
# Translators: button; refuses consent, kindly.
NO_THANKS = N_("✋ No, gracias")
# Translators: button; shows the consent text again after a refusal.
READ_AGAIN = N_("📄 Leer otra vez")
# Translators: before a consent text (to Rumbo, or to the check-ins after
# care), asked again because its words changed.
WORDS_CHANGED = N_("Cambiamos algunas palabras. Léelo otra vez, por favor.")
# Translators: button; the adolescent says they did the next step of a goal.
DONE = N_("✅ Ya lo hice")
# Translators: button; asks the operator for help with a goal.
NEED_HELP = N_("🆘 Necesito ayuda")
# Translators: button; the adolescent will go to an appointment.
WILL_GO = N_("✔️ Voy a ir")
# Translators: button; the adolescent cannot go to an appointment.
CANNOT_GO = N_("❌ No puedo ir")
# Translators: button; asks to change an appointment's day or time.
CHANGE = N_("🔁 Cambiar")
# Translators: button, after an appointment; the adolescent went.
WENT = N_("✔️ Sí fui")
# Translators: button, after an appointment; the adolescent did not go.
MISSED = N_("❌ No fui")
# Translators: button; the request to the operator is urgent.
URGENT = N_("🔴 Sí, es urgente")
# Translators: button; the request to the operator can wait.
CAN_WAIT = N_("🟢 Puede esperar")
# Translators: title of the screen that lists the goals.
GOALS_TITLE = N_("🎯 Tus metas")
# Translators: title of the screen that lists the appointments.
APPOINTMENTS_TITLE = N_("📅 Tus próximas citas")
# Translators: said when a button is old (the screen changed since). The fault is
# the bot's; the main menu follows.
STALE = N_("Ese botón ya no sirve. Te muestro el menú.")
# Translators: said when a button is old, before the adolescent agreed to use Rumbo
# (no menu follows, only what they may do then).
STALE_GATE = N_("Ese botón ya no sirve.")
# Translators: button, on the goals screen: the adolescent proposes a new goal for her plan.
PROPOSE_GOAL = N_("💡 Quiero proponer una meta")
# Translators: button, on a goal's screen: the adolescent proposes a step for that goal.
ADD_STEP = N_("➕ Agregar un paso")

# What the people around the plan do, in the adolescent's words: "Laura (psicología)".
TEAM_ROLES = {
    # Translators: who answers for a step: a psychologist; after a first name.
    Role.PSYCHOLOGIST: N_("psicología"),
    # Translators: who answers for a step: a social worker; after a first name.
    Role.SOCIAL_WORKER: N_("trabajo social"),
    # Translators: who answers for a step: a lawyer (papers, migration); after a first name.
    Role.LAWYER: N_("abogacía: tus papeles"),
    # Translators: who answers for a step: an educator (school, courses); after a first name.
    Role.EDUCATOR: N_("educación"),
    # Translators: who answers for a step: the adolescent's own operator; after a first name.
    Role.OPERATOR: N_("tu operador(a)"),
    # Translators: who answers for a step: the home's coordinator; after a first name.
    Role.COORDINATOR: N_("coordinación de tu casa"),
}
