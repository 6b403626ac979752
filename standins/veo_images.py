"""What Vertex refuses about a Veo start's images (`instances[0].image`, `.lastFrame`), and the
decoded pictures the stand-in's clip starts (and ends) with.

Vertex's rules, from its REST reference (VideoGenerationModelInstance and Image, read
2026-12-04): `image` is the first frame and `lastFrame` the last, which needs `image`; each is
`{bytesBase64Encoded | gcsUri, mimeType}` with mimeType image/jpeg or image/png; the model page
says which models take them; "maximum image size uploaded or sent in a request: 20 MB".
The 400 wording is APPROXIMATED (Google does not document it), except the base64 one, which
is the JSON-to-proto error every Google API answers for a bad bytes field.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from domain import veo_models
from domain.uploads import VEO_IMAGE_MIME_TYPES, VEO_MAX_IMAGE_BYTES
from standins.veo_checks import ApiError, invalid

if TYPE_CHECKING:
    from av.video.codeccontext import VideoCodecContext

DECODERS = {"image/jpeg": "mjpeg", "image/png": "png"}
IMAGE_FIELDS = (("image", "image"), ("lastFrame", "last_frame"))


@dataclass(frozen=True)
class InputImage:
    data: bytes
    mime_type: str


def parse_images(
    instance: dict[str, Any], model: veo_models.VeoModel, read_gcs=None
) -> tuple[InputImage | None, InputImage | None]:
    """(image, lastFrame) of a start, or Vertex's 400 for what it refuses. `read_gcs(uri)`
    fetches a gcsUri's bytes (None: the stand-in has no GCS to read from)."""
    found: dict[str, InputImage] = {}
    for name, _ in IMAGE_FIELDS:
        if name in instance:
            found[name] = _one(name, instance[name], read_gcs)
    if "lastFrame" in found and "image" not in found:
        raise invalid("instances[0].lastFrame requires instances[0].image: an input image must also be provided.")
    if "image" in found and not model.image_input:
        raise invalid(f"Image input is not supported by model {model.model_id}.")
    if "lastFrame" in found and not model.last_frame_input:
        raise invalid(f"instances[0].lastFrame is not supported by model {model.model_id}.")
    return found.get("image"), found.get("lastFrame")


def _one(name: str, value: Any, read_gcs) -> InputImage:
    where = f"instances[0].{name}"
    if not isinstance(value, dict):
        raise invalid(f"Invalid JSON payload received. {where} must be an object.")
    unknown = sorted(set(value) - {"bytesBase64Encoded", "gcsUri", "mimeType"})
    if unknown:
        raise invalid(f"Invalid JSON payload received. Unknown name \"{unknown[0]}\" at '{where}': Cannot find field.")
    mime_type = value.get("mimeType")
    if not mime_type:
        raise invalid(f"{where}.mimeType is required.")
    if mime_type not in VEO_IMAGE_MIME_TYPES:
        raise invalid(
            f"Unsupported mimeType {mime_type!r} for {where}, supported: [{', '.join(VEO_IMAGE_MIME_TYPES)}]."
        )
    has_bytes, has_uri = "bytesBase64Encoded" in value, "gcsUri" in value
    if has_bytes == has_uri:
        raise invalid(f"{where} must have exactly one of bytesBase64Encoded or gcsUri.")
    if has_bytes:
        data = _base64(value["bytesBase64Encoded"], f"{where}.bytes_base64_encoded")
    else:
        data = _from_gcs(value["gcsUri"], where, read_gcs)
    if len(data) > VEO_MAX_IMAGE_BYTES:
        raise invalid(
            f"The image in {where} is {len(data)} bytes; "
            f"the maximum image size is {VEO_MAX_IMAGE_BYTES // 1_000_000} MB."
        )
    if decode(data, mime_type) is None:
        raise invalid(f"Unable to process the input image in {where}: the image could not be decoded as {mime_type}.")
    return InputImage(data, mime_type)


def _base64(text: Any, field: str) -> bytes:
    if not isinstance(text, str):
        raise invalid(f"Invalid value at '{field}' (TYPE_BYTES), expected a base64 string.")
    try:
        # Google's JSON parser takes standard and URL-safe base64, padded or not.
        normalised = text.replace("-", "+").replace("_", "/")
        return base64.b64decode(normalised + "=" * (-len(normalised) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise invalid(f"Invalid value at '{field}' (TYPE_BYTES), Base64 decoding failed for \"{text[:40]}\"") from None


def _from_gcs(uri: Any, where: str, read_gcs) -> bytes:
    if not isinstance(uri, str) or not uri.startswith("gs://") or "/" not in uri[5:] or not uri[5:].split("/", 1)[1]:
        raise invalid(f"{where}.gcsUri must be a gs://bucket/object URI, got {uri!r}.")
    if read_gcs is None:
        raise ApiError(
            400,
            "FAILED_PRECONDITION",
            f"{where}.gcsUri was given but this Veo stand-in has no GCS endpoint: start it with --gcs-endpoint.",
        )
    data = read_gcs(uri)
    if data is None:
        raise invalid(f"The object {uri} in {where}.gcsUri was not found or is not readable by the service agent.")
    return data


def decode(data: bytes, mime_type: str):
    """The one picture in the bytes, or None (damage is never concealed)."""
    import av

    try:
        decoder = cast("VideoCodecContext", av.CodecContext.create(DECODERS[mime_type], "r"))
        decoder.options = {"err_detect": "crccheck+bitstream+buffer+explode"}
        frames = list(decoder.decode(av.Packet(data))) + list(decoder.decode(None))
    except Exception:  # noqa: BLE001 — any decoder error: not an image
        return None
    return frames[0] if len(frames) == 1 else None
