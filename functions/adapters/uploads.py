"""The photos users upload with the Cloud Storage for Firebase SDK: `uploads/{uid}/{uploadId}`
in the project's default bucket (or the Storage emulator locally), read and deleted with the
Admin's Cloud Storage client. storage.rules decide who writes them; the server reads them
with its own credentials, so what the rules let through is checked again (domain/uploads.py).
"""

from __future__ import annotations

from datetime import datetime

from adapters.gcs import _translated_errors
from adapters.shared_clients import one_per_config
from domain.uploads import UPLOADS_PREFIX
from ports import Upload


@one_per_config
def _client():
    from google.cloud import storage  # type: ignore[attr-defined]  # a namespace package to mypy

    # Locally google-cloud-storage goes to the Storage emulator by itself, with anonymous
    # credentials, whenever STORAGE_EMULATOR_HOST is set (the functions emulator sets it).
    return storage.Client()


class Uploads:
    def __init__(self, bucket: str):
        self._bucket = bucket

    def _handle(self):
        return _client().bucket(self._bucket)

    def read(self, path: str, max_bytes: int) -> Upload | None:
        from google.api_core import exceptions

        with _translated_errors():
            blob = self._handle().get_blob(path)
            if blob is None:
                return None
            try:
                # Never more than the cap and one byte: a huge object costs no memory.
                data = blob.download_as_bytes(start=0, end=max_bytes)
            except exceptions.NotFound:
                return None
        return Upload(path=path, data=data, created=blob.time_created)

    def delete(self, path: str) -> bool:
        from google.api_core import exceptions

        with _translated_errors():
            try:
                self._handle().blob(path).delete()
            except exceptions.NotFound:
                return False
        return True

    def page(self, after: str | None, limit: int) -> list[tuple[str, datetime | None]]:
        """Up to `limit` uploads (path, created) in name order after `after`; fewer: the end."""
        with _translated_errors():
            # Cloud Storage starts AT start_offset; the Storage emulator ignores it (firebase-tools
            # passes only prefix, delimiter, pageToken and maxResults on): names up to `after`
            # are skipped here, so both give the page after the cursor.
            blobs = _client().list_blobs(self._bucket, prefix=UPLOADS_PREFIX, start_offset=after, page_size=limit + 1)
            found: list[tuple[str, datetime | None]] = []
            for blob in blobs:
                if after is not None and blob.name <= after:
                    continue
                found.append((blob.name, blob.time_created))
                if len(found) == limit:
                    break
        return found
