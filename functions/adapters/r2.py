"""Cloudflare R2 (S3-compatible) through boto3: where finished videos live."""
from __future__ import annotations


from adapters.shared_clients import one_per_config
from domain.errors import ExternalServiceError
from domain.generation import is_transient_status

SERVICE = "r2"
VIDEO_CONTENT_TYPE = "video/mp4"
PART_SIZE = 8 * 1024 * 1024


@one_per_config
def _client(endpoint: str, region: str, key_id: str, secret: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint or None,
        region_name=region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        # Our own bounded retries decide; botocore's would multiply them.
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5,
                      read_timeout=60, signature_version="s3v4"),
    )


class MediaBucket:
    def __init__(self, endpoint: str, region: str, bucket: str, public_base_url: str,
                 key_id: str, secret: str):
        self._client_args = (endpoint, region, key_id, secret)
        self.bucket = bucket
        self.public_base_url = public_base_url.rstrip("/")

    @property
    def _s3(self):
        return _client(*self._client_args)

    def public_url(self, key: str) -> str:
        return f"{self.public_base_url}/{key}"

    def upload_stream(self, reader, key: str) -> None:
        """Multipart upload from a file-like reader: memory stays at a few parts, whatever the size."""
        from boto3.s3.transfer import TransferConfig

        with _translated_errors():
            self._s3.upload_fileobj(
                reader, self.bucket, key,
                ExtraArgs={"ContentType": VIDEO_CONTENT_TYPE, "CacheControl": "public, max-age=31536000"},
                Config=TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE,
                                      max_concurrency=2, use_threads=True),
            )

    def upload_bytes(self, data: bytes, key: str) -> None:
        with _translated_errors():
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=VIDEO_CONTENT_TYPE)

    def copy(self, source_key: str, target_key: str) -> None:
        """Server-side copy: the video does not pass through the function."""
        with _translated_errors():
            self._s3.copy_object(Bucket=self.bucket, Key=target_key, ContentType=VIDEO_CONTENT_TYPE,
                                 CopySource={"Bucket": self.bucket, "Key": source_key},
                                 MetadataDirective="REPLACE")

    def delete(self, key: str) -> None:
        """Deleting a missing object succeeds (S3 semantics), so a repeat is harmless."""
        with _translated_errors():
            self._s3.delete_object(Bucket=self.bucket, Key=key)

    def list_keys(self, prefix: str = "") -> list[tuple[str, object]]:
        """(key, last_modified) pairs under a prefix."""
        keys = []
        with _translated_errors():
            paginator = self._s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend((o["Key"], o["LastModified"]) for o in page.get("Contents", []))
        return keys


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
            raise ExternalServiceError(SERVICE, str(exc), transient=is_transient_status(status),
                                       status=status) from exc
        if isinstance(exc, (exceptions.BotoCoreError, ConnectionError, TimeoutError, OSError)):
            raise ExternalServiceError(SERVICE, repr(exc), transient=True) from exc
        # boto3's transfer manager wraps part failures in its own error type
        if type(exc).__module__.startswith("boto3") or type(exc).__module__.startswith("s3transfer"):
            raise ExternalServiceError(SERVICE, repr(exc), transient=True) from exc
        return False
