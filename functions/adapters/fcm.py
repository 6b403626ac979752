"""FCM HTTP v1 (`POST /v1/projects/{project}/messages:send`) with the functions' credentials.

The REST API through google-auth's AuthorizedSession: an OAuth 2 access token with the
firebase.messaging scope on every call, refreshed when it expires (and once more on a 401).
In production the credentials are the function's own service account (Application Default
Credentials); locally, a service account key whose token_uri is the stand-in's OAuth endpoint,
so the same token exchange (a signed JWT for an access token) runs against
standins/fcm_server.py.
"""

from __future__ import annotations

import threading
from typing import Any

from domain.notifications import SendKind, SendResult, classify, parse_retry_after

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
PRODUCTION_URL = "https://fcm.googleapis.com"
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"


class Fcm:
    def __init__(self, project_id: str, base_url: str = "", credentials_file: str = "", timeout_s: float = 10.0):
        self.project_id = project_id
        self.base_url = (base_url or PRODUCTION_URL).rstrip("/")
        self.credentials_file = credentials_file
        self.timeout_s = timeout_s
        self._session: Any = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"{self.base_url}/v1/projects/{self.project_id}/messages:send"

    def _authorized(self):
        with self._lock:
            if self._session is None:
                from google.auth.transport.requests import AuthorizedSession

                if self.credentials_file:
                    from google.oauth2 import service_account

                    credentials = service_account.Credentials.from_service_account_file(
                        self.credentials_file, scopes=[SCOPE]
                    )
                else:
                    import google.auth

                    credentials, _ = google.auth.default(scopes=[SCOPE])
                self._session = AuthorizedSession(credentials)
            return self._session

    def send(self, message: dict) -> SendResult:
        import google.auth.exceptions
        import requests

        try:
            session = self._authorized()
        except Exception as exc:  # noqa: BLE001 — no usable credentials: no message can go, none is retried
            return SendResult(SendKind.REFUSED, "CREDENTIALS", detail=str(exc)[:300])
        try:
            resp = session.post(self.url, json={"message": message}, timeout=self.timeout_s)
        except (requests.RequestException, google.auth.exceptions.TransportError) as exc:
            return SendResult(SendKind.RETRY, "NETWORK", detail=str(exc)[:300])
        except google.auth.exceptions.RefreshError as exc:
            # The token exchange itself was refused: our credentials, not this message.
            return SendResult(SendKind.REFUSED, "AUTH", detail=str(exc)[:300])
        if resp.status_code == 200:
            try:
                name = resp.json().get("name")
            except ValueError:
                name = None
            return SendResult(SendKind.SENT, message_name=name if isinstance(name, str) else None)
        status, fcm_code, text = _error_of(resp)
        return classify(resp.status_code, status, fcm_code, text, parse_retry_after(resp.headers.get("Retry-After")))


def _error_of(resp) -> tuple[str, str | None, str]:
    """(status, FcmError errorCode, message) of Google's JSON error body, as far as it goes."""
    try:
        error = resp.json().get("error") or {}
    except ValueError:
        return "", None, resp.text[:300]
    if not isinstance(error, dict):
        return "", None, str(error)[:300]
    fcm_code = None
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("@type") == FCM_ERROR_TYPE:
            fcm_code = detail.get("errorCode")
    return str(error.get("status") or ""), fcm_code, str(error.get("message") or "")[:300]
