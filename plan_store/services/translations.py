"""Translations made in the console: drafts, reviews by a second person, and the
overlay that makes reviewed ones win over the ``.po`` catalogs without a restart.

Who translates: translators in the languages an admin gave them
(``StaffLanguage.translates``), coordinators and admins in every language but
Spanish (the source). Saving a text makes it a draft signed by its author; a
second person who may translate the language reviews it (nobody reviews their own
text). In a language that needs no review (English) a saved text is in force at
once; in a Mayan language only once reviewed: a wrong consent text is worse than
Spanish.

Every change writes a new ``translations_revision``; ``sync`` (called by the chat
before each event) reads that one row and, when it changed, loads the translations
in force into ``locales.set_overrides`` for this process. So the next message of any
process uses them.

The language menu is honest about coverage: ``core_ready`` says whether every
message of the core set (``locales.core_set``) is reviewed, in the catalog or here;
``unreviewed_mode`` (an installation setting) says whether a language that is not
ready is offered as in preparation or not at all.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from sqlalchemy import ScalarSelect, select

from locales import LANGUAGES, SOURCE_LANGUAGE, is_supported, language
from locales.catalogs import clear_overrides, po_path, set_overrides
from locales.core_set import (
    MAX_TEMPLATE_BUTTON,
    SETS,
    WHATSAPP_CONTEXT,
    ChatMessage,
    core_keys,
    template_param_problem,
    workspace_messages,
)
from locales.exchange import Entry, read_entries
from locales.placeholders import placeholder_problem
from locales.review import ReviewState, review_states
from plan_store.enums import Role
from plan_store.errors import (
    BrokenPlaceholders,
    InvalidTransition,
    NotFound,
    OutOfScope,
    OwnReview,
    TemplateButtonTooLong,
    ValidationFailed,
)
from plan_store.models import InstallationSetting, Staff, StaffLanguage, Translation
from plan_store.services import audit
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork

REVISION = "translations_revision"
UNREVIEWED = "unreviewed_languages"
MAX_TEXT = 4000
MAX_NOTE = 1000
EVERY_LANGUAGE = frozenset({Role.COORDINATOR, Role.ADMIN})


class UnreviewedMode(StrEnum):
    """How the language menu offers a language whose core set is not reviewed."""

    LABEL = "label"  # "K'iche' — en preparación" (or "— con audio")
    HIDE = "hide"  # not at all


Key = tuple[str, str]


@dataclass(slots=True)
class _Loaded:
    revision: str | None = None
    in_force: dict[str, set[Key]] = field(default_factory=dict)


_loaded = _Loaded()


def forget() -> None:
    """Drop what this process loaded (tests: each database starts with none)."""
    clear_overrides()
    _loaded.revision, _loaded.in_force = None, {}


# --- who may translate ----------------------------------------------------------------


async def translatable_languages(uow: UnitOfWork, actor: StaffActor) -> list[str]:
    """The languages ``actor`` may translate, in ``LANGUAGES`` order."""
    codes = [lang.code for lang in LANGUAGES if lang.code != SOURCE_LANGUAGE]
    if actor.role in EVERY_LANGUAGE:
        return codes
    if actor.role is not Role.TRANSLATOR:
        return []
    scoped = set(
        await uow.session.scalars(
            select(StaffLanguage.language).where(
                StaffLanguage.staff_id == actor.id, StaffLanguage.translates
            )
        )
    )
    return [code for code in codes if code in scoped]


async def _require_translator(uow: UnitOfWork, actor: StaffActor, code: str) -> None:
    if not is_supported(code) or code == SOURCE_LANGUAGE:
        raise NotFound(f"no language to translate: {code!r}")
    if code not in await translatable_languages(uow, actor):
        raise OutOfScope(f"staff {actor.id} does not translate {code!r}")


def _message(context: str, msgid: str) -> ChatMessage:
    for message in workspace_messages():
        if message.key == (context, msgid):
            return message
    raise NotFound("no such message to translate")


def _template_button(message: ChatMessage) -> bool:
    return message.context.startswith(WHATSAPP_CONTEXT) and message.is_button


def _problem(message: ChatMessage, text: str, plural_text: str | None) -> str | None:
    if message.context.startswith(WHATSAPP_CONTEXT):
        return template_param_problem(message.msgid, text)
    sources = (message.msgid, message.msgid_plural) if message.msgid_plural else (message.msgid,)
    for form in (text, plural_text):
        if form is not None and (problem := placeholder_problem(sources, form)):
            return problem
    return None


# --- changes ------------------------------------------------------------------------


async def _bump(uow: UnitOfWork) -> None:
    row = await uow.session.get(InstallationSetting, REVISION)
    if row is None:
        uow.session.add(InstallationSetting(key=REVISION, value=uuid.uuid4().hex))
    else:
        row.value = uuid.uuid4().hex


async def _name(uow: UnitOfWork, actor: StaffActor) -> str:
    staff = await uow.session.get(Staff, actor.id)
    return staff.display_name if staff is not None else f"staff {actor.id}"


async def find(uow: UnitOfWork, code: str, context: str, msgid: str) -> Translation | None:
    return await uow.session.scalar(
        select(Translation).where(
            Translation.language == code,
            Translation.context == context,
            Translation.msgid == msgid,
        )
    )


async def save(
    uow: UnitOfWork,
    actor: StaffActor,
    *,
    language: str,
    context: str,
    msgid: str,
    text: str,
    plural_text: str | None = None,
    note: str = "",
) -> Translation:
    """Store ``text`` as ``actor``'s draft of a message (a new text needs a new
    review). ``ValidationFailed`` when its placeholders differ from the Spanish."""
    await _require_translator(uow, actor, language)
    message = _message(context, msgid)
    text = text.strip()
    plural_text = (plural_text or "").strip() or None if message.msgid_plural else None
    if not text or len(text) > MAX_TEXT:
        raise ValidationFailed(f"a translation has 1 to {MAX_TEXT} characters")
    if (problem := _problem(message, text, plural_text)) is not None:
        raise BrokenPlaceholders(f"the translation {problem}")
    if _template_button(message) and len(text) > MAX_TEMPLATE_BUTTON:
        raise TemplateButtonTooLong(f"a template button has at most {MAX_TEMPLATE_BUTTON}")
    name = await _name(uow, actor)
    row = await find(uow, language, context, msgid)
    if row is None:
        row = Translation(language=language, context=context, msgid=msgid)
        uow.session.add(row)
    elif (row.text, row.plural_text) == (text, plural_text) and row.note == note.strip():
        return row  # saved again unchanged: keeps its review
    row.text, row.plural_text, row.note = text, plural_text, note.strip()[:MAX_NOTE]
    row.translated_by_id, row.translated_by_name = actor.id, name
    row.translated_at = uow.now()
    row.reviewed_by_id = row.reviewed_by_name = row.reviewed_at = None
    await _bump(uow)
    await uow.flush()
    audit.record(
        uow,
        "translation.save",
        staff_id=actor.id,
        target=f"translation:{row.id}",
        details={"language": language, "set": message.set_key},
    )
    return row


async def review(
    uow: UnitOfWork, actor: StaffActor, *, language: str, context: str, msgid: str
) -> Translation:
    """Sign ``actor``'s review of someone else's translation; it is in force from the
    chat's next message."""
    await _require_translator(uow, actor, language)
    row = await find(uow, language, context, msgid)
    if row is None:
        raise NotFound("no translation to review")
    if row.reviewed_at is not None:
        raise InvalidTransition("this translation is already reviewed")
    name = await _name(uow, actor)
    if row.translated_by_id == actor.id or (
        row.translated_by_id is None and row.translated_by_name == name
    ):
        raise OwnReview("nobody reviews their own translation")
    row.reviewed_by_id, row.reviewed_by_name, row.reviewed_at = actor.id, name, uow.now()
    await _bump(uow)
    audit.record(
        uow,
        "translation.review",
        staff_id=actor.id,
        target=f"translation:{row.id}",
        details={"language": language},
    )
    return row


