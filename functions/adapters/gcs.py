"""Veo's temporary output in Google Cloud Storage.

Locally that is the Firebase Storage emulator: google-cloud-storage itself goes there, with
anonymous credentials, whenever STORAGE_EMULATOR_HOST is set (the functions emulator sets it).
"""

from __future__ import annotations

from adapters.shared_clients import one_per_config
from domain.errors import ExternalServiceError
from domain.generation import is_transient_status
from domain.media import temp_object_prefix

SERVICE = "gcs"


@one_per_config
def _client():
    from google.cloud import storage  # type: ignore[attr-defined]  # a namespace package to mypy

    return storage.Client()


def temp_prefix_uri(bucket: str, creation_id: str) -> str:
    return f"gs://{bucket}/{temp_object_prefix(creation_id)}"


def _split(uri: str) -> tuple[str, str]:
    if not uri.startswith("gs://"):
        raise ValueError(f"not a gs:// URI: {uri}")
    bucket, _, path = uri[5:].partition("/")
    return bucket, path


class TempStorage:
    def open_read(self, uri: str):
        """A file-like reader that streams the object in chunks (videos can be large)."""
        bucket, path = _split(uri)
        with _translated_errors():
            blob = _client().bucket(bucket).blob(path)
            return _TranslatingReader(blob.open("rb", chunk_size=8 * 1024 * 1024))

    def delete_prefix(self, uri: str) -> int:
        """Deletes every object under a gs:// prefix; a missing object is not an error."""
        from google.api_core import exceptions

        bucket, prefix = _split(uri)
        deleted = 0
        with _translated_errors():
            client = _client()
            for blob in client.list_blobs(bucket, prefix=prefix):
                try:
                    blob.delete()
                    deleted += 1
                except exceptions.NotFound:
                    pass
        return deleted


class _TranslatingReader:
    """Errors surface while reading, inside whoever consumes the stream: sort them here."""

    def __init__(self, raw):
        self._raw = raw

    def read(self, size: int = -1) -> bytes:
        with _translated_errors():
            return self._raw.read(size)

    def close(self) -> None:
        self._raw.close()


class _translated_errors:
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            return False
        from google.api_core import exceptions

        if isinstance(exc, exceptions.NotFound):
            raise ExternalServiceError(SERVICE, str(exc), transient=False, status=404) from exc
        if isinstance(exc, exceptions.GoogleAPICallError):
            status = getattr(exc, "code", None)
            raise ExternalServiceError(SERVICE, str(exc), transient=is_transient_status(status), status=status) from exc
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)) or "requests" in type(exc).__module__:
            raise ExternalServiceError(SERVICE, repr(exc), transient=True) from exc
        return False
