"""The turn after the conversation failed on an event: keep what must not be lost.

When a flow fails (a bug, data it did not expect), nothing of its turn is kept: the
transaction rolls back. What the adolescent sent must not go with it. A cry for help
typed into a broken flow would otherwise get "something failed, say it again" and
reach no one. So the transport applies the same event again, in a turn of its own,
through this module instead of the conversation. It uses as little of the
conversation as it can:

- a text is stored and read for risk as free text is (``dialogs.free_text``): the
  flags, the alert and the safety answer are the same; without a risk, she is told
  who reads it and when;
- a voice note is stored and flagged for a person to listen to;
- before consent, or while a complaint waits for its words (which her operator must
  not read, ``dialogs.concerns``), nothing is stored or flagged, but a risky text
  still gets the emergency numbers and a one-tap way to a person;
- anything else gets the apology, in the chat's language.

The chat stays where it was. Should this turn fail too, the transport answers with
the bare apology (``dialogs.notices.apology``).
"""

from __future__ import annotations

from dialogs import free_text, home, voice
from dialogs.common import Turn, clean, menu_button
from dialogs.conversation import kept
from dialogs.events import Event, EventKind
from dialogs.notices import apology, sorry
from dialogs.screens import Reply
from plan_store.enums import Channel
from plan_store.unit_of_work import UnitOfWork


async def recover(uow: UnitOfWork, channel: Channel, external_id: str, event: Event) -> Reply:
    """The reply to ``event``, which the conversation failed on, once what it carried
    is kept."""
    turn = await Turn.begin(uow, channel, external_id, home_screen=home.show)
    if event.kind is EventKind.TEXT:
        await _text(turn, clean(event.data))
    elif event.kind is EventKind.VOICE and event.voice and kept(turn):
        await voice.keep(turn, event.voice)
        turn.say(await voice.received(turn), [[menu_button(turn.t)]], note=sorry(turn.t))
    if not turn.reply.screens:
        turn.reply.screens.append(apology(turn.t))
    return turn.finish()


async def _text(turn: Turn, text: str) -> None:
    if not text:
        return
    risks = await free_text.read_risks(turn, text)
    shown = risks[0] if risks and risks[0].severity in free_text.SHOWN else None
    if not kept(turn, text):
        if shown is not None:
            await free_text.before_consent(turn, shown)
        return
    message = await free_text.keep(turn, text)
    await free_text.raise_flags(turn, risks, message_id=message.id, detail="after_failure")
    if shown is not None:
        await free_text.safety(turn, shown)
    else:
        await free_text.passed_on(turn, note=sorry(turn.t))
