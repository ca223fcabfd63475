"""Home: the right first screen for where the chat is.

Home is the menu for a linked chat with consent; the consent screen for a linked
chat without it; the code (or language) screen for an unlinked chat. Old or forged
buttons land here too, with a short apology (``Turn.stale``).

The flows reach home through ``Turn.go_home``, which the conversation points here:
the consent, language and linking screens lead home and home leads to them, so
they do not import each other.
"""

from __future__ import annotations

from dialogs import consent, language, linking, menu
from dialogs.common import Level, Turn


async def show(turn: Turn, note: str | None = None) -> None:
    if turn.level is Level.OPEN:
        await menu.show(turn, note)
    elif turn.level is Level.PENDING:
        await consent.show(turn, note)
    elif turn.session.language is None and note is None:
        await language.show(turn, welcome=True)
    else:
        await linking.ask_code(turn, note)
