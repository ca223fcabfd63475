"""Voice prompts in the locale folders: names, the OGG/Opus check, lookups, `check`."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from locales import MAX_VOICE_PROMPT_BYTES, is_voice_key, ogg_opus_problem
from locales.checks import problems, voice_problems
from locales.voice import file_name, key_of_file, read_voice_prompt, voice_prompt_path
from tests.locales.conftest import template_of
from tests.voice_samples import ogg_crc, ogg_opus, ogg_page, opus_head, opus_tags


def test_the_sample_is_a_valid_ogg_opus_stream_with_real_checksums() -> None:
    assert ogg_crc(b"123456789") == 0x89A1897F  # Ogg's CRC-32 check value
    sample = ogg_opus("consent-es")
    assert ogg_opus_problem(sample) is None
    assert sample.startswith(b"OggS") and b"OpusHead" in sample[:64]
    assert ogg_opus("a") != ogg_opus("b")


@pytest.mark.parametrize(
    ("audio", "problem"),
    [
        (b"", "empty"),
        (b"ID3\x04 an mp3", "not an Ogg file"),
        (b"RIFF....WAVEfmt ", "not an Ogg file"),
        (ogg_opus()[:-2], "cut short"),
        (ogg_opus() + b"junk", "broken Ogg page"),
        (
            ogg_page([b"\x01vorbis" + b"\x00" * 23], sequence=0, granule=0, flags=0x02)
            + ogg_page([opus_tags("x")], sequence=1, granule=0)
            + ogg_page([b"\xf8\xff\xfe"], sequence=2, granule=960),
            "no OpusHead",
        ),
        (
            ogg_page([opus_head()], sequence=0, granule=0, flags=0x02)
            + ogg_page([b"\xf8\xff\xfe"], sequence=1, granule=960),
            "no OpusTags",
        ),
        (
            ogg_page([opus_head()], sequence=0, granule=0, flags=0x02)
            + ogg_page([opus_tags("x")], sequence=1, granule=0),
            "no audio",
        ),
        (
            ogg_page([opus_head(channels=0)], sequence=0, granule=0, flags=0x02)
            + ogg_page([opus_tags("x")], sequence=1, granule=0)
            + ogg_page([b"\xf8\xff\xfe"], sequence=2, granule=960),
            "OpusHead",
        ),
    ],
    ids=["empty", "mp3", "wav", "truncated", "trailing", "vorbis", "no-tags", "no-audio", "zero"],
)
def test_anything_but_ogg_opus_is_refused_with_a_reason(audio: bytes, problem: str) -> None:
    found = ogg_opus_problem(audio)
    assert found is not None and problem in found


def test_a_recording_over_one_megabyte_is_refused() -> None:
    long = ogg_opus(frames=MAX_VOICE_PROMPT_BYTES // 3)
    assert len(long) > MAX_VOICE_PROMPT_BYTES
    assert "larger than 1024 KB" in (ogg_opus_problem(long) or "")
    assert ogg_opus_problem(long, limit=len(long)) is None


def test_keys_and_their_file_names() -> None:
    assert file_name("consent:messaging:1") == "consent.messaging.1.ogg"
    assert key_of_file(Path("consent.messaging.1:details.ogg")) is None
    assert key_of_file(Path("consent.messaging.1.details.ogg")) == "consent:messaging:1:details"
    assert key_of_file(Path("menu.ogg")) == "menu"
    assert key_of_file(Path("menu.mp3")) is None
    for bad in ("", "Menu", "../menu", "menu/../x", "a b", "menu:", ":menu", "a" * 81):
        assert not is_voice_key(bad), bad
        with pytest.raises(ValueError):
            file_name(bad)


def write_prompt(root: Path, code: str, key: str, audio: bytes) -> Path:
    path = root / code / "voice" / file_name(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(audio)
    return path


def test_a_file_in_the_locale_folder_is_found_only_in_its_own_language(tmp_path: Path) -> None:
    recording = ogg_opus("menu-kek")
    path = write_prompt(tmp_path, "kek", "menu", recording)
    assert voice_prompt_path("menu", "kek", tmp_path) == path
    assert read_voice_prompt("menu", "kek", tmp_path) == recording
    # No other language's recording stands in: it would say other words than the screen.
    assert read_voice_prompt("menu", "es", tmp_path) is None
    assert read_voice_prompt("welcome", "kek", tmp_path) is None
    # Never outside the locale folders, whatever the key or language says.
    assert voice_prompt_path("../../menu", "kek", tmp_path) is None
    assert voice_prompt_path("menu", "../kek", tmp_path) is None
    assert voice_prompt_path("menu", "xx", tmp_path) is None


def test_a_broken_file_is_logged_and_not_sent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_prompt(tmp_path, "mam", "menu", b"OggS but not really")
    with caplog.at_level(logging.WARNING, logger="locales.voice"):
        assert read_voice_prompt("menu", "mam", tmp_path) is None
    assert "not used" in caplog.text


def test_check_reports_recordings_that_would_not_play(tmp_path: Path) -> None:
    write_prompt(tmp_path, "quc", "menu", ogg_opus("menu-quc"))
    write_prompt(tmp_path, "quc", "welcome", b"not audio")
    (tmp_path / "quc" / "voice" / "consent.mp3").write_bytes(b"ID3")
    (tmp_path / "quc" / "voice" / "Menu Principal.ogg").write_bytes(ogg_opus())
    found = voice_problems("quc", tmp_path)
    assert len(found) == 3
    assert any("Menu Principal.ogg: not named" in p for p in found)
    assert any("consent.mp3: not named" in p for p in found)
    assert any("welcome.ogg: not an Ogg file" in p for p in found)
    assert voice_problems("mam", tmp_path) == []
    everything = problems(tmp_path, template_of())
    assert sum("quc: voice/" in p for p in everything) == 3


def test_the_real_locale_folders_hold_only_playable_recordings() -> None:
    from locales import LANGUAGES

    assert [p for lang in LANGUAGES for p in voice_problems(lang.code)] == []
