"""A scripted chat that reads like the conversation it plays.

Each call is one inbound update through the real pipeline (``bot.inbound.receive``:
de-duplication, the dialogs, the outbox), in its own committed unit of work::

    chat = Chat(container, chat_id="100")
    await chat.start()
    await chat.tap("Español")
    await chat.send(code)
    assert chat.sees("¿Estás de acuerdo?")
    await chat.tap("✅ Acepto")

An exception inside the dialogs fails the test (the pipeline would hide it behind
an apology), and every reply is held to the screen limits.
"""

from __future__ import annotations

import uuid

from bot.inbound import Inbound, receive
from dialogs import conversation
from dialogs.events import Event
from dialogs.screens import MAX_ACTION_BYTES, MAX_TEXT, Button, Reply, Screen
from plan_store.enums import Channel
from plan_store.unit_of_work import UnitOfWork
from rumbo.container import Container

MAX_BUTTONS = 10


def check_reply(reply: Reply) -> None:
    """The limits every reply keeps, whatever happened."""
    assert reply.screens, "every event gets an answer"
    for screen in reply.screens:
        assert screen.text.strip(), "a screen has text"
        assert len(screen.text) <= MAX_TEXT, f"screen of {len(screen.text)} characters"
        assert len(screen.all_buttons) <= MAX_BUTTONS, "a WhatsApp list shows 10 rows at most"
        for button in screen.all_buttons:
            assert button.label.strip()
            assert len(button.action.encode("utf-8")) <= MAX_ACTION_BYTES


class Chat:
    def __init__(
        self, container: Container, *, chat_id: str = "100", channel: Channel = Channel.TELEGRAM
    ) -> None:
        self.container = container
        self.chat_id = chat_id
        self.channel = channel
        self.last = Reply()
        self.history: list[Reply] = []

    # --- what the adolescent does ---------------------------------------------------

    async def start(self, payload: str = "") -> Reply:
        return await self.event(Event.start(payload))

    async def send(self, text: str) -> Reply:
        """Typed text; "/start X" arrives as the transports deliver it: a start event."""
        if text.startswith("/start"):
            return await self.start(text[len("/start") :].strip())
        return await self.event(Event.text(text))

    async def tap(self, label: str) -> Reply:
        """Tap the button with this label on the last reply (exact, else the only one
        that contains it)."""
        return await self.event(Event.choice(self.button(label).action))

    async def press(self, action: str) -> Reply:
        """Send a button's action directly (a reminder's button, or a forged one)."""
        return await self.event(Event.choice(action))

    async def voice(self, audio: bytes) -> Reply:
        return await self.event(Event.voice_note(audio))

    async def event(self, event: Event) -> Reply:
        errors: list[BaseException] = []

        async def handler(uow: UnitOfWork, channel: Channel, chat_id: str, ev: Event) -> Reply:
            try:
                return await conversation.handle(uow, channel, chat_id, ev)
            except Exception as error:
                errors.append(error)
                raise

        inbound = Inbound(self.channel, uuid.uuid4().hex, self.chat_id, event)
        reply = await receive(self.container.uow, inbound, handler)
        if errors:
            raise errors[0]
        assert reply is not None
        check_reply(reply)
        self.last = reply
        self.history.append(reply)
        return reply

    # --- what the adolescent sees ---------------------------------------------------

    @property
    def screens(self) -> list[Screen]:
        return self.last.screens

    @property
    def text(self) -> str:
        return "\n---\n".join(screen.text for screen in self.last.screens)

    @property
    def labels(self) -> list[str]:
        return [b.label for screen in self.last.screens for b in screen.all_buttons]

    @property
    def actions(self) -> list[str]:
        return [b.action for screen in self.last.screens for b in screen.all_buttons]

    def button(self, label: str) -> Button:
        buttons = [b for screen in reversed(self.last.screens) for b in screen.all_buttons]
        exact = [b for b in buttons if b.label == label]
        if exact:
            return exact[0]
        partial = [b for b in buttons if label in b.label]
        assert len(partial) == 1, f"no single button {label!r} in {self.labels}"
        return partial[0]

    def sees(self, *fragments: str) -> bool:
        """Every fragment is in the last reply's text (else fail, showing the text)."""
        for fragment in fragments:
            assert fragment in self.text, f"{fragment!r} not in:\n{self.text}"
        return True

    def does_not_see(self, *fragments: str) -> bool:
        everything = self.text + "\n" + "\n".join(self.labels)
        for fragment in fragments:
            assert fragment not in everything, f"{fragment!r} shown in:\n{everything}"
        return True

    def has_button(self, label: str) -> bool:
        assert any(label in each for each in self.labels), f"{label!r} not in {self.labels}"
        return True

    def saw_anywhere(self, fragment: str) -> bool:
        """Whether ``fragment`` was ever shown in this chat (text or button)."""
        return any(
            fragment in screen.text or any(fragment in b.label for b in screen.all_buttons)
            for reply in self.history
            for screen in reply.screens
        )
