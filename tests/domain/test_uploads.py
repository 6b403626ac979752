"""Start from a photo: which uploaded pictures Veo may be given, decided from what
the codec found in the bytes."""

from __future__ import annotations

import pytest

from domain import uploads
from domain.errors import ErrorCode
from domain.uploads import ImageFacts, ImageFormat, image_failure


def facts(width: int, height: int) -> ImageFacts:
    return ImageFacts(ImageFormat.JPEG, width, height)


@pytest.mark.parametrize(("w", "h", "aspect"), [(1280, 720, "16:9"), (720, 1280, "9:16"), (4032, 3024, "16:9")])
def test_a_picture_of_the_videos_orientation_is_accepted(w, h, aspect):
    assert image_failure("image", facts(w, h), aspect) is None


@pytest.mark.parametrize(
    ("w", "h", "aspect", "code"),
    [
        (1280, 720, "9:16", ErrorCode.IMAGE_ASPECT),
        (1000, 1000, "16:9", ErrorCode.IMAGE_ASPECT),
        (3000, 1000, "16:9", ErrorCode.IMAGE_ASPECT),
        (uploads.MIN_SHORT_SIDE * 2, uploads.MIN_SHORT_SIDE - 1, "16:9", ErrorCode.IMAGE_TOO_SMALL),
        (uploads.MAX_LONG_SIDE + 1, 5000, "16:9", ErrorCode.IMAGE_TOO_LARGE),
        (8000, 6000, "16:9", ErrorCode.IMAGE_TOO_LARGE),  # 48 megapixels
    ],
)
def test_a_picture_out_of_bounds_is_refused_with_its_code(w, h, aspect, code):
    refused = image_failure("image", facts(w, h), aspect)
    assert refused is not None and refused.code == code and refused.message.count("image") >= 1


def test_bytes_that_are_not_an_image_are_refused_as_invalid():
    assert image_failure("lastFrame", None, "16:9").code == ErrorCode.IMAGE_INVALID


def test_an_upload_over_the_byte_cap_is_too_large_whatever_it_holds():
    refused = image_failure("image", facts(1280, 720), "16:9", size_bytes=uploads.MAX_UPLOAD_BYTES + 1)
    assert refused.code == ErrorCode.IMAGE_TOO_LARGE


@pytest.mark.parametrize(
    ("path", "parsed"),
    [
        ("uploads/u1/a-B_9", ("u1", "a-B_9")),
        ("uploads/u1/" + "x" * 128, ("u1", "x" * 128)),
        ("uploads/u1/" + "x" * 129, None),
        ("uploads/u1/a/b", None),
        ("uploads/../a", None),
        ("uploads//a", None),
        ("/uploads/u1/a", None),
        (None, None),
    ],
)
def test_upload_paths(path, parsed):
    assert uploads.parse_upload_path(path) == parsed


def test_a_creation_names_its_well_formed_uploads_only():
    creation = {"image": "uploads/u1/a", "lastFrame": "uploads/u1/../b"}
    assert uploads.referenced_uploads(creation) == ["uploads/u1/a"]


def test_a_feed_entry_never_carries_the_source_photos():
    from domain import media

    creation = {
        "prompt": "p",
        "aspectRatio": "16:9",
        "duration": 4,
        "image": "uploads/u1/a",
        "lastFrame": "uploads/u1/b",
    }
    entry = media.feed_entry(creation, "https://media.example/x.mp4")
    assert not any("uploads/" in str(value) for value in entry.values())
    assert "image" not in entry and "lastFrame" not in entry
