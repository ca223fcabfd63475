"""Tiny, real OGG/Opus recordings built in memory for the tests (no binary files).

``ogg_opus(label)`` is a valid Ogg stream (RFC 3533, with page checksums) carrying
Opus (RFC 7845): the OpusHead page, the OpusTags page (``label`` is its vendor
string, so two samples differ), and pages of 20 ms silent frames that any Opus
decoder plays as silence.
"""

from __future__ import annotations

import io
import math
import struct

SERIAL = 0x52554D42  # "RUMB"
PRE_SKIP = 312
SAMPLES_PER_FRAME = 960  # 20 ms at 48 kHz
SILENT_FRAME = b"\xf8\xff\xfe"  # TOC: CELT-only, fullband, 20 ms, mono, one frame

_BOS, _EOS = 0x02, 0x04


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return table


_TABLE = _crc_table()


def ogg_crc(data: bytes) -> int:
    """Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, starting at 0."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _TABLE[((crc >> 24) & 0xFF) ^ byte]
    return crc


def ogg_page(packets: list[bytes], *, sequence: int, granule: int, flags: int = 0) -> bytes:
    """One Ogg page holding whole ``packets`` (each under 255 * 255 bytes)."""
    lacing = bytearray()
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes([len(packet) % 255])
    if len(lacing) > 255:
        raise ValueError("too many packets for one page")
    header = b"OggS" + struct.pack("<BBqIII", 0, flags, granule, SERIAL, sequence, 0)
    page = bytearray(header + bytes([len(lacing)]) + lacing + b"".join(packets))
    page[22:26] = struct.pack("<I", ogg_crc(bytes(page)))
    return bytes(page)


def opus_head(channels: int = 1, sample_rate: int = 48_000) -> bytes:
    return b"OpusHead" + struct.pack("<BBHIhB", 1, channels, PRE_SKIP, sample_rate, 0, 0)


def opus_tags(vendor: str) -> bytes:
    encoded = vendor.encode("utf-8")
    return b"OpusTags" + struct.pack("<I", len(encoded)) + encoded + struct.pack("<I", 0)


def ogg_opus(label: str = "rumbo-test", *, frames: int = 25) -> bytes:
    """A mono OGG/Opus voice note of ``frames`` x 20 ms of silence (0.5 s by default)."""
    pages = [
        ogg_page([opus_head()], sequence=0, granule=0, flags=_BOS),
        ogg_page([opus_tags(label)], sequence=1, granule=0),
    ]
    sequence, done = 2, 0
    while done < frames:
        count = min(50, frames - done)
        done += count
        last = done == frames
        pages.append(
            ogg_page(
                [SILENT_FRAME] * count,
                sequence=sequence,
                granule=PRE_SKIP + done * SAMPLES_PER_FRAME,
                flags=_EOS if last else 0,
            )
        )
        sequence += 1
    return b"".join(pages)


def webm_opus(seconds: float = 1.0, hertz: float = 440.0) -> bytes:
    """A tone as Chrome's MediaRecorder makes a recording: WebM holding Opus at 48 kHz,
    encoded with PyAV (FFmpeg's libraries, shipped with its wheels)."""
    import av  # only the tests that need a browser-like recording pay for it

    output = io.BytesIO()
    rate, frame = 48_000, 960
    with av.open(output, mode="w", format="webm") as target:
        stream = target.add_stream("libopus", rate=rate)
        stream.layout = "mono"
        for start in range(0, int(rate * seconds), frame):
            samples = [
                int(8000 * math.sin(2 * math.pi * hertz * (start + i) / rate)) for i in range(frame)
            ]
            chunk = av.AudioFrame(format="s16", layout="mono", samples=frame)
            chunk.planes[0].update(struct.pack(f"<{frame}h", *samples))
            chunk.sample_rate = rate
            chunk.pts = start
            target.mux(stream.encode(chunk))
        target.mux(stream.encode(None))
    return output.getvalue()
