"""Small, valid WAV files standing in for call recordings."""

from __future__ import annotations

import io
import math
import wave
import zlib
from array import array
from functools import lru_cache

SAMPLE_RATE = 8000
SECONDS = 2.5


@lru_cache(maxsize=64)
def recording_wav(call_id: str) -> bytes:
    """2.5 s of 8 kHz mono 16-bit audio: two tones picked from the call id (about 40 KB)."""
    seed = zlib.crc32(call_id.encode("utf-8"))
    low = 300 + seed % 300
    high = 600 + (seed >> 9) % 500
    frames = int(SAMPLE_RATE * SECONDS)
    samples = array("h")
    step_low = 2 * math.pi * low / SAMPLE_RATE
    step_high = 2 * math.pi * high / SAMPLE_RATE
    for n in range(frames):
        # Half a second of each tone in turn, gently faded in and out.
        phase = (n // (SAMPLE_RATE // 2)) % 2
        fade = min(1.0, n / 400, (frames - n) / 400)
        value = math.sin(n * (step_high if phase else step_low))
        samples.append(int(9000 * fade * value))
    if samples.itemsize != 2:  # pragma: no cover - array("h") is 16-bit everywhere we run
        raise RuntimeError("16-bit samples expected")
    if array("h", [1]).tobytes() != b"\x01\x00":  # WAV is little-endian
        samples.byteswap()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()