# --- what is in force ---------------------------------------------------------------


def in_force(row: Translation) -> bool:
    return row.reviewed_at is not None or not language(row.language).needs_review


_REVISION_READ = (
    select(InstallationSetting.value).where(InstallationSetting.key == REVISION).scalar_subquery()
)


def revision_read() -> ScalarSelect[str | None]:
    """The read of the translations' revision, for a query that carries it along
    (``chats.chat_context``) into ``sync_to``."""
    return _REVISION_READ


async def sync(uow: UnitOfWork) -> None:
    """Load the translations in force into this process's translators, if any
    changed since the last call (one small read when nothing did)."""
    await sync_to(uow, await uow.session.scalar(select(_REVISION_READ)))


async def sync_to(uow: UnitOfWork, revision: str | None) -> None:
    """``sync``, the revision having been read in this transaction already."""
    if revision == _loaded.revision:
        return
    rows = await uow.session.scalars(select(Translation))
    overrides: dict[str, dict[Key, tuple[str, ...]]] = {lang.code: {} for lang in LANGUAGES}
    forced: dict[str, set[Key]] = {lang.code: set() for lang in LANGUAGES}
    for row in rows:
        if row.language not in overrides or not in_force(row):
            continue
        forms = (row.text,) if row.plural_text is None else (row.text, row.plural_text)
        overrides[row.language][(row.context, row.msgid)] = forms
        forced[row.language].add((row.context, row.msgid))
    for code, mapping in overrides.items():
        set_overrides(code, mapping)
    _loaded.in_force, _loaded.revision = forced, revision


