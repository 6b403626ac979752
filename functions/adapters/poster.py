"""A poster for a video: one JPEG frame, sized for a feed card, extracted with PyAV (`av`,
FFmpeg's decoders and encoders in its own wheels, so no system FFmpeg). Imported lazily: only
the function that makes posters pays for loading it.

A video PyAV cannot open or decode raises PosterError; the caller completes the draft without
a poster (handlers/poster_step.py).
"""

from __future__ import annotations

from fractions import Fraction
from typing import BinaryIO

WIDTH = 480  # a feed card's width, in pixels; the height keeps the video's aspect
# The frame shown: a second in (the first frames of a clip are often a fade from black), or
# the middle of a shorter clip.
AT_SECONDS = 1.0
MAX_FRAMES = 120  # never decode more than this looking for it
QUALITY = 5  # FFmpeg's MJPEG qscale: 2 (best) .. 31 (worst)


class PosterError(Exception):
    pass


def jpeg_frame(source: BinaryIO | str, width: int = WIDTH) -> bytes:
    try:
        import av
    except ImportError as exc:  # pragma: no cover — av is in functions/requirements.in
        raise PosterError(f"PyAV unavailable: {exc}") from exc
    try:
        with av.open(source, mode="r") as container:
            if not container.streams.video:
                raise PosterError("no video stream")
            stream = container.streams.video[0]
            duration = float(container.duration / av.time_base) if container.duration else 0.0
            target = min(AT_SECONDS, duration / 2) if duration else 0.0
            chosen = None
            for count, frame in enumerate(container.decode(stream)):
                chosen = frame
                if (frame.time or 0.0) >= target or count >= MAX_FRAMES:
                    break
            if chosen is None:
                raise PosterError("no decodable frame")
            return _encode(chosen, width)
    except PosterError:
        raise
    except Exception as exc:  # noqa: BLE001 — any decoder failure means "no poster"
        raise PosterError(f"{type(exc).__name__}: {exc}") from exc


def _encode(frame, width: int) -> bytes:
    import av

    width = min(width, frame.width) // 2 * 2
    height = max(2, round(frame.height * width / frame.width / 2) * 2)
    scaled = frame.reformat(width=width, height=height, format="yuvj420p")
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    encoder.options = {"qscale": str(QUALITY)}
    encoder.flags |= av.codec.context.Flags.qscale
    scaled.pts = 0
    packets = list(encoder.encode(scaled)) + list(encoder.encode(None))
    data = b"".join(bytes(p) for p in packets)
    if not data.startswith(b"\xff\xd8"):
        raise PosterError("the encoder made no JPEG")
    return data
