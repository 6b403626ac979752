"""The image codec: the bytes decide what an upload is, and what goes to Veo is the picture alone."""

from __future__ import annotations

import struct
import zlib

import pytest

from adapters import image_codec
from domain.uploads import MAX_PIXELS, ImageFacts, ImageFormat
from tests.support import images


@pytest.mark.parametrize(
    ("make", "kind"),
    [(images.jpeg, ImageFormat.JPEG), (images.png, ImageFormat.PNG), (images.webp, ImageFormat.WEBP)],
)
def test_a_real_image_is_recognised_by_its_bytes_with_its_size(make, kind):
    assert image_codec.inspect(make(1280, 720)) == ImageFacts(kind, 1280, 720)


def test_text_that_claims_to_be_an_image_is_not_one():
    assert image_codec.inspect(b"<html>not a picture</html>" * 100) is None


def test_a_jpeg_cut_short_is_not_an_image():
    data = images.jpeg(1280, 720)
    assert image_codec.inspect(data[: len(data) // 3]) is None


def test_a_header_that_lies_about_the_size_is_not_an_image():
    data = bytearray(images.png(640, 480))
    data[16:24] = struct.pack(">II", 641, 480)  # IHDR width (the chunk's CRC is now wrong too)
    assert image_codec.inspect(bytes(data)) is None


def test_a_decompression_bomb_is_sized_from_its_header_without_decoding():
    data = bytearray(images.png(640, 480))
    data[16:24] = struct.pack(">II", 60_000, 60_000)
    facts = image_codec.inspect(bytes(data))
    assert facts is not None and facts.width * facts.height > MAX_PIXELS


def test_exif_orientation_gives_the_upright_size():
    rotated = images.with_exif(images.jpeg(1280, 720), orientation=6)
    assert image_codec.inspect(rotated) == ImageFacts(ImageFormat.JPEG, 720, 1280)


def test_the_copy_for_veo_carries_no_exif_and_no_gps():
    original = images.with_exif(images.jpeg(1280, 720))
    assert images.GPS_MARKER in original and b"Exif" in original
    cleaned, mime = image_codec.clean(original)
    assert mime == "image/jpeg"
    assert images.GPS_MARKER not in cleaned and b"Exif" not in cleaned and b"Lavc" not in cleaned
    assert image_codec.inspect(cleaned) == ImageFacts(ImageFormat.JPEG, 1280, 720)


def test_the_copy_is_the_same_picture():
    left, right = images.left_and_right(image_codec.clean(images.jpeg(1280, 720))[0])
    assert images.close(left, images.RED) and images.close(right, images.BLUE)


def test_a_sideways_phone_photo_is_sent_upright():
    # Stored landscape, EXIF 6 ("rotate 90° clockwise to view"): the viewer sees a portrait
    # whose top is the stored left edge (RED).
    cleaned, _ = image_codec.clean(images.with_exif(images.jpeg(1280, 720), orientation=6))
    assert images.decoded_size(cleaned) == (720, 1280)


def test_a_webp_is_sent_as_jpeg_because_vertex_takes_jpeg_or_png_only():
    cleaned, mime = image_codec.clean(images.webp(1280, 720))
    assert mime == "image/jpeg" and cleaned[:3] == b"\xff\xd8\xff"
    left, right = images.left_and_right(cleaned)
    assert images.close(left, images.RED) and images.close(right, images.BLUE)


def test_a_png_stays_png_and_keeps_its_transparency():
    cleaned, mime = image_codec.clean(images.png(800, 450, alpha=True))
    assert mime == "image/png" and image_codec.inspect(cleaned) == ImageFacts(ImageFormat.PNG, 800, 450)
    assert image_codec.read_header(cleaned) is not None and cleaned[25] == 6  # IHDR colour type RGBA


def test_a_png_text_chunk_is_not_copied():
    data = images.png(800, 450)
    text = b"tEXt" + b"Comment\x00GPS-SECRET"
    chunk = struct.pack(">I", len(text) - 4) + text + struct.pack(">I", zlib.crc32(text))
    with_text = data[:33] + chunk + data[33:]
    assert image_codec.inspect(with_text) is not None
    assert b"GPS-SECRET" in with_text and b"GPS-SECRET" not in image_codec.clean(with_text)[0]