def core_ready(code: str) -> bool:
    """Whether every core message is reviewed in ``code`` (after ``sync``)."""
    lang = language(code)
    if not lang.needs_review:
        return True
    reviewed = {k for k, s in review_states(code).items() if s is ReviewState.REVIEWED}
    reviewed |= _loaded.in_force.get(code, set())
    return core_keys() <= reviewed


async def unreviewed_mode(uow: UnitOfWork) -> UnreviewedMode:
    value = await uow.session.scalar(
        select(InstallationSetting.value).where(InstallationSetting.key == UNREVIEWED)
    )
    try:
        return UnreviewedMode(value or UnreviewedMode.LABEL)
    except ValueError:
        return UnreviewedMode.LABEL


async def set_unreviewed_mode(uow: UnitOfWork, actor: StaffActor, mode: UnreviewedMode) -> None:
    if actor.role is not Role.ADMIN:
        raise OutOfScope("only admins change how unready languages are offered")
    row = await uow.session.get(InstallationSetting, UNREVIEWED)
    if row is None:
        uow.session.add(InstallationSetting(key=UNREVIEWED, value=mode.value))
    else:
        row.value = mode.value
    audit.record(uow, "translation.unreviewed_mode", staff_id=actor.id, details={"mode": mode})


# --- the workspace ------------------------------------------------------------------


class State(StrEnum):
    UNTRANSLATED = "untranslated"
    DRAFT = "draft"
    REVIEWED = "reviewed"


@dataclass(frozen=True, slots=True)
class Item:
    message: ChatMessage
    state: State
    text: str
    plural_text: str | None
    row: Translation | None
    """The console's translation, if any (else ``text`` is the catalog's)."""


@dataclass(frozen=True, slots=True)
class SetProgress:
    key: str
    title: str
    core: bool
    total: int
    translated: int
    reviewed: int


