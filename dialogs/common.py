"""What every flow shares: the turn (one event of one chat) and small helpers.

A ``Turn`` holds what the conversation knows about the chat for one event: its stored
session, its link and case (only when linked to an open case), whether consent is in
force, and its language. Flows read the case only through ``Turn.case_id`` (which
refuses when the chat may not see a case) and the plan_store services.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from dialogs import actions, dates, labels
from dialogs.screens import MAX_ACTION_BYTES, MAX_TEXT, Button, Reply, Screen
from locales import SOURCE_LANGUAGE, Translator, is_supported, translator
from locales.core_strings import DID_NOT_UNDERSTAND
from plan_store.enums import Channel
from plan_store.models import Adolescent, ChatLink, ChatSession, Home, Message, Staff
from plan_store.services import chats, consent, translations
from plan_store.services.consent import ConsentState
from plan_store.services.homes import MEXICO_EMERGENCY_NUMBERS
from plan_store.unit_of_work import UnitOfWork

MAX_LABEL = 30
"""Characters of a label made from data (a goal's title); fixed labels are shorter."""
MAX_LIST = 8
"""Items listed (and buttons offered) on one screen; the rest are counted."""
ID = re.compile(r"[0-9]{1,10}")
MAX_ID = 2**31 - 1
"""Ids are 32-bit integers on PostgreSQL: a larger one in a forged action is refused
here, before the database would fail the whole transaction on it."""


class Level(StrEnum):
    """How much of a case a chat may see."""

    UNLINKED = "unlinked"  # nothing
    PENDING = "pending"  # linked, no consent in force: still nothing of the case
    OPEN = "open"  # linked with consent: its own case


class State(StrEnum):
    """``ChatSession.state``: what the chat is in the middle of."""

    START = "start"  # first contact, no language yet
    LANGUAGE = "language"  # choosing a language
    CODE = "code"  # waiting for a linking code
    CONSENT = "consent"  # linked, deciding on consent
    MENU = "menu"  # nothing pending: typed text goes to the team
    OPERATOR_MESSAGE = "operator_message"  # optional message for the operator
    OPERATOR_URGENCY = "operator_urgency"  # the request's urgency, what was typed kept
    APPOINTMENT_REASON = "appointment_reason"  # optional reason for an appointment answer
    PROPOSAL_TEXT = "proposal_text"  # the words of a goal or step she proposes
    PROPOSAL_WHEN = "proposal_when"  # ... and by when (kept: the words, encrypted)
    EVALUATION_WORDS = "evaluation_words"  # her own words before an evaluation
    CONCERN_MESSAGE = "concern_message"  # optional words of a complaint or operator change


class NotAllowed(Exception):
    """A flow asked for the case of a chat that may not see it."""


ShowScreen = Callable[["Turn", str | None], Awaitable[None]]
"""A flow's screen, shown with an optional note first (``dialogs.home.show``)."""


@dataclass(slots=True)
class Turn:
    uow: UnitOfWork
    channel: Channel
    external_id: str
    session: ChatSession
    link: ChatLink | None
    case: Adolescent | None
    consent_state: ConsentState | None
    lang: str
    t: Translator
    reply: Reply = field(default_factory=Reply)
    typed: Message | None = None
    """What the adolescent typed in this turn, as stored (every text of an open chat
    is stored before any flow reads it)."""
    home_screen: ShowScreen | None = None
    """Given by the conversation: what ``go_home`` shows."""
    _home: Home | None = None
    _operator: tuple[str | None] | None = None
    _reference: chats.Operator | None = None
    """The case's reference operator as the chat's context read her."""

    @classmethod
    async def begin(
        cls,
        uow: UnitOfWork,
        channel: Channel,
        external_id: str,
        *,
        home_screen: ShowScreen | None = None,
    ) -> Turn:
        ctx = await chats.chat_context(
            uow, channel, external_id, carry=translations.revision_read()
        )
        # The console's reviewed translations, if they changed; their revision came
        # with the chat's context, in the same statement.
        await translations.sync_to(uow, ctx.carried)
        turn = cls(
            uow=uow,
            channel=channel,
            external_id=external_id,
            session=ctx.session,
            link=ctx.link,
            case=ctx.case,
            consent_state=None,
            lang=SOURCE_LANGUAGE,
            t=translator(SOURCE_LANGUAGE),
            home_screen=home_screen,
        )
        turn._home, turn._reference = ctx.home, ctx.operator
        await turn._load_consent(ctx.consent)
        turn._pick_language()
        return turn

    async def refresh(self) -> None:
        """Read the link, case and consent again (after linking, consent, withdrawal)."""
        ctx = await chats.chat_context(self.uow, self.channel, self.external_id)
        self.link, self.case = ctx.link, ctx.case
        self._home, self._operator, self._reference = ctx.home, None, ctx.operator
        await self._load_consent(ctx.consent)
        self._pick_language()

    async def _load_consent(self, read: consent.Read | None) -> None:
        """The case's consent state, from what came with the chat's context when it
        did (one query fewer on every turn)."""
        if self.case is None:
            self.consent_state = None
        elif read is not None:
            self.consent_state = await consent.state_from_read(self.uow, self.case, read)
        else:
            self.consent_state = await consent.state(self.uow, self.case)

    def _pick_language(self) -> None:
        chosen = self.session.language
        if chosen and is_supported(chosen):
            self.use_language(chosen)
        elif self.case is not None and is_supported(self.case.language):
            self.use_language(self.case.language)
        else:
            self.use_language(SOURCE_LANGUAGE)

    def use_language(self, code: str) -> None:
        self.lang = code
        self.t = translator(code)

    # --- what the chat may see ----------------------------------------------------

    @property
    def level(self) -> Level:
        if self.case is None:
            return Level.UNLINKED
        if self.consent_state is None or not self.consent_state.valid:
            return Level.PENDING
        return Level.OPEN

    @property
    def is_open(self) -> bool:
        return self.level is Level.OPEN

    @property
    def case_id(self) -> int:
        """The chat's own case; only for a linked chat with consent in force."""
        if self.case is None or not self.is_open:
            raise NotAllowed("this chat may not see a case")
        return self.case.id

    @property
    def linked_case_id(self) -> int:
        """The linked case, consent or not: for what the adolescent asks of staff
        before consent ("talk to a person"), never to show anything of it."""
        if self.case is None:
            raise NotAllowed("this chat is not linked")
        return self.case.id

    async def home(self) -> Home | None:
        """The home of the linked case (for its time zone and emergency numbers)."""
        if self.case is None:
            return None
        if self._home is None or self._home.id != self.case.home_id:
            self._home = await self.uow.session.get(Home, self.case.home_id)
        return self._home

    async def timezone(self) -> ZoneInfo:
        home = await self.home()
        return ZoneInfo(home.timezone if home else "America/Mexico_City")

    async def operator(self) -> str | None:
        """The reference operator's first name, only when the chat may see the case."""
        if self._operator is None:
            name: str | None = None
            if self.case is not None and self.is_open and self.case.reference_operator_id:
                staff: chats.Operator | Staff | None = self._reference
                if staff is None or staff.id != self.case.reference_operator_id:
                    staff = await self.uow.session.get(Staff, self.case.reference_operator_id)
                if staff is not None and staff.active:
                    name = first_name(staff.display_name)
            self._operator = (name,)
        return self._operator[0]

    # --- the conversation's place -------------------------------------------------

    @property
    def state(self) -> str:
        return self.session.state

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.session.data or {})

    def go(self, state: State, **data: Any) -> None:
        """Move the chat to ``state``; ``data`` replaces what was kept for the last one."""
        self.session.state = state.value
        self.session.data = dict(data)  # a new object, so that the JSON column is saved
        self.session.updated_at = self.uow.now()

    async def go_home(self, note: str | None = None) -> None:
        """Show the right first screen for where the chat is (menu, consent, code)."""
        if self.home_screen is None:
            raise RuntimeError("this turn was begun without a home screen")
        await self.home_screen(self, note)

    async def stale(self) -> None:
        """An old, foreign or forged button: say so kindly and show home."""
        note = labels.STALE if self.level is Level.OPEN else labels.STALE_GATE
        await self.go_home(self.t.gettext(note))

    # --- what the chat is told ----------------------------------------------------

    def say(
        self,
        text: str,
        buttons: Sequence[Sequence[Button]] = (),
        *,
        note: str | None = None,
        voice_key: str | None = None,
    ) -> None:
        """Add a screen in the chat's language; a ``note`` (an answer to what was just
        done) goes first. ``voice_key`` names the screen's recorded voice note, if one
        exists (``locales.voice``)."""
        if note:
            text = f"{note}\n\n{text}"
        self.reply.screens.append(
            Screen(
                text=fit(text),
                buttons=tuple(tuple(row) for row in buttons if row),
                voice_key=voice_key,
                language=self.lang,
            )
        )

    async def emergency_lines(self) -> str:
        home = await self.home()
        numbers = home.emergency_numbers if home and home.emergency_numbers else {}
        return emergency_lines(numbers or MEXICO_EMERGENCY_NUMBERS)

    async def local_now(self) -> datetime:
        return self.uow.now().astimezone(await self.timezone())

    async def when(self, moment: datetime) -> str:
        """An instant in the home's time zone: "Mañana, martes 12 de marzo a las 10:00"."""
        return dates.when(moment, self.lang, await self.timezone(), self.uow.now())

    def day(self, value: date) -> str:
        """A calendar day: "martes 12 de marzo"."""
        return dates.day(value, self.lang)

    async def reads_today(self) -> bool:
        """Whether staff still read messages today: before the evening, home time."""
        home = await self.home()
        now = await self.local_now()
        quiet = home.quiet_start.hour if home else 21
        return now.hour < max(12, quiet - 3)

    def finish(self) -> Reply:
        if not self.reply.screens:
            self.say(self.t.gettext(DID_NOT_UNDERSTAND))
        self.reply.adolescent_id = self.case.id if self.case is not None else None
        return self.reply


