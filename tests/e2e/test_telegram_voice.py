"""Voice on Telegram, end to end against the fake Bot API.

Inbound: an adolescent's voice note is downloaded, stored encrypted as a message of
kind VOICE and flagged so that a person listens to it. Outbound: a screen whose voice
prompt is recorded in the chat's language (a file in the locale folder, or an upload
by staff) is followed by that recording as a voice note; with no recording, by
nothing. The Telegram client is the one ``rumbo.parts`` builds for the outbox sender.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import av
import httpx
import pytest
from sqlalchemy import select

import locales.voice
from bot.telegram import TelegramClient
from locales.voice import file_name
from plan_store.enums import FlagCategory, FlagStatus, MessageKind, Role, Severity
from plan_store.models import Flag, Message
from plan_store.services import voice_prompts
from rumbo import parts
from rumbo.container import Container
from rumbo.settings import Settings
from staff_console.app import create_app
from tests.builders import a_staff_member
from tests.conftest import FakeClock
from tests.console.conftest import Authenticator, Browser
from tests.e2e.support import Phone, a_case_with_code, running_poller
from tests.fakes import ChatMessage, FakeTelegram
from tests.voice_samples import ogg_opus, webm_opus

CHAT = 770_001
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def voice_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The locale folders' recordings are read from here during the test."""
    root = tmp_path / "locales"
    monkeypatch.setattr(locales.voice, "LOCALES_DIR", root)
    return root


@pytest.fixture
async def wired_client(
    tg_settings: Settings, container: Container
) -> AsyncIterator[TelegramClient]:
    """The outbox's Telegram client as the composition root builds it."""
    configured = dataclasses.replace(container, settings=tg_settings)
    client = parts.telegram_client(configured)
    assert client is not None
    async with client:
        yield client


def voices(messages: list[ChatMessage], tg: FakeTelegram) -> list[bytes]:
    return [tg.files[m.voice_file_id] for m in messages if m.voice_file_id is not None]


def texts(messages: list[ChatMessage]) -> str:
    return "\n".join(m.text or "" for m in messages)


async def test_a_voice_note_from_a_linked_consenting_chat_is_stored_encrypted_and_flagged(
    tg: FakeTelegram, tg_settings: Settings, container: Container, wired_client: TelegramClient
) -> None:
    case = await a_case_with_code(container.uow, alias="Lu")
    audio = ogg_opus("the adolescent speaking")
    async with running_poller(tg_settings, container) as poller:
        phone = Phone(tg, CHAT, container.uow, wired_client, poller)
        await phone.send(f"/start {case.code}")

        # Before consent a voice note is not kept.
        before = await phone.voice(ogg_opus("too early"))
        assert "Todavía no puedo recibir audios" in texts(before)

        await phone.tap("✅ Acepto")
        heard = await phone.voice(audio, duration=4)
        assert "Recibí tu audio 🎧 Laura lo escucha hoy." in texts(heard)

    assert tg.calls_to("getFile"), "the voice note was fetched from Telegram"
    async with container.uow() as uow:
        (stored,) = await uow.session.scalars(
            select(Message).where(Message.kind == MessageKind.VOICE)
        )
        assert stored.adolescent_id == case.case_id
        assert stored.voice_ciphertext is not None
        assert uow.cipher.decrypt_bytes(stored.voice_ciphertext) == audio
        assert b"OpusHead" not in stored.voice_ciphertext  # encrypted at rest
        (flag,) = await uow.session.scalars(select(Flag))
        assert (flag.category, flag.severity, flag.status) == (
            FlagCategory.VOICE_NOTE,
            Severity.MEDIUM,
            FlagStatus.OPEN,
        )
        assert (flag.adolescent_id, flag.message_id) == (case.case_id, stored.id)


