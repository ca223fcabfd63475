"""Strings every part of the chat shares; translate where shown: `t.gettext(BACK)`."""

from locales.catalogs import N_

# Translators: asked first, before anything else. The answers are
# buttons showing each language's name in that language.
CHOOSE_LANGUAGE = N_("¿En qué idioma quieres hablar?")

# Translators: the first message. "Rumbo" is the bot's name: keep it.
# "operadora": the adult in the home who looks after the adolescent
# (a psychologist, educator or social worker).
WELCOME = N_("Hola 👋 Soy Rumbo. Te acompaño con tu plan: tus metas, tus citas y tu operadora.")

# Translators: a short, friendly hello, right at any time of day.
GREETING = N_("Hola 👋")

# Translators: a short thank-you after the adolescent answers.
THANKS = N_("Gracias.")

# Translators: button; a phone shows about 20 characters. Keep the
# emoji at the start, as in all buttons.
MY_GOALS = N_("🎯 Mis metas")
# Translators: button. School, job training, health, legal dates.
MY_APPOINTMENTS = N_("📅 Mis citas")
# Translators: button. Asks for their own reference adult (operadora).
TALK_TO_MY_OPERATOR = N_("🙋 Hablar con mi operadora")
# Translators: button. What is kept, consent, clearing the chat.
PRIVACY = N_("⚙️ Privacidad")
# Translators: button. Gives consent to use Rumbo.
I_AGREE = N_("✅ Acepto")
# Translators: button. Opens the longer explanation.
MORE_DETAILS = N_("ℹ️ Más detalles")
# Translators: button. Any adult of the team, even before consent.
TALK_TO_A_PERSON = N_("🙋 Hablar con una persona")
# Translators: button. Goes back to the previous screen.
BACK = N_("⬅️ Volver")

# Translators: the bot did not understand a typed message. The fault
# is the bot's, never the adolescent's.
DID_NOT_UNDERSTAND = N_("No entendí. ¿Me lo dices con un botón?")
