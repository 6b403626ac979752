"""What Cloudflare R2's S3 API refuses that moto accepts, answered the way R2 answers it.

A stand-in kinder than the service hides bugs: moto takes boto3's default checksums in any
form, R2 does not. What R2 does, as found on 2026-11-28:

- Trailing checksums. boto3 >= 1.36 (botocore `request_checksum_calculation="when_supported"`,
  the default) sends PutObject and UploadPart bodies over HTTPS as `Content-Encoding:
  aws-chunked` with `x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER` and a CRC32
  in a trailer named by `x-amz-trailer` (botocore/httpchecksum.py: trailers only over TLS,
  headers over plain HTTP, which is why moto over http:// never showed it). R2 rejects that
  form with 401 `Unauthorized`, message `Unauthorized`, which reads like a bad token:
  github.com/amd/gaia/pull/3029 (2026-08-20, "died on Unauthorized from PutObject ... boto3
  >= 1.36 ... sends it as an aws-chunked trailer. R2 doesn't accept that format").
- Checksum algorithms: developers.cloudflare.com/r2/api/s3/api/ ("Checksum types"):
  CRC64NVME only as FULL_OBJECT; CRC32, CRC32C, SHA1 and SHA256 only as COMPOSITE. Anything
  else is not implemented. R2 answers a checksum header it does not implement with 501
  `NotImplemented`, "Header 'x-amz-checksum-crc32' with value '...' not implemented" (seen with
  aws-sdk-js 3.729.0 before R2 added CRC32: cloudflare/cloudflare-docs#19236, 2025-01-16).
  The exact text R2 gives for a refused checksum *type* was not found; the same form is used.

Signed aws-chunked bodies without a trailer (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) are not
refused here: no report says what R2 does with them, and no client of ours sends them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

FULL_OBJECT, COMPOSITE = "FULL_OBJECT", "COMPOSITE"
# algorithm (as in the header names) -> the one checksum type R2 implements for it
R2_CHECKSUM_TYPES = {
    "crc64nvme": FULL_OBJECT,
    "crc32": COMPOSITE,
    "crc32c": COMPOSITE,
    "sha1": COMPOSITE,
    "sha256": COMPOSITE,
}
TRAILER_PAYLOADS = frozenset({"STREAMING-UNSIGNED-PAYLOAD-TRAILER", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"})
# x-amz-checksum-* headers that are not a checksum value
_CHECKSUM_META = {"x-amz-checksum-mode", "x-amz-checksum-type", "x-amz-checksum-algorithm"}
_ALGORITHM_HEADERS = ("x-amz-sdk-checksum-algorithm", "x-amz-checksum-algorithm")


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


UNAUTHORIZED = Refusal(401, "Unauthorized", "Unauthorized")


def _not_implemented(header: str, value: str) -> Refusal:
    return Refusal(501, "NotImplemented", f"Header '{header}' with value '{value}' not implemented")


def refusal(headers: Iterable[tuple[str, str]]) -> Refusal | None:
    """R2's answer to a request with these headers, or None if R2 would take it."""
    seen = {name.lower(): value.strip() for name, value in headers}
    if "x-amz-trailer" in seen or seen.get("x-amz-content-sha256", "").upper() in TRAILER_PAYLOADS:
        return UNAUTHORIZED

    algorithm = None
    for header in _ALGORITHM_HEADERS:
        if header in seen:
            algorithm = seen[header].lower()
            if algorithm not in R2_CHECKSUM_TYPES:
                return _not_implemented(header, seen[header])
    for header, value in seen.items():
        if header.startswith("x-amz-checksum-") and header not in _CHECKSUM_META:
            name = header[len("x-amz-checksum-") :]
            if name not in R2_CHECKSUM_TYPES:
                return _not_implemented(header, value)
            algorithm = algorithm or name

    checksum_type = seen.get("x-amz-checksum-type")
    if checksum_type is not None and (algorithm is None or R2_CHECKSUM_TYPES[algorithm] != checksum_type.upper()):
        return _not_implemented("x-amz-checksum-type", checksum_type)
    return None
