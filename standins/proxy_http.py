"""The fault proxy's HTTP side: routes the control API, and decides what each S3 request gets:
a queued fault, R2's refusal (standins/r2_compat.py), or the relay to upstream
(standins/http_relay.py does the framing)."""

from __future__ import annotations

import json
import ssl
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from standins.control import CONTROL_PREFIX
from standins.http_relay import ClientGone, RelayHandler, is_chunked
from standins.json_http import parse_json
from standins.r2_compat import refusal as r2_refusal

if TYPE_CHECKING:
    from standins.fault_proxy import FaultProxy

# kind: (HTTP status, S3 error code, message), answered without forwarding.
ERROR_FAULTS = {
    "slowdown": (503, "SlowDown", "Please reduce your request rate."),
    "internal": (500, "InternalError", "We encountered an internal error. Please try again."),
    # A revoked or wrong-scoped token: R2 answers 403 until someone fixes the credentials.
    "access_denied": (403, "AccessDenied", "Access Denied"),
}
PROXIED_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS")


class ControlError(Exception):
    """A bad control call, answered as 4xx JSON."""

    def __init__(self, message: str, http_status: int = 400):
        super().__init__(message)
        self.http_status = http_status
        self.message = message


def s3_error_body(code: str, message: str, resource: str, request_id: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"<Resource>{escape(resource)}</Resource><RequestId>{request_id}</RequestId></Error>"
    ).encode()


def _log(message: str) -> None:
    print(f"fault-proxy: {message}", file=sys.stderr, flush=True)


class _Handler(RelayHandler):
    proxy: FaultProxy  # set by make_handler

    def note(self, message: str) -> None:
        if self.proxy.log_requests:
            _log(message)

    server_version = "FaultProxy/1.0"

    def _dispatch(self) -> None:
        method, target = self.command, self.path
        if target.split("?", 1)[0].startswith(CONTROL_PREFIX):
            self._control(method, target.split("?", 1)[0][len(CONTROL_PREFIX) :])
            return
        try:
            self._proxy(method, target)
        except ClientGone as gone:
            self.note(f"{method} {target}: client connection unusable ({gone})")
            self.close_connection = True

    # ----- proxying: fault, refusal, or relay

    def _proxy(self, method: str, target: str) -> None:
        chunked = is_chunked(self.headers)
        if chunked is None:
            self.proxy.take_fault(method, target, consume=False)  # counted, but no fault is used up
            self.close_connection = True  # its body cannot be framed, so the line is lost
            self.send_plain(501, "fault-proxy: unsupported Transfer-Encoding for a request body")
            return
        if self.proxy.speaks_tls and not isinstance(self.connection, ssl.SSLSocket):
            self.proxy.take_fault(method, target, consume=False)
            # Not R2's answer (R2 is reached by https:// only): a loud local guard, because a
            # client on plain HTTP would hide what R2 refuses (see standins/r2_compat.py).
            self.discard_request_body(chunked)
            self.send_plain(
                400,
                "fault-proxy: this local R2 endpoint takes S3 requests over "
                "HTTPS only, like R2: use https:// and trust R2_CA_BUNDLE",
            )
            return
        fault = self.proxy.take_fault(method, target)
        if fault is not None and fault.kind != "delay":
            # Read the whole body first, so the client is not left blocked on a send.
            self.discard_request_body(chunked)
            if fault.kind == "reset":
                self.note(f"{method} {target} -> fault reset (connection dropped)")
                self.reset_connection()
                return
            status, code, message = ERROR_FAULTS[fault.kind]
            self.note(f"{method} {target} -> fault {fault.kind} ({status})")
            self._send_s3_error(status, code, message, target)
            return
        if fault is not None:  # delay, then forward as usual
            self.note(f"{method} {target}: fault delay {fault.delay_seconds}s")
            time.sleep(fault.delay_seconds)
        refused = r2_refusal(self.headers.items())
        if refused is not None:
            self.discard_request_body(chunked)
            self.proxy.count_refused()
            self.note(f"{method} {target} -> refused as R2 does ({refused.status} {refused.code})")
            self._send_s3_error(refused.status, refused.code, refused.message, target)
            return
        self.forward(self.proxy.upstream_server, method, target, chunked)

    def relay_answered(self, method: str, target: str, status: int) -> None:
        self.proxy.count_forwarded()
        self.note(f"{method} {target} -> {status}")

    def relay_failed(self, method: str, target: str, error: BaseException) -> None:
        self.proxy.count_upstream_error()
        self.note(f"{method} {target} -> 502 (upstream {self.proxy.upstream}: {error!r})")

    def relay_broken(self, method: str, error: BaseException) -> None:
        self.note(f"{method} {self.path}: response relay broken ({error!r})")

    def _send_s3_error(self, status: int, code: str, message: str, target: str) -> None:
        request_id = uuid.uuid4().hex[:16].upper()
        body = s3_error_body(code, message, target.split("?", 1)[0], request_id)
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("x-amz-request-id", request_id)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":  # as S3 does: a HEAD error has no body
            self.wfile.write(body)

    # ----- control API

    def _control(self, method: str, action: str) -> None:
        try:
            body = self._read_json()
            if method == "GET" and action == "health":
                status, payload = 200, {"status": "ok", "upstream": self.proxy.upstream}
            elif method == "GET" and action == "stats":
                status, payload = 200, self.proxy.stats()
            elif method == "GET" and action == "faults":
                status, payload = 200, self.proxy.pending_faults()
            elif method == "POST" and action == "faults":
                status, payload = 200, self.proxy.add_faults(body)
            elif method == "POST" and action == "reset":
                status, payload = 200, self.proxy.reset()
            else:
                raise ControlError(f"No such control call: {method} {CONTROL_PREFIX}{action}", 404)
        except ControlError as error:
            status, payload = error.http_status, {"error": error.message}
        self.note(f"{method} {CONTROL_PREFIX}{action} {status}")
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(data)

    def _read_json(self) -> Any:
        if is_chunked(self.headers) is not False:
            self.close_connection = True
            raise ControlError("control calls take a Content-Length body")
        length = int(self.headers.get("Content-Length") or 0)
        return parse_json(self.rfile.read(length) if length else b"", ControlError)

    def log_message(self, format: str, *args: Any) -> None:
        # One line per request is written by the proxy itself; silence the default access log.
        pass


for proxied_method in PROXIED_METHODS:
    setattr(_Handler, f"do_{proxied_method}", _Handler._dispatch)


def make_handler(proxy: FaultProxy) -> type[RelayHandler]:
    return type("Handler", (_Handler,), {"proxy": proxy})
