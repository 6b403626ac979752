"""Cloudflare R2 (S3-compatible) through boto3: where finished videos live.

What R2 needs from boto3 (checked 2026-11-28; sources in standins/r2_compat.py and
docs/operations.md "R2"):
- `request_checksum_calculation="when_required"`: since boto3 1.36 the default
  ("when_supported") adds a CRC32 to every PutObject/UploadPart, and over HTTPS sends it as an
  aws-chunked trailer (`x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`), which R2
  refuses with 401 Unauthorized. With "when_required" the body is sent plain and SigV4 signs
  its SHA-256 instead, so integrity is still checked end to end.
- `response_checksum_validation="when_required"`: no `x-amz-checksum-mode` on reads, which
  S3-compatible services do not all implement; TLS already protects the bytes.
- region "auto" (R2 maps us-east-1 and "" to it), SigV4, path-style addressing (the bucket
  in the path: one host name, covered by R2's certificate, and the same form locally).
- `verify`: a CA bundle only for the local HTTPS stand-in; empty means the system CAs.
"""

from __future__ import annotations

import enum
from urllib.parse import quote

from adapters.shared_clients import one_per_config
from domain.errors import ExternalServiceError
from domain.generation import is_transient_status

SERVICE = "r2"
VIDEO_CONTENT_TYPE = "video/mp4"
PART_SIZE = 8 * 1024 * 1024


class Visibility(enum.Enum):
    """Who may keep a copy of an object: its Cache-Control.

    PRIVATE (drafts): only the owner's browser may cache it; shared caches (Cloudflare's edge,
    proxies) must not store it. PUBLIC (the published copy): any cache may keep it, but only
    for five minutes, so an unpublish, delete or takedown is gone everywhere within minutes
    (sooner with a purge of the URL, see docs/operations.md).
    """

    PRIVATE = "private, max-age=3600"
    PUBLIC = "public, max-age=300"

    @property
    def cache_control(self) -> str:
        return self.value


PRIVATE, PUBLIC = Visibility.PRIVATE, Visibility.PUBLIC


@one_per_config
def _client(endpoint: str, region: str, key_id: str, secret: str, ca_bundle: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint or None,
        region_name=region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        verify=ca_bundle or None,
        config=client_config(),
    )


def client_config():
    """The botocore settings R2 needs (module docstring); tests build their clients from it."""
    from botocore.config import Config

    return Config(
        # Our own bounded retries decide; botocore's would multiply them.
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


class MediaBucket:
    def __init__(
        self,
        endpoint: str,
        region: str,
        bucket: str,
        public_base_url: str,
        key_id: str,
        secret: str,
        ca_bundle: str = "",
    ):
        self._client_args = (endpoint, region, key_id, secret, ca_bundle)
        self.bucket = bucket
        self.public_base_url = public_base_url.rstrip("/")

    @property
    def _s3(self):
        return _client(*self._client_args)

    def public_url(self, key: str) -> str:
        """The key percent-encoded segment by segment, so no key can change what the URL names
        ('?' starting a query, '#' a fragment, '%' an escape). Dot segments are refused: URL
        parsers resolve '..' even when percent-encoded (WHATWG URL: '%2e%2e' is a dot segment)."""
        segments = key.split("/")
        if any(segment in ("", ".", "..") for segment in segments):
            raise ValueError(f"not a media key: {key!r}")
        return f"{self.public_base_url}/" + "/".join(quote(segment, safe="") for segment in segments)

    def upload_stream(self, reader, key: str, visibility: Visibility = PRIVATE) -> None:
        """Multipart upload from a file-like reader: memory stays at a few parts, whatever the size."""
        from boto3.s3.transfer import TransferConfig

        with _translated_errors():
            self._s3.upload_fileobj(
                reader,
                self.bucket,
                key,
                ExtraArgs=_object_headers(visibility),
                Config=TransferConfig(
                    multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=2, use_threads=True
                ),
            )

    def upload_bytes(
        self, data: bytes, key: str, visibility: Visibility = PRIVATE, content_type: str = VIDEO_CONTENT_TYPE
    ) -> None:
        with _translated_errors():
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, **_object_headers(visibility, content_type))

    def download_to(self, key: str, writer) -> None:
        """The object's bytes into a file-like writer (a poster's video: a few MB)."""
        with _translated_errors():
            self._s3.download_fileobj(self.bucket, key, writer)

    def copy(
        self,
        source_key: str,
        target_key: str,
        visibility: Visibility = PUBLIC,
        content_type: str = VIDEO_CONTENT_TYPE,
    ) -> None:
        """Server-side copy: the video does not pass through the function. The copy's headers
        are set here (REPLACE), not inherited: a public copy of a private draft must not keep
        the draft's Cache-Control."""
        with _translated_errors():
            self._s3.copy_object(
                Bucket=self.bucket,
                Key=target_key,
                CopySource={"Bucket": self.bucket, "Key": source_key},
                MetadataDirective="REPLACE",
                **_object_headers(visibility, content_type),
            )

    def delete(self, key: str) -> None:
        """Deleting a missing object succeeds (S3 semantics), so a repeat is harmless."""
        with _translated_errors():
            self._s3.delete_object(Bucket=self.bucket, Key=key)

    def list_keys(self, prefix: str = "") -> list[tuple[str, object]]:
        """(key, last_modified) pairs under a prefix."""
        keys: list[tuple[str, object]] = []
        with _translated_errors():
            paginator = self._s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend((o["Key"], o["LastModified"]) for o in page.get("Contents", []))
        return keys


def _object_headers(visibility: Visibility, content_type: str = VIDEO_CONTENT_TYPE) -> dict[str, str]:
    if not isinstance(visibility, Visibility):
        raise TypeError(f"visibility must be PRIVATE or PUBLIC, got {visibility!r}")
    return {"ContentType": content_type, "CacheControl": visibility.cache_control}


class _translated_errors:
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            return False
        if isinstance(exc, ExternalServiceError):
            return False  # already sorted, e.g. by the reader we were streaming from
        from botocore import exceptions

        if isinstance(exc, exceptions.ClientError):
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            raise ExternalServiceError(SERVICE, str(exc), transient=is_transient_status(status), status=status) from exc
        if isinstance(exc, (exceptions.BotoCoreError, ConnectionError, TimeoutError, OSError)):
            raise ExternalServiceError(SERVICE, repr(exc), transient=True) from exc
        # boto3's transfer manager wraps part failures in its own error type
        if type(exc).__module__.startswith("boto3") or type(exc).__module__.startswith("s3transfer"):
            raise ExternalServiceError(SERVICE, repr(exc), transient=True) from exc
        return False
