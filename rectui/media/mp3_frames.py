"""MPEG audio layer III frames, found by their headers: enough to cut an mp3 into pieces that
ffmpeg decodes on their own.

A waveform of an hour-long mp3 does not need every sample: a few frames at the middle of each
slice show its level. Frames are self-contained except for the bit reservoir (a frame may use
bytes of the frames before it), so the first frames of a piece decode to garbage and are
skipped by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {1: (44100, 48000, 32000), 2: (22050, 24000, 16000), 25: (11025, 12000, 8000)}
_VERSIONS = {0b11: 1, 0b10: 2, 0b00: 25}


@dataclass(frozen=True, slots=True)
class Frame:
    offset: int
    length: int
    sample_rate: int
    samples: int
    """Samples per channel this frame decodes to (1152 for MPEG-1, 576 for MPEG-2 and 2.5)."""


def frame_at(data: bytes | memoryview, offset: int) -> Frame | None:
    """The layer III frame whose header starts at `offset`, if one does."""
    if offset + 4 > len(data):
        return None
    b1, b2, b3 = data[offset + 1], data[offset + 2], data[offset + 3]
    if data[offset] != 0xFF or (b1 & 0xE0) != 0xE0 or (b1 >> 1) & 0b11 != 0b01:
        return None  # no sync word, or not layer III
    version = _VERSIONS.get((b1 >> 3) & 0b11)
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 0b11
    if version is None or bitrate_index in (0, 15) or rate_index == 3 or (b3 & 0b11) == 0b10:
        return None  # reserved values (free format is not supported either)
    bitrate = _BITRATES[1 if version == 1 else 2][bitrate_index] * 1000
    rate = _RATES[version][rate_index]
    padding = (b2 >> 1) & 1
    per_frame = 1152 if version == 1 else 576
    length = per_frame // 8 * bitrate // rate + padding
    return Frame(offset, length, rate, per_frame)


def audio_start(data: bytes | memoryview) -> int:
    """Where the frames begin: after an ID3v2 tag, if there is one."""
    if len(data) >= 10 and bytes(data[:3]) == b"ID3":
        size = 0
        for byte in data[6:10]:
            size = (size << 7) | (byte & 0x7F)  # "syncsafe": 7 bits a byte
        return 10 + size + (10 if data[5] & 0x10 else 0)  # a footer, when flagged
    return 0


def frames_from(data: bytes, offset: int, count: int, limit: int) -> list[Frame]:
    """`count` consecutive frames starting at the first real frame at or after `offset`
    (a header counts as real when the next frame's header follows it), within `limit` bytes
    of searching; fewer (or none) near the end of the file."""
    end = min(len(data), offset + limit)
    while True:
        offset = data.find(b"\xff", offset, end)  # a header starts with 0xFF
        if offset < 0:
            return []
        frame = frame_at(data, offset)
        if frame is not None and frame_at(data, offset + frame.length) is not None:
            break
        offset += 1
    found: list[Frame] = []
    while len(found) < count:
        frame = frame_at(data, offset)
        if frame is None or frame.offset + frame.length > len(data):
            break
        found.append(frame)
        offset += frame.length
    return found
