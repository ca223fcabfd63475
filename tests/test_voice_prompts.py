"""Voice prompts uploaded by staff (plan_store.services.voice_prompts): validation,
replacement, removal, the lookup order (upload, then file) and the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

import locales.voice
from locales.voice import file_name
from plan_store.enums import Role
from plan_store.errors import InvalidVoicePrompt, NotFound, ValidationFailed
from plan_store.models import AuditEntry, VoicePrompt
from plan_store.services import voice_prompts
from plan_store.services.access import StaffActor
from rumbo.container import Container
from tests.builders import a_home, a_staff_member
from tests.voice_samples import ogg_opus


@pytest.fixture
def voice_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The locale folders' recordings are read from here during the test."""
    root = tmp_path / "locales"
    monkeypatch.setattr(locales.voice, "LOCALES_DIR", root)
    return root


def place_file(root: Path, code: str, key: str, audio: bytes) -> None:
    path = root / code / "voice" / file_name(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(audio)


async def a_coordinator(container: Container) -> StaffActor:
    async with container.uow() as uow:
        home = await a_home(uow)
        coordinator = await a_staff_member(uow, home, "marta", Role.COORDINATOR)
        await uow.commit()
        return coordinator


async def test_an_upload_is_found_and_wins_over_the_file_until_removed(
    container: Container, voice_root: Path
) -> None:
    staff = await a_coordinator(container)
    from_file, uploaded = ogg_opus("menu-file"), ogg_opus("menu-upload")
    place_file(voice_root, "quc", "menu", from_file)
    find = voice_prompts.lookup(container.uow)
    assert await find("menu", "quc") == from_file

    async with container.uow() as uow:
        prompt = await voice_prompts.attach(uow, staff, "menu", "quc", uploaded)
        assert (prompt.size, prompt.uploaded_by_id) == (len(uploaded), staff.id)
        await uow.commit()
    assert await find("menu", "quc") == uploaded
    assert await find("menu", "mam") is None  # never another language's recording

    async with container.uow() as uow:
        await voice_prompts.remove(uow, staff, "menu", "quc")
        await uow.commit()
    assert await find("menu", "quc") == from_file


async def test_a_second_upload_replaces_the_first(container: Container, voice_root: Path) -> None:
    staff = await a_coordinator(container)
    async with container.uow() as uow:
        await voice_prompts.attach(uow, staff, "consent:messaging:1", "kek", ogg_opus("one"))
        await voice_prompts.attach(uow, staff, "consent:messaging:1", "kek", ogg_opus("two"))
        await uow.commit()
    async with container.uow() as uow:
        rows = list(await uow.session.scalars(select(VoicePrompt)))
        assert len(rows) == 1 and rows[0].audio == ogg_opus("two")
        (listed,) = await voice_prompts.uploads(uow)
        assert (listed.key, listed.language, listed.size) == (
            "consent:messaging:1",
            "kek",
            len(ogg_opus("two")),
        )
        assert await voice_prompts.find(uow, "consent:messaging:1", "kek") == ogg_opus("two")


@pytest.mark.parametrize(
    ("key", "language", "audio", "reason"),
    [
        ("menu", "quc", lambda: b"ID3\x04 an mp3 file", "not an Ogg file"),
        ("menu", "quc", lambda: b"OggS" + b"\x00" * 40, "not a voice prompt"),
        ("menu", "quc", lambda: ogg_opus(frames=350_000), "larger than 1024 KB"),
        ("../menu", "quc", ogg_opus, "not a voice key"),
        ("Menu", "quc", ogg_opus, "not a voice key"),
        ("menu", "xx", ogg_opus, "not a supported language"),
    ],
    ids=["mp3", "broken-ogg", "over-1-MB", "path", "upper-case", "language"],
)
async def test_what_is_not_a_voice_prompt_is_refused_and_nothing_is_stored(
    container: Container, key: str, language: str, audio: Callable[[], bytes], reason: str
) -> None:
    staff = await a_coordinator(container)
    async with container.uow() as uow:
        with pytest.raises(InvalidVoicePrompt) as refused:
            await voice_prompts.attach(uow, staff, key, language, audio())
        assert reason in str(refused.value)
        assert refused.value.code == "invalid_voice_prompt"
        assert isinstance(refused.value, ValidationFailed)
        await uow.commit()
    async with container.uow() as uow:
        assert list(await uow.session.scalars(select(VoicePrompt))) == []
        assert (
            list(
                await uow.session.scalars(
                    select(AuditEntry).where(AuditEntry.action.like("voice_prompt.%"))
                )
            )
            == []
        )


async def test_removing_what_was_never_uploaded_is_not_found(container: Container) -> None:
    staff = await a_coordinator(container)
    async with container.uow() as uow:
        with pytest.raises(NotFound):
            await voice_prompts.remove(uow, staff, "menu", "es")


async def test_uploads_and_removals_are_audited_without_the_audio(container: Container) -> None:
    staff = await a_coordinator(container)
    audio = ogg_opus("welcome-mam")
    async with container.uow() as uow:
        await voice_prompts.attach(uow, staff, "welcome", "mam", audio)
        await voice_prompts.attach(uow, staff, "welcome", "mam", audio)
        await voice_prompts.remove(uow, staff, "welcome", "mam")
        await uow.commit()
    async with container.uow() as uow:
        entries = [
            (e.action, e.staff_id, e.adolescent_id, e.details)
            for e in await uow.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.like("voice_prompt.%"))
                .order_by(AuditEntry.id)
            )
        ]
    assert [entry[:3] for entry in entries] == [
        ("voice_prompt.attach", staff.id, None),
        ("voice_prompt.attach", staff.id, None),
        ("voice_prompt.remove", staff.id, None),
    ]
    assert entries[0][3] == {
        "key": "welcome",
        "language": "mam",
        "bytes": len(audio),
        "replaced": False,
    }
    assert entries[1][3]["replaced"] is True
    assert entries[2][3] == {"key": "welcome", "language": "mam"}


async def test_a_lookup_for_a_bad_key_or_language_finds_nothing(
    container: Container, voice_root: Path
) -> None:
    place_file(voice_root, "es", "menu", ogg_opus())
    find = voice_prompts.lookup(container.uow)
    assert await find("menu", "es") is not None
    for key, language in (("../es/voice/menu", "es"), ("menu", "../es"), ("", "es")):
        assert await find(key, language) is None
