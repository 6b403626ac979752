"""What the stand-ins share: a JSON client for their `/_control/` APIs, serving in a thread,
and the CLI's run-until-signalled loop."""

from __future__ import annotations

import json
import signal
import socket
import socketserver
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

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
    """The lifecycle, address and `with` support of a stand-in that runs an http.server in a
    daemon thread: the class provides `host`, `requested_port` and `_make_httpd()`; a stand-in
    with more to let go on stop overrides `stop()` around `super().stop()`."""

    host: str
    requested_port: int = 0
    thread_name: str = "stand-in"
    _httpd: socketserver.TCPServer | None = None
    _thread: threading.Thread | None = None

    def _make_httpd(self) -> socketserver.TCPServer:
        raise NotImplementedError

    def start(self) -> Self:
        if self._httpd is not None:
            raise RuntimeError("already started")
        self._httpd = self._make_httpd()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},  # stop() waits up to one interval
            name=f"{self.thread_name}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
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


class ServiceHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server that takes a burst of connections as a real service's front end
    does. Python's listen backlog is 5: a burst of clients (20 finalize requests polling at
    once) overflowed it while the accept loop waited for the CPU, and a client's connection
    was reset, a failure the service it stands for would not have caused. Request threads do
    not hold the process up at exit."""

    daemon_threads = True
    request_queue_size = socket.SOMAXCONN


def threading_server(host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    return ServiceHTTPServer((host, port), handler)


def run_until_signalled(server) -> threading.Event:
    """Starts `server` and returns an event set on SIGTERM or SIGINT (for a clean exit 0)."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    server.start()
    return stopping
