"""Google's REST APIs from the operator CLI (iam, monitoring): one place that turns "no
credentials", "cannot connect" and an API's error answer into one line (`ConnectionProblem`),
which `python -m ops` prints without a traceback, and that reads a paged list to its end.
Whether the stack or the credentials are there at all is devstack/preflight.py's, checked
before any command runs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
TIMEOUT_SECONDS = 30


class ConnectionProblem(Exception):
    """Why a command cannot talk to what it needs, in one line."""


def google_session(scopes: tuple[str, ...] = (CLOUD_PLATFORM,)):
    """An authorized session from Application Default Credentials, or ConnectionProblem."""
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError
    from google.auth.transport.requests import AuthorizedSession

    try:
        credentials, _ = google.auth.default(scopes=list(scopes))
    except DefaultCredentialsError:
        raise ConnectionProblem(
            "no Google credentials: run `gcloud auth application-default login` (or set GOOGLE_APPLICATION_CREDENTIALS)"
        ) from None
    return AuthorizedSession(credentials)


def call(session, method: str, url: str, body: dict | None = None, params: dict | None = None) -> dict[str, Any]:
    """One JSON API call; any failure is a ConnectionProblem naming the call and Google's reason."""
    import requests

    try:
        answer = session.request(method, url, json=body, params=params, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise ConnectionProblem(f"cannot reach {urlsplit(url).netloc}: {type(exc).__name__}") from None
    except Exception as exc:  # noqa: BLE001 — e.g. credentials that cannot be refreshed
        raise ConnectionProblem(f"cannot call {urlsplit(url).netloc}: {type(exc).__name__}: {exc}") from None
    if answer.status_code >= 400:
        try:
            error = answer.json().get("error", {})
            reason = f"{error.get('status', '')} {error.get('message', '')}".strip()
        except ValueError:
            reason = answer.text[:200]
        raise ConnectionProblem(f"{method} {url} answered {answer.status_code}: {reason}")
    return answer.json() if answer.content else {}


def list_all(session, url: str, key: str) -> list[dict]:
    """Every item of a paged Google list call (`key` on each page, `nextPageToken` to the next)."""
    items, token = [], None
    while True:
        page = call(session, "GET", url, params={"pageToken": token} if token else None)
        items += page.get(key, [])
        token = page.get("nextPageToken")
        if not token:
            return items