# --- small helpers ----------------------------------------------------------------

_UNSAFE = {"Cc", "Cs"}


def clean(text: str) -> str:
    """Text as the adolescent meant it: without control characters or broken
    surrogates (which the database or the cipher would refuse), trimmed."""
    kept = (ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in _UNSAFE)
    return "".join(kept).strip()


def fit(text: str, limit: int = MAX_TEXT) -> str:
    """Text that fits one message; never empty."""
    text = text.strip() or "…"
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def clip(label: str, limit: int = MAX_LABEL) -> str:
    label = " ".join(label.split())
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def button(label: str, action: str) -> Button:
    if len(action.encode("utf-8")) > MAX_ACTION_BYTES:
        raise ValueError(f"action too long: {action!r}")
    return Button(clip(label, 60) or "…", action)


def column(*buttons: Button) -> list[list[Button]]:
    return [[b] for b in buttons]


def menu_button(t: Translator) -> Button:
    return button(t.gettext(labels.MENU), actions.MENU)


def first_name(display_name: str) -> str | None:
    """ "Laura Méndez" -> "Laura"; titles such as "Lic." are skipped."""
    for word in display_name.split():
        if not word.endswith("."):
            return clip(word, 20)
    return None


def parse_id(text: str) -> int | None:
    if not ID.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def emergency_lines(numbers: dict[str, Any]) -> str:
    lines = [
        f"📞 {clip(str(name), 40)}: {clip(str(number), 30)}"
        for name, number in list(numbers.items())[:6]
    ]
    return "\n".join(lines)


def listing(
    t: Translator, items: Iterable[str], *, limit: int = MAX_LIST, budget: int = 3000
) -> str:
    """Lines, cut cleanly: at most ``limit`` items and ``budget`` characters, then
    "y N más"."""
    all_items = list(items)
    shown: list[str] = []
    used = 0
    for item in all_items[:limit]:
        item = fit(item, 600)
        if used + len(item) + 1 > budget:
            break
        shown.append(item)
        used += len(item) + 1
    rest = len(all_items) - len(shown)
    if rest > 0:
        # Translators: after a cut list; {n} is how many items are not shown.
        shown.append(t.ngettext("y {n} más", "y {n} más", rest).format(n=rest))
    return "\n".join(shown)


def typed_command(text: str) -> str:
    """A typed word as a command: lower case, no accents, no "/" or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[a-z0-9]+", plain))
