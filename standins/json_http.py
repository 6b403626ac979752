"""What the JSON-over-HTTP stand-ins share (FCM here; Google's IAM and Monitoring APIs in the
tests, through tests/support/google_json.py): a request handler that answers JSON, reads a
body, finds the OAuth bearer and refuses in Google's JSON error shape
(`{"error": {"code", "status", "message"}}`). Serving it in a thread is control.ServedOnPort's.
Each stand-in keeps its own routes and its own strictness."""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar


def google_error(code: int, status: str, message: str) -> dict[str, Any]:
    """Google's JSON error body (AIP-193), without details."""
    return {"error": {"code": code, "status": status, "message": message}}


def parse_json(raw: bytes, refuse: Callable[[str], Exception]) -> Any:
    """A request's JSON body (blank: {}); malformed JSON raises `refuse(reason)`, each stand-in
    its own error (Google's 400 INVALID_ARGUMENT for Veo, a control error for the proxy)."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise refuse(f"Invalid JSON payload received: {error}") from error


class JsonHandler(BaseHTTPRequestHandler):
    """A handler whose `do_<METHOD>` for each of `methods` calls `route(method)`; other methods
    get http.server's own 501."""

    methods: ClassVar[tuple[str, ...]] = ("GET", "POST")
    content_type: ClassVar[str] = "application/json"
    quiet: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for method in cls.methods:
            setattr(cls, f"do_{method}", lambda self, m=method: self.route(m))

    def route(self, method: str) -> None:
        raise NotImplementedError

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        if not self.quiet:
            super().log_message(format, *args)

    def answer(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def error(self, code: int, status: str, message: str) -> None:
        self.answer(code, google_error(code, status, message))

    def raw_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def bearer(self) -> str | None:
        """The OAuth access token the request carries, or None."""
        authorization = self.headers.get("Authorization") or ""
        return authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else None
