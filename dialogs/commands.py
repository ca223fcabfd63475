"""The commands a chat's menu button lists, with the words that describe them.

Each is one the conversation already understands when typed (see
``dialogs.conversation``); a transport that has a command menu (Telegram's "Menu"
button) publishes this list in the languages its platform can name.
"""

from __future__ import annotations

from locales import N_, translator

COMMANDS: tuple[tuple[str, str], ...] = (
    # Translators: Telegram's command list; the description of /menu.
    ("menu", N_("Volver al menú")),
    # Translators: Telegram's command list; the description of /idioma.
    ("idioma", N_("Cambiar de idioma")),
    # Translators: Telegram's command list; the description of /privacidad.
    ("privacidad", N_("Privacidad: qué se guarda, borrar el chat")),
    # Translators: Telegram's command list; the description of /ayuda.
    ("ayuda", N_("Cómo usar Rumbo")),
)


def described_in(language: str) -> list[tuple[str, str]]:
    """Each command with its description in ``language``."""
    t = translator(language)
    return [(name, t.gettext(description)) for name, description in COMMANDS]
