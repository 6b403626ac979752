"""Small, real, playable MP4 clips that stand in for Veo's output.

The clips are H.264 in MP4 (what Veo returns), tiny so that encoding takes a fraction of a
second, and have moving content (a bar sweeping across a background whose colour drifts) so
that anything downstream that inspects frames sees a real video, not a still image.
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
from fractions import Fraction

import av

FRAMES_PER_SECOND = 24
MIME_TYPE = "video/mp4"

# Width x height per aspect ratio: small on purpose, the shape is what callers check.
FRAME_SIZES = {
    "16:9": (320, 180),
    "9:16": (180, 320),
}

_cache: dict[tuple[int, str], bytes] = {}
# One lock for the whole cache: concurrent first requests for the same clip encode it once.
_cache_lock = threading.Lock()


def render_mp4(duration_seconds: int, aspect_ratio: str) -> bytes:
    """Returns the encoded MP4 for this duration and aspect ratio, encoding it on first use."""
    if aspect_ratio not in FRAME_SIZES:
        raise ValueError(f"unsupported aspect ratio {aspect_ratio!r}")
    if duration_seconds <= 0:
        raise ValueError(f"duration must be positive, got {duration_seconds!r}")
    key = (duration_seconds, aspect_ratio)
    with _cache_lock:
        if key not in _cache:
            width, height = FRAME_SIZES[aspect_ratio]
            _cache[key] = _encode(duration_seconds, width, height)
        return _cache[key]


def _encode(duration_seconds: int, width: int, height: int) -> bytes:
    # A real file, not BytesIO: faststart (index first, for progressive playback in browsers)
    # makes FFmpeg reopen the output by name to move the index.
    with tempfile.TemporaryDirectory(prefix="veo-standin-") as folder:
        path = os.path.join(folder, "clip.mp4")
        _encode_to(path, duration_seconds, width, height)
        with open(path, "rb") as clip:
            return clip.read()


def _encode_to(path: str, duration_seconds: int, width: int, height: int) -> None:
    with av.open(path, mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=FRAMES_PER_SECOND)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, FRAMES_PER_SECOND)
        # ultrafast keeps encoding well under a second; baseline plays everywhere.
        stream.options = {"preset": "ultrafast", "profile": "baseline"}

        frame_count = duration_seconds * FRAMES_PER_SECOND
        for index in range(frame_count):
            frame = _frame(index, frame_count, width, height)
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def _frame(index: int, frame_count: int, width: int, height: int) -> av.VideoFrame:
    """A YUV 4:2:0 frame built from bytes, so no numpy is needed."""
    frame = av.VideoFrame(width, height, "yuv420p")
    luma, chroma_u, chroma_v = frame.planes

    bar_width = max(width // 8, 2)
    bar_left = round(index / max(frame_count - 1, 1) * (width - bar_width))
    row = bytearray(40 + (120 * x) // width for x in range(width))
    row[bar_left : bar_left + bar_width] = b"\xeb" * bar_width
    # Planes may be wider in memory than the picture (line_size): pad every row to it.
    luma.update(bytes(row).ljust(luma.line_size, b"\x00") * height)

    phase = 2 * math.pi * index / frame_count
    u_value = 128 + round(90 * math.sin(phase))
    v_value = 128 + round(90 * math.cos(phase))
    chroma_height = chroma_u.height
    chroma_u.update(bytes([u_value]) * (chroma_u.line_size * chroma_height))
    chroma_v.update(bytes([v_value]) * (chroma_v.line_size * chroma_height))
    return frame
