"""Recordings from a browser or a phone become voice prompts: OGG/Opus, decodable."""

from __future__ import annotations

import io

import av
import pytest

from locales import ogg_opus_problem
from locales.recording import NotAudio, to_ogg_opus
from tests.voice_samples import ogg_opus, webm_opus


def decoded(ogg: bytes) -> tuple[str, str, int, float]:
    with av.open(io.BytesIO(ogg)) as container:
        (stream,) = container.streams.audio
        samples = sum(frame.samples for frame in container.decode(stream))
        return container.format.name, stream.codec_context.name, stream.rate, samples / 48_000


def test_a_chrome_recording_becomes_an_ogg_opus_voice_note_of_the_same_length() -> None:
    recording = webm_opus(seconds=1.5)
    assert recording.startswith(b"\x1aE\xdf\xa3")  # WebM (Matroska), as MediaRecorder gives
    voice = to_ogg_opus(recording)
    assert ogg_opus_problem(voice) is None
    container, codec, rate, seconds = decoded(voice)
    assert (container, codec, rate) == ("ogg", "opus", 48_000)
    assert seconds == pytest.approx(1.5, abs=0.05)


@pytest.mark.parametrize("garbage", [b"", b"ID3 not audio at all", b"OggS" + b"\0" * 100])
def test_what_is_not_audio_is_refused(garbage: bytes) -> None:
    with pytest.raises(NotAudio):
        to_ogg_opus(garbage)


def test_an_ogg_opus_file_is_encoded_again_without_losing_its_length() -> None:
    # Silent frames as a phone sends them: 20 ms each.
    voice = to_ogg_opus(ogg_opus("a phone's voice note", frames=50))
    assert decoded(voice)[3] == pytest.approx(1.0, abs=0.05)
