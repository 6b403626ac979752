"""What the stand-ins share: a JSON client for their `/_control/` APIs and the CLI's
run-until-signalled loop."""

from __future__ import annotations

import json
import signal
import socketserver
import threading
import urllib.error
import urllib.request
from typing import Any

CONTROL_PREFIX = "/_control/"


class ControlClient:
    """Client for a stand-in's control API, for tests (standard library only)."""

    def __init__(self, base_url: str, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def faults(self, faults: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("POST", "faults", {"faults": faults})

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "stats")

    def reset(self) -> dict[str, Any]:
        return self._call("POST", "reset", {})

    def health(self) -> dict[str, Any]:
        return self._call("GET", "health")

    def _call(self, method: str, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            f"{self.base_url}{CONTROL_PREFIX}{action}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            raise RuntimeError(f"{method} {CONTROL_PREFIX}{action} failed: {error.code} {detail}") from error


class ServedOnPort:
    """The address and `with` support of a stand-in that runs an http.server in a thread;
    the class provides `host`, `_httpd`, `start()` (returning self) and `stop()`."""

    host: str
    _httpd: socketserver.TCPServer | None

    def start(self) -> Any:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("not started")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


def run_until_signalled(server) -> threading.Event:
    """Starts `server` and returns an event set on SIGTERM or SIGINT (for a clean exit 0)."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    server.start()
    return stopping