@pytest.mark.parametrize("source", ["locale-folder", "staff-upload"])
async def test_a_recorded_voice_prompt_is_sent_as_a_voice_note_in_the_chats_language(
    tg: FakeTelegram,
    tg_settings: Settings,
    container: Container,
    wired_client: TelegramClient,
    voice_root: Path,
    source: str,
) -> None:
    case = await a_case_with_code(container.uow, alias="Lu")
    consent_voice, menu_voice = ogg_opus("consent-quc"), ogg_opus("menu-quc")
    recordings = {"consent:messaging:1": consent_voice, "menu": menu_voice}
    if source == "locale-folder":
        for key, audio in recordings.items():
            path = voice_root / "quc" / "voice" / file_name(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(audio)
    else:
        async with container.uow() as uow:
            admin = await a_staff_member(uow, None, "ana", Role.ADMIN)
            for key, audio in recordings.items():
                await voice_prompts.attach(uow, admin, key, "quc", audio)
            await uow.commit()

    async with running_poller(tg_settings, container) as poller:
        phone = Phone(tg, CHAT, container.uow, wired_client, poller)
        spanish = await phone.send(f"/start {case.code}")
        assert "¿Estás de acuerdo?" in texts(spanish)
        assert voices(spanish, tg) == []  # recorded in K'iche' only: no Spanish voice

        await phone.tap("🌐 Idioma")
        consent = await phone.tap("K'iche'")
        assert "¿Estás de acuerdo?" in texts(consent)
        assert voices(consent, tg) == [consent_voice]
        assert consent[-1].voice_file_id is not None  # the voice note follows the text

        menu = await phone.tap("✅ Acepto")
        assert "Lu" in texts(menu)
        assert voices(menu, tg) == [menu_voice]

        again = await phone.send("menú")
        assert voices(again, tg) == [menu_voice]

    sent = tg.calls_to("sendVoice")
    by_file_id = [call for call in sent if isinstance(call.params.get("voice"), str)]
    # Each recording is uploaded once; the menu's second time goes by its file id.
    assert (len(sent), len(by_file_id)) == (3, 1)


async def test_no_voice_note_is_sent_when_none_is_recorded(
    tg: FakeTelegram,
    tg_settings: Settings,
    container: Container,
    wired_client: TelegramClient,
    voice_root: Path,
) -> None:
    case = await a_case_with_code(container.uow, alias="Lu")
    async with running_poller(tg_settings, container) as poller:
        phone = Phone(tg, CHAT, container.uow, wired_client, poller)
        await phone.send(f"/start {case.code}")
        await phone.tap("🌐 Idioma")
        consent = await phone.tap("English")
        assert "Do you agree?" in texts(consent)
        await phone.tap("✅ I agree")
    assert tg.calls_to("sendVoice") == []


async def test_a_browser_recording_uploaded_in_the_console_plays_as_a_telegram_voice_note(
    tg: FakeTelegram,
    tg_settings: Settings,
    container: Container,
    clock: FakeClock,
    wired_client: TelegramClient,
    voice_root: Path,
) -> None:
    """WebM/Opus, as Chrome's MediaRecorder makes it, posted to the console's upload
    route like the recorder does: Telegram gets OGG/Opus that decodes to the same
    length."""
    case = await a_case_with_code(container.uow, alias="Lu")
    async with container.uow() as uow:
        await a_staff_member(uow, None, "root", Role.ADMIN)
        await uow.commit()
    app = create_app(container.uow, secret_key="a-test-secret-key-that-is-long-enough-0123")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as browser:
        admin = Browser(browser, Authenticator(clock))  # password, then the second factor
        assert (await admin.login("root")).status_code == 303
        page = await browser.get("/languages/quc")
        token = CSRF.search(page.text)
        assert token is not None
        recording = webm_opus(seconds=2.0)
        saved = await browser.post(
            "/languages/quc/voice",
            data={"csrf_token": token.group(1), "key": "menu"},
            files={"audio": ("recording.webm", recording, "audio/webm;codecs=opus")},
            follow_redirects=True,
        )
        assert "Grabación guardada." in saved.text

    async with running_poller(tg_settings, container) as poller:
        phone = Phone(tg, CHAT, container.uow, wired_client, poller)
        await phone.send(f"/start {case.code}")
        await phone.tap("🌐 Idioma")
        await phone.tap("K'iche'")
        menu = await phone.tap("✅ Acepto")
    (voice,) = voices(menu, tg)
    assert voice.startswith(b"OggS")
    with av.open(io.BytesIO(voice)) as played:
        (stream,) = played.streams.audio
        assert (played.format.name, stream.codec_context.name) == ("ogg", "opus")
        seconds = sum(frame.samples for frame in played.decode(stream)) / 48_000
    assert seconds == pytest.approx(2.0, abs=0.05)
