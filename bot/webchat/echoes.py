"""What each web chat's adolescent sent, kept for the page only."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Echo:
    """Something the adolescent wrote or tapped, placed after outbox row ``after_id``."""

    after_id: int
    text: str
    tap: bool = False


@dataclass
class Echoes:
    """What each web chat's adolescent sent, for the page only, in this process only.

    The outbox holds what Rumbo said; what the adolescent said is not kept for the
    page anywhere else. It is bounded, forgotten on restart, and cleared with the
    chat.
    """

    chats: int = 500
    per_chat: int = 100
    _by_chat: OrderedDict[str, deque[Echo]] = field(default_factory=OrderedDict)

    def add(self, chat_id: str, echo: Echo) -> None:
        kept = self._by_chat.pop(chat_id, None) or deque(maxlen=self.per_chat)
        kept.append(echo)
        self._by_chat[chat_id] = kept
        while len(self._by_chat) > self.chats:
            self._by_chat.popitem(last=False)

    def of(self, chat_id: str, cleared_up_to: int) -> list[Echo]:
        kept = self._by_chat.get(chat_id)
        if kept is None:
            return []
        while kept and kept[0].after_id < cleared_up_to:
            kept.popleft()  # the chat was cleared after this was sent
        return list(kept)

    def forget(self, chat_id: str) -> None:
        self._by_chat.pop(chat_id, None)