def _po_texts(code: str) -> dict[Key, tuple[str, str | None]]:
    path = po_path(code)
    if not path.exists():
        return {}
    return _po_texts_of(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _po_texts_of(path: Path, mtime_ns: int) -> dict[Key, tuple[str, str | None]]:
    """The catalog's translations, read again only when the file changes."""
    return {(e.context, e.msgid): (e.text, e.plural_text) for e in read_entries(path)}


async def items(uow: UnitOfWork, code: str) -> list[Item]:
    """Every message to translate in ``code``, core sets first, with its state."""
    rows = {
        (r.context, r.msgid): r
        for r in await uow.session.scalars(select(Translation).where(Translation.language == code))
    }
    states = review_states(code)
    po = _po_texts(code)
    needs_review = language(code).needs_review
    found = []
    for message in workspace_messages():
        row = rows.get(message.key)
        if row is not None:
            state = State.REVIEWED if in_force(row) else State.DRAFT
            found.append(Item(message, state, row.text, row.plural_text, row))
            continue
        po_state = states.get(message.key, ReviewState.UNTRANSLATED)
        text, plural = po.get(message.key, ("", None))
        if po_state is ReviewState.REVIEWED and text:
            state = State.REVIEWED
        elif po_state is ReviewState.DRAFT or (text and not needs_review):
            state = State.DRAFT if needs_review else State.REVIEWED
        else:
            state, text, plural = State.UNTRANSLATED, "", None
        found.append(Item(message, state, text, plural, None))
    return found


@dataclass(frozen=True, slots=True)
class Totals:
    """A language's progress over every set: what its translators see as its size."""

    total: int
    translated: int
    reviewed: int

    @property
    def drafts(self) -> int:
        return self.translated - self.reviewed


def totals(sets: Iterable[SetProgress]) -> Totals:
    listed = list(sets)
    return Totals(
        total=sum(s.total for s in listed),
        translated=sum(s.translated for s in listed),
        reviewed=sum(s.reviewed for s in listed),
    )


def progress(found: Iterable[Item]) -> list[SetProgress]:
    listed = list(found)
    result = []
    for message_set in SETS:
        of_set = [i for i in listed if i.message.set_key == message_set.key]
        result.append(
            SetProgress(
                key=message_set.key,
                title=message_set.title,
                core=message_set.core,
                total=len(of_set),
                translated=sum(i.state is not State.UNTRANSLATED for i in of_set),
                reviewed=sum(i.state is State.REVIEWED for i in of_set),
            )
        )
    return result


# --- .po export and import ----------------------------------------------------------


async def entries(uow: UnitOfWork, code: str) -> list[Entry]:
    """The console's translations of ``code`` as catalog entries, with signatures."""
    rows = await uow.session.scalars(
        select(Translation)
        .where(Translation.language == code)
        .order_by(Translation.context, Translation.msgid)
    )
    return [
        Entry(
            context=r.context,
            msgid=r.msgid,
            text=r.text,
            plural_text=r.plural_text,
            note=r.note,
            translated_by=r.translated_by_name,
            translated_at=r.translated_at,
            reviewed_by=r.reviewed_by_name,
            reviewed_at=r.reviewed_at,
        )
        for r in rows
    ]


async def import_entries(uow: UnitOfWork, code: str, found: Iterable[Entry]) -> int:
    """Store catalog entries as the console's translations of ``code`` (replacing
    what is here for the same messages); the count of entries taken. Entries for
    messages the chat does not show (console texts) stay in the catalog only."""
    if not is_supported(code) or code == SOURCE_LANGUAGE:
        raise NotFound(f"no language to import: {code!r}")
    known = {m.key for m in workspace_messages()}
    taken = 0
    for entry in found:
        if (entry.context, entry.msgid) not in known:
            continue
        row = await find(uow, code, entry.context, entry.msgid)
        if row is None:
            row = Translation(
                language=code,
                context=entry.context,
                msgid=entry.msgid,
                translated_by_name=entry.translated_by,
            )
            uow.session.add(row)
        row.text, row.plural_text, row.note = entry.text, entry.plural_text, entry.note
        row.translated_by_id, row.translated_by_name = None, entry.translated_by
        row.translated_at = entry.translated_at or uow.now()
        row.reviewed_by_id, row.reviewed_by_name = None, entry.reviewed_by
        row.reviewed_at = (entry.reviewed_at or uow.now()) if entry.reviewed_by else None
        taken += 1
    await _bump(uow)
    await uow.flush()
    audit.record(
        uow, "translation.import", actor="system", details={"language": code, "entries": taken}
    )
    return taken
