"""Where each case's messages may go: its most recently linked chat, in its language.

Messages go there only for an open case whose consent for messaging is in force
(``purposes`` adds purposes the adolescent must have said yes to). Consent is read
through the consent service, so that its rules stay in one place. ``Targets.preload``
loads links, chat languages and consent states for many cases at once, a few
queries per chunk of cases (``batches.CHUNK``); a case not preloaded is loaded on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from locales import is_supported
from plan_store.enums import CaseStatus, Channel, ConsentPurpose
from plan_store.models import Adolescent, ChatLink, ChatSession
from plan_store.services import batches, consent
from plan_store.services.consent import ConsentState
from plan_store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Target:
    """Where a case's messages go: its most recently linked chat, in its language."""

    channel: Channel
    chat_id: str
    lang: str


class Targets:
    """Where each case's messages may go, for one sweep (see the module)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._chats: dict[int, Target | None] = {}
        self._consents: dict[tuple[int, ConsentPurpose], ConsentState] = {}

    async def preload(
        self, cases: Iterable[Adolescent], purposes: Sequence[ConsentPurpose] = ()
    ) -> None:
        """Load what ``of`` needs for ``cases`` (and ``consent_of`` for ``purposes``)."""
        wanted = list(cases)
        await self._load_chats(wanted)
        reachable = [case for case in wanted if self._chats[case.id] is not None]
        for purpose in (ConsentPurpose.MESSAGING, *purposes):
            await self._load_consents(reachable, purpose)

    async def _load_chats(self, cases: Sequence[Adolescent]) -> None:
        wanted = {case.id: case for case in cases if case.id not in self._chats}
        ids = list(wanted)
        for start in range(0, len(ids), batches.CHUNK):
            chunk = ids[start : start + batches.CHUNK]
            links = await self._uow.session.scalars(
                select(ChatLink)
                .where(ChatLink.active, ChatLink.adolescent_id.in_(chunk))
                .order_by(ChatLink.linked_at.desc(), ChatLink.id.desc())
            )
            newest: dict[int, ChatLink] = {}
            for link in links:
                newest.setdefault(link.adolescent_id, link)
            sessions = await self._uow.session.scalars(
                select(ChatSession).where(
                    ChatSession.external_id.in_([link.external_id for link in newest.values()])
                )
            )
            languages = {(s.channel, s.external_id): s.language for s in sessions}
            for case_id in chunk:
                found = newest.get(case_id)
                if found is None:
                    self._chats[case_id] = None
                else:
                    chosen = languages.get((found.channel, found.external_id))
                    self._chats[case_id] = _target(found, chosen, wanted[case_id])

    async def _load_consents(self, cases: Sequence[Adolescent], purpose: ConsentPurpose) -> None:
        wanted = [case for case in cases if (case.id, purpose) not in self._consents]
        if wanted:
            for case_id, state in (await consent.states(self._uow, wanted, purpose)).items():
                self._consents[case_id, purpose] = state

    async def consent_of(
        self, case: Adolescent, purpose: ConsentPurpose = ConsentPurpose.MESSAGING
    ) -> ConsentState:
        """The case's consent state for ``purpose`` (``consent.state``)."""
        if (case.id, purpose) not in self._consents:
            await self._load_consents([case], purpose)
        return self._consents[case.id, purpose]

    async def chat_of(self, case: Adolescent) -> Target | None:
        """The case's chat, consent or not (for the re-consent prompt)."""
        if case.id not in self._chats:
            await self._load_chats([case])
        return self._chats[case.id]

    async def of(
        self, case: Adolescent, *, purposes: Sequence[ConsentPurpose] = ()
    ) -> Target | None:
        if case.status is CaseStatus.CLOSED:
            return None
        chat = await self.chat_of(case)
        if chat is None or not (await self.consent_of(case)).valid:
            return None
        for purpose in purposes:
            if not (await self.consent_of(case, purpose)).allows:
                return None
        return chat


def _target(link: ChatLink, chosen: str | None, case: Adolescent) -> Target:
    lang = "es"
    if chosen and is_supported(chosen):
        lang = chosen
    elif is_supported(case.language):
        lang = case.language
    return Target(link.channel, link.external_id, lang)
