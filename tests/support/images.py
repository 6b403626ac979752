"""Test pictures made with PyAV (no Pillow): JPEG, PNG and WebP of a given size, with an EXIF
block (orientation, GPS position, camera) added the way a phone writes it.

Each picture is two colours, left half RED and right half BLUE, so a test can tell which way
up a re-encoded or rendered copy is."""

from __future__ import annotations

import struct
from fractions import Fraction

RED = (220, 30, 30)
BLUE = (30, 30, 220)
GPS_MARKER = b"GPS-SECRET-48.8584N-2.2945E"


def rgb_frame(width: int, height: int, left=RED, right=BLUE, alpha: bool = False):
    import av

    fmt = "rgba" if alpha else "rgb24"
    frame = av.VideoFrame(width, height, fmt)
    plane = frame.planes[0]
    px = (lambda c: bytes(c) + b"\x80") if alpha else bytes
    row = px(left) * (width // 2) + px(right) * (width - width // 2)
    plane.update(row.ljust(plane.line_size, b"\x00") * height)
    return frame


def _encode(frame, codec: str, pix_fmt: str) -> bytes:
    import av

    picture = frame.reformat(format=pix_fmt)
    encoder = av.CodecContext.create(codec, "w")
    encoder.width, encoder.height, encoder.pix_fmt = picture.width, picture.height, pix_fmt
    encoder.time_base = Fraction(1, 25)
    if codec == "mjpeg":
        encoder.options = {"qscale": "3"}
        encoder.flags |= av.codec.context.Flags.qscale
    picture.pts = 0
    return b"".join(bytes(p) for p in list(encoder.encode(picture)) + list(encoder.encode(None)))


def jpeg(width: int = 1280, height: int = 720, **colours) -> bytes:
    return _encode(rgb_frame(width, height, **colours), "mjpeg", "yuvj420p")


def png(width: int = 1280, height: int = 720, alpha: bool = False, **colours) -> bytes:
    return _encode(rgb_frame(width, height, alpha=alpha, **colours), "png", "rgba" if alpha else "rgb24")


def webp(width: int = 1280, height: int = 720, **colours) -> bytes:
    return _encode(rgb_frame(width, height, **colours), "libwebp", "yuv420p")


def exif_block(orientation: int = 1) -> bytes:
    """A little-endian TIFF block: IFD0 with Orientation, Make (pointing at a GPS-looking
    string) and a GPS IFD pointer, as a phone camera writes them."""
    entries = 3
    ifd0 = 8
    data_at = ifd0 + 2 + 12 * entries + 4
    make = GPS_MARKER + b"\x00"
    gps_ifd = data_at + len(make)
    body = b"II*\x00" + struct.pack("<I", ifd0) + struct.pack("<H", entries)
    body += struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
    body += struct.pack("<HHII", 0x010F, 2, len(make), data_at)
    body += struct.pack("<HHII", 0x8825, 4, 1, gps_ifd)
    body += struct.pack("<I", 0) + make
    body += struct.pack("<H", 1) + struct.pack("<HHI4s", 0x0001, 2, 2, b"N\x00\x00\x00") + struct.pack("<I", 0)
    return body


def with_exif(jpeg_bytes: bytes, orientation: int = 1) -> bytes:
    """The JPEG with an APP1 Exif segment right after its SOI marker."""
    payload = b"Exif\x00\x00" + exif_block(orientation)
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg_bytes[:2] + segment + jpeg_bytes[2:]


def decoded_size(data: bytes) -> tuple[int, int]:
    import av

    kind = {b"\xff\xd8": "mjpeg", b"\x89P": "png"}.get(data[:2], "webp")
    decoder = av.CodecContext.create(kind, "r")
    frame = (list(decoder.decode(av.Packet(data))) + list(decoder.decode(None)))[0]
    return frame.width, frame.height


def left_and_right(data: bytes) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The colour a quarter in from the left and from the right, mid-height."""
    import av

    kind = {b"\xff\xd8": "mjpeg", b"\x89P": "png"}.get(data[:2], "webp")
    decoder = av.CodecContext.create(kind, "r")
    frame = (list(decoder.decode(av.Packet(data))) + list(decoder.decode(None)))[0]
    return pixel_pair(frame)


def pixel_pair(frame):
    rgb = frame.reformat(format="rgb24")
    plane = rgb.planes[0]
    raw = bytes(plane)
    y = rgb.height // 2

    def at(x: int):
        offset = y * plane.line_size + 3 * x
        return tuple(raw[offset : offset + 3])

    return at(rgb.width // 4), at(3 * rgb.width // 4)


def close(colour, expected, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))
