"""Recordings from the browser or a phone, made into voice prompts: OGG/Opus.

Chrome's MediaRecorder gives WebM/Opus, Firefox OGG/Opus, a phone M4A or MP3;
Telegram shows only OGG/Opus as a voice note, and WhatsApp plays it as audio. PyAV
(FFmpeg's libraries, shipped with its wheels: no system binary) decodes whatever
came and encodes it again as mono Opus at 48 kHz, what both platforms expect.
"""

from __future__ import annotations

from io import BytesIO

import av
import av.error

RATE = 48_000
BITRATE = 32_000
"""Clear speech; about four minutes fit in the 1 MB a voice prompt may weigh."""
MAX_INPUT_BYTES = 8 * 1024 * 1024


class NotAudio(ValueError):
    """What was given holds no audio PyAV can decode."""


def to_ogg_opus(audio: bytes, *, bitrate: int = BITRATE) -> bytes:
    """``audio`` in any container PyAV reads, as mono OGG/Opus at 48 kHz."""
    if not audio or len(audio) > MAX_INPUT_BYTES:
        raise NotAudio("empty or too large")
    output = BytesIO()
    try:
        with av.open(BytesIO(audio), mode="r") as source:
            streams = [s for s in source.streams if s.type == "audio"]
            if not streams:
                raise NotAudio("no audio stream")
            with av.open(output, mode="w", format="ogg") as target:
                encoder = target.add_stream("libopus", rate=RATE)
                encoder.layout = "mono"
                encoder.bit_rate = bitrate
                resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
                for frame in source.decode(streams[0]):
                    if not isinstance(frame, av.AudioFrame):
                        continue
                    for ready in resampler.resample(frame):
                        target.mux(encoder.encode(ready))
                for ready in resampler.resample(None):
                    target.mux(encoder.encode(ready))
                target.mux(encoder.encode(None))
    except (av.error.FFmpegError, StopIteration, IndexError) as error:
        raise NotAudio(str(error)) from error
    return output.getvalue()
