"""Cloud Storage for Firebase as the app uses it: the Firebase Storage API (/v0) of the Storage
emulator, with the user's Auth-emulator ID token, so storage.rules decide every call exactly as
for the mobile SDKs. (google-cloud-storage, like the server, goes around the rules.)"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import requests

STORAGE_PORT = 9199
ENDPOINT = f"http://127.0.0.1:{STORAGE_PORT}"
DEFAULT_BUCKET = "demo-phoenix.appspot.com"


@dataclass
class StorageClient:
    id_token: str | None
    bucket: str = DEFAULT_BUCKET

    def _headers(self, extra: dict | None = None) -> dict:
        headers = dict(extra or {})
        if self.id_token:
            headers["Authorization"] = f"Firebase {self.id_token}"
        return headers

    def _object_url(self, path: str) -> str:
        return f"{ENDPOINT}/v0/b/{self.bucket}/o/{urllib.parse.quote(path, safe='')}"

    def upload(self, path: str, data: bytes, content_type: str | None = "image/jpeg") -> int:
        """A one-shot upload, as the SDKs' putData/uploadBytes send it: the HTTP status."""
        url = f"{ENDPOINT}/v0/b/{self.bucket}/o?name={urllib.parse.quote(path, safe='')}"
        headers = {"Content-Type": content_type} if content_type else {}
        resp = requests.post(url, data=data, headers=self._headers(headers), timeout=60)
        return resp.status_code

    def read(self, path: str) -> tuple[int, bytes]:
        resp = requests.get(self._object_url(path) + "?alt=media", headers=self._headers(), timeout=30)
        return resp.status_code, resp.content

    def metadata(self, path: str) -> int:
        return requests.get(self._object_url(path), headers=self._headers(), timeout=30).status_code

    def delete(self, path: str) -> int:
        return requests.delete(self._object_url(path), headers=self._headers(), timeout=30).status_code

    def list(self, prefix: str) -> int:
        url = f"{ENDPOINT}/v0/b/{self.bucket}/o?prefix={urllib.parse.quote(prefix, safe='')}&delimiter=/"
        return requests.get(url, headers=self._headers(), timeout=30).status_code


def admin_bucket(bucket: str = DEFAULT_BUCKET):
    """The bucket as the server sees it (google-cloud-storage through STORAGE_EMULATOR_HOST)."""
    from google.cloud import storage  # type: ignore[attr-defined]

    return storage.Client().bucket(bucket)


def allowed(status: int) -> str:
    """ "allowed" (2xx), "denied" (403); anything else is a failure of the test, not a verdict."""
    if 200 <= status < 300:
        return "allowed"
    if status == 403:
        return "denied"
    raise AssertionError(f"neither allowed nor denied: HTTP {status}")
