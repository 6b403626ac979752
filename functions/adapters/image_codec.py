"""Uploaded images: what the bytes really are, and a clean copy of them for Veo.

`inspect(data)` reads the format from the bytes' own signature (never from the upload's
content type) and the size from the header, refuses a header that claims more pixels than
domain.uploads allows BEFORE decoding anything (a 10 MiB PNG can claim billions of pixels),
then decodes the whole picture with FFmpeg's decoders (PyAV, already a dependency for the
posters): a file that only looks like an image is refused. `clean(data)` decodes it again and
re-encodes the pixels alone (JPEG for JPEG and WebP, PNG for PNG: the two types Vertex takes),
so nothing of the original file's metadata (EXIF, GPS, XMP, ICC, comments, thumbnails) can
reach Veo. EXIF orientation is applied to the pixels first: a portrait phone photo stays
portrait once its EXIF is gone.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from av.video.codeccontext import VideoCodecContext

from domain.uploads import MAX_LONG_SIDE, MAX_PIXELS, ImageFacts, ImageFormat, ImageInput

JPEG_QUALITY = 2  # FFmpeg's MJPEG qscale: 2 is its best; the picture is Veo's first frame
DECODERS = {ImageFormat.JPEG: "mjpeg", ImageFormat.PNG: "png", ImageFormat.WEBP: "webp"}
# EXIF orientation -> the filters that turn the stored pixels upright (transpose: 0 = 90°
# counter-clockwise and vertical flip, 1 = 90° clockwise, 2 = 90° counter-clockwise, 3 = 90°
# clockwise and vertical flip).
ORIENTATION_FILTERS: dict[int, tuple[tuple[str, str], ...]] = {
    2: (("hflip", ""),),
    3: (("hflip", ""), ("vflip", "")),
    4: (("vflip", ""),),
    5: (("transpose", "0"),),
    6: (("transpose", "1"),),
    7: (("transpose", "3"),),
    8: (("transpose", "2"),),
}


@dataclass(frozen=True)
class Header:
    format: ImageFormat
    width: int  # as stored (before orientation)
    height: int
    orientation: int = 1  # EXIF orientation, 1 when there is none


class CodecError(Exception):
    pass


def sniff(data: bytes) -> ImageFormat | None:
    if data[:3] == b"\xff\xd8\xff":
        return ImageFormat.JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return ImageFormat.PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageFormat.WEBP
    return None


def read_header(data: bytes) -> Header | None:
    """Format, stored size and orientation from the header alone, or None."""
    kind = sniff(data)
    try:
        if kind == ImageFormat.JPEG:
            return _jpeg_header(data)
        if kind == ImageFormat.PNG:
            width, height = struct.unpack(">II", data[16:24])
            return Header(kind, width, height) if data[12:16] == b"IHDR" else None
        if kind == ImageFormat.WEBP:
            return _webp_header(data)
    except (struct.error, IndexError, ValueError):
        return None
    return None


def inspect(data: bytes) -> ImageFacts | None:
    """The image's format and its upright size, or None when the bytes are not a JPEG, PNG
    or WebP that decodes. A header beyond the pixel limits is reported without decoding (the
    domain refuses it for its size)."""
    header = read_header(data)
    if header is None or header.width <= 0 or header.height <= 0:
        return None
    width, height = (header.height, header.width) if header.orientation >= 5 else (header.width, header.height)
    facts = ImageFacts(header.format, width, height)
    if max(width, height) > MAX_LONG_SIDE or width * height > MAX_PIXELS:
        return facts
    try:
        frame = _decode(data, header.format)
    except CodecError:
        return None
    if (frame.width, frame.height) != (header.width, header.height):
        return None  # a header that lies about the picture
    return facts


def clean(data: bytes) -> tuple[bytes, str]:
    """The picture alone, upright, re-encoded: (bytes, mimeType) as Vertex takes them.
    Call it on bytes `inspect` accepted; raises CodecError otherwise."""
    header = read_header(data)
    if header is None:
        raise CodecError("not an image")
    frame = _upright(_decode(data, header.format), header.orientation)
    if header.format == ImageFormat.PNG:
        return _encode(frame, "png", "rgba" if _has_alpha(frame) else "rgb24"), "image/png"
    return _encode(frame, "mjpeg", "yuvj420p"), "image/jpeg"


class ImageCodec:
    """The ImageCodec port (ports.py) over the functions above."""

    def inspect(self, data: bytes) -> ImageFacts | None:
        return inspect(data)

    def clean(self, data: bytes) -> ImageInput:
        cleaned, mime_type = clean(data)
        return ImageInput(cleaned, mime_type)


# ---- decoding and encoding (PyAV) -------------------------------------------------------------


def _decode(data: bytes, kind: ImageFormat):
    import av

    try:
        decoder = cast("VideoCodecContext", av.CodecContext.create(DECODERS[kind], "r"))
        # FFmpeg conceals damage by default (a truncated JPEG decodes, grey at the bottom; a
        # PNG with a bad CRC decodes): here any damage means "not an image".
        decoder.options = {"err_detect": "crccheck+bitstream+buffer+explode"}
        frames = list(decoder.decode(av.Packet(data))) + list(decoder.decode(None))
    except Exception as exc:  # noqa: BLE001 — any decoder error: not an image we can use
        raise CodecError(f"{type(exc).__name__}: {exc}") from exc
    if len(frames) != 1:
        raise CodecError(f"{len(frames)} pictures decoded, expected 1")
    return frames[0]


def _has_alpha(frame) -> bool:
    return "a" in frame.format.name.replace("gray", "").replace("yuva", "a")


def _upright(frame, orientation: int):
    steps = ORIENTATION_FILTERS.get(orientation)
    if not steps:
        return frame
    import av

    graph = av.filter.Graph()
    source = graph.add_buffer(width=frame.width, height=frame.height, format=frame.format, time_base=Fraction(1, 1))
    nodes = [source] + [graph.add(name, args) for name, args in steps] + [graph.add("buffersink")]
    for upstream, downstream in zip(nodes, nodes[1:], strict=False):
        upstream.link_to(downstream)
    graph.configure()
    frame.pts = 0
    graph.push(frame)
    return graph.pull()


def _encode(frame, codec: str, pix_fmt: str) -> bytes:
    import av

    picture = frame.reformat(format=pix_fmt)
    encoder = cast("VideoCodecContext", av.CodecContext.create(codec, "w"))
    encoder.width, encoder.height, encoder.pix_fmt = picture.width, picture.height, pix_fmt
    encoder.time_base = Fraction(1, 25)
    if codec == "mjpeg":
        encoder.options = {"qscale": str(JPEG_QUALITY)}
        encoder.flags |= av.codec.context.Flags.qscale
    # No encoder signature either ("Lavc…" comment): the output carries pixels only.
    encoder.flags |= av.codec.context.Flags.bitexact
    picture.pts = 0
    try:
        packets = list(encoder.encode(picture)) + list(encoder.encode(None))
    except Exception as exc:  # noqa: BLE001
        raise CodecError(f"{type(exc).__name__}: {exc}") from exc
    return b"".join(bytes(p) for p in packets)


# ---- headers -------------------------------------------------------------------------------------

_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_header(data: bytes) -> Header | None:
    position, orientation = 2, 1
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2:
            return None
        segment = data[position + 4 : position + 2 + length]
        if marker == 0xE1 and segment[:6] == b"Exif\x00\x00":
            orientation = _exif_orientation(segment[6:]) or orientation
        if marker in _SOF_MARKERS:
            height, width = struct.unpack(">HH", segment[1:5])
            return Header(ImageFormat.JPEG, width, height, orientation)
        if marker == 0xDA:  # start of scan before any frame header
            return None
        position += 2 + length
    return None


def _exif_orientation(tiff: bytes) -> int | None:
    """Tag 0x0112 of IFD0 of an EXIF block, when it holds 1-8."""
    if tiff[:2] == b"II":
        order = "<"
    elif tiff[:2] == b"MM":
        order = ">"
    else:
        return None
    (ifd,) = struct.unpack(order + "I", tiff[4:8])
    (count,) = struct.unpack(order + "H", tiff[ifd : ifd + 2])
    for index in range(count):
        entry = tiff[ifd + 2 + 12 * index : ifd + 14 + 12 * index]
        tag, kind, _n = struct.unpack(order + "HHI", entry[:8])
        if tag == 0x0112 and kind == 3:
            (value,) = struct.unpack(order + "H", entry[8:10])
            return value if 1 <= value <= 8 else None
    return None


def _webp_header(data: bytes) -> Header | None:
    chunk = data[12:16]
    body = data[20:]
    if chunk == b"VP8 ":
        if body[3:6] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", body[6:10])
        return Header(ImageFormat.WEBP, width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L":
        if body[0] != 0x2F:
            return None
        (bits,) = struct.unpack("<I", body[1:5])
        return Header(ImageFormat.WEBP, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":
        if body[0] & 0x02:  # animation: one picture is what Veo takes
            return None
        width = int.from_bytes(body[4:7], "little") + 1
        height = int.from_bytes(body[7:10], "little") + 1
        return Header(ImageFormat.WEBP, width, height, _webp_orientation(data))
    return None


def _webp_orientation(data: bytes) -> int:
    position = 12
    while position + 8 <= len(data):
        name = data[position : position + 4]
        (size,) = struct.unpack("<I", data[position + 4 : position + 8])
        if name == b"EXIF":
            tiff = data[position + 8 : position + 8 + size]
            if tiff[:6] == b"Exif\x00\x00":
                tiff = tiff[6:]
            return _exif_orientation(tiff) or 1
        position += 8 + size + (size & 1)
    return 1
