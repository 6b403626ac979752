"""The Veo stand-in's HTTP side: routes Vertex's two calls and the control API, and delivers
an answer the way a broken network would when a network fault says so."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
from datetime import date
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from standins.json_http import parse_json
from standins.veo_checks import ApiError, check_model
from standins.veo_checks import invalid as _invalid
from standins.veo_state import _MODEL_CALL_PATH, DEFAULT_STALL_SECONDS, Fault, _log

if TYPE_CHECKING:
    from standins.veo_server import VeoStandIn


class _Handler(BaseHTTPRequestHandler):
    stand_in: VeoStandIn  # set by make_handler
    server_version = "VeoStandIn/1.0"

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        path = self.path.split("?", 1)[0]
        network: Fault | None = None
        try:
            status, payload, network = self._route(method, path)
        except ApiError as error:
            status, payload = error.http_status, error.body()
        except Exception as error:  # noqa: BLE001 - answer 500 instead of dropping the connection
            _log(f"unexpected error for {method} {path}: {error!r}")
            status, payload = 500, ApiError(500, "INTERNAL", f"stand-in bug: {error!r}").body()
        # Logged before answering, so the line belongs to the caller's time (and test output).
        if self.stand_in.log_requests:
            _log(f"{method} {path} {status}" + (f" ({network.kind} fault)" if network else ""))
        if network is None:
            try:
                self._send_json(status, payload)
            except OSError as error:  # the caller gave up (its timeout): nothing to answer
                _log(f"{method} {path}: caller went away before the answer ({error!r})")
        else:
            self._spoil(network, status, payload)

    def _route(self, method: str, path: str) -> tuple[int, Any, Fault | None]:
        if path.startswith("/_control/"):
            return (*self._control(method, path[len("/_control/") :]), None)
        match = _MODEL_CALL_PATH.match(path)
        if match is None or method != "POST":
            raise ApiError(404, "NOT_FOUND", f"No such method: {method} {path}")
        body = self._read_json()
        if match["method"] == "predictLongRunning":
            answer, network = self.stand_in.start_operation(match["project"], match["location"], match["model"], body)
        else:
            check_model(match["project"], match["location"], match["model"], self.stand_in._today or date.today())
            answer, network = self.stand_in.poll_operation(body)
        return 200, answer, network

    def _spoil(self, fault: Fault, status: int, payload: Any) -> None:
        """Delivers the answer the way a broken network would (see NETWORK_FAULTS)."""
        seconds = DEFAULT_STALL_SECONDS if fault.seconds is None else fault.seconds
        self.close_connection = True
        try:
            if fault.kind == "reset":
                # SO_LINGER 0: close() sends a RST instead of a FIN.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
            elif fault.kind == "stall":
                self.stand_in.hold(seconds)
                self._send_json(status, payload)  # if anyone is still listening
            else:  # slow_body
                data = json.dumps(payload).encode("utf-8")
                self._send_head(status, len(data))
                half = max(1, len(data) // 2)
                self.wfile.write(data[:half])
                self.wfile.flush()
                self.stand_in.hold(seconds)
                self.wfile.write(data[half:])
        except OSError:
            pass  # the client gave up: that is the point of the fault

    def _control(self, method: str, action: str) -> tuple[int, Any]:
        if method == "GET" and action == "health":
            return 200, {"status": "ok"}
        if method == "GET" and action == "stats":
            return 200, self.stand_in.stats()
        if method == "POST" and action == "faults":
            return 200, self.stand_in.add_faults(self._read_json())
        if method == "POST" and action == "config":
            return 200, self.stand_in.configure(self._read_json())
        if method == "POST" and action == "reset":
            self._read_json()
            return 200, self.stand_in.reset()
        raise ApiError(404, "NOT_FOUND", f"No such control call: {method} /_control/{action}")

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return parse_json(self.rfile.read(length) if length else b"", _invalid)

    def _send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode("utf-8")
        self._send_head(status, len(data))
        self.wfile.write(data)

    def _send_head(self, status: int, length: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def finish(self) -> None:
        # a connection reset on purpose (or by the client) has nothing to flush
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        # The one line per request is written by _dispatch; silence the default access log.
        pass


def make_handler(server: VeoStandIn) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (_Handler,), {"stand_in": server})
