"""A fault-injecting HTTP reverse proxy: lets R2 (S3) fail the ways a real network service fails.

The backend's boto3 client is pointed at the proxy and the proxy forwards every request, byte for
byte, to the real (or moto) S3 endpoint behind it. Tests queue faults through `/_control/`:
`slowdown` (503 SlowDown), `internal` (500 InternalError), `reset` (the connection is dropped
with no response) and `delay` (the request is held, then forwarded). Standard library only.

It is also where the local R2 is as strict as R2: requests R2 refuses (aws-chunked trailing
checksums, checksum algorithms R2 does not implement) get R2's error and never reach moto
(see standins/r2_compat.py). Given a certificate (`tls=(cert, key)`), the port speaks HTTPS
like R2 does, because boto3 sends its checksums differently over HTTPS; plain HTTP on the
same port then serves only the control API (so `http://host:port/_control/...` keeps working).

Run:  python -m standins.fault_proxy --port 9010 --upstream http://127.0.0.1:9000 \
          [--tls-cert cert.pem --tls-key key.pem]
Use in-process:  proxy = FaultProxy("http://127.0.0.1:9000", port=0); proxy.start(); ...; proxy.stop()
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, Optional
from xml.sax.saxutils import escape

from standins.control import CONTROL_PREFIX, ControlClient, ServedOnPort, run_until_signalled
from standins.r2_compat import refusal as r2_refusal

DEFAULT_PORT = 9010
DEFAULT_UPSTREAM = "http://127.0.0.1:9000"
DEFAULT_UPSTREAM_TIMEOUT = 120.0
CHUNK_SIZE = 64 * 1024
TLS_HANDSHAKE_BYTE = 0x16  # the first byte of a TLS ClientHello; an HTTP request starts with a letter
HANDSHAKE_TIMEOUT = 10.0

# kind: (HTTP status, S3 error code, message), answered without forwarding.
ERROR_FAULTS = {
    "slowdown": (503, "SlowDown", "Please reduce your request rate."),
    "internal": (500, "InternalError", "We encountered an internal error. Please try again."),
}
FAULT_KINDS = tuple(ERROR_FAULTS) + ("reset", "delay")

# Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are not relayed. Expect is
# answered by the proxy itself (it sends the "100 Continue"), so it is not relayed either; SigV4
# never signs it. Transfer-Encoding is handled by the relaying code, not by this list.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "expect"}
)
PROXIED_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS")


class ControlError(Exception):
    """A bad control call, answered as 4xx JSON."""

    def __init__(self, message: str, http_status: int = 400):
        super().__init__(message)
        self.http_status = http_status
        self.message = message


class ClientGone(Exception):
    """The client's request body ended early or was malformed: the connection cannot be reused."""


@dataclass
class Fault:
    kind: str
    method: Optional[str] = None  # upper case; None matches any method
    path_contains: Optional[str] = None  # matched against path + query as the client sent them
    times: int = 1
    delay_seconds: float = 0.0

    @classmethod
    def from_json(cls, spec: Any) -> "Fault":
        if not isinstance(spec, dict):
            raise ControlError(f"each fault must be an object, got {spec!r}")
        unknown = set(spec) - {"kind", "method", "pathContains", "times", "delaySeconds"}
        if unknown:
            raise ControlError(f"unknown fault fields {sorted(unknown)}")
        kind, method, path_contains = spec.get("kind"), spec.get("method"), spec.get("pathContains")
        times, delay = spec.get("times", 1), spec.get("delaySeconds")
        if kind not in FAULT_KINDS:
            raise ControlError(f"fault 'kind' must be one of {list(FAULT_KINDS)}, got {kind!r}")
        if method is not None and (not isinstance(method, str) or not method.strip()):
            raise ControlError(f"fault 'method' must be an HTTP method or null, got {method!r}")
        if path_contains is not None and not isinstance(path_contains, str):
            raise ControlError(f"fault 'pathContains' must be a string or null, got {path_contains!r}")
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ControlError(f"fault 'times' must be a positive integer, got {times!r}")
        if kind == "delay":
            if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
                raise ControlError(f"a delay fault needs 'delaySeconds' >= 0, got {delay!r}")
        elif delay is not None:
            raise ControlError(f"'delaySeconds' only applies to kind 'delay', not {kind!r}")
        return cls(
            kind=kind,
            method=method.strip().upper() if method is not None else None,
            path_contains=path_contains,
            times=times,
            delay_seconds=float(delay or 0.0),
        )

    def matches(self, method: str, target: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        return self.path_contains is None or self.path_contains in target

    def to_json(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "kind": self.kind,
            "method": self.method,
            "pathContains": self.path_contains,
            "times": self.times,
        }
        if self.kind == "delay":
            spec["delaySeconds"] = self.delay_seconds
        return spec


def _parse_upstream(upstream: str) -> tuple[str, str, int, str]:
    """http://host:port[/prefix] -> (scheme, host, port, prefix)."""
    if "://" not in upstream:
        upstream = f"http://{upstream}"
    parts = urllib.parse.urlsplit(upstream)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"upstream must be an http(s)://host:port URL, got {upstream!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, parts.hostname, port, parts.path.rstrip("/")


class _Server(ThreadingHTTPServer):
    """Serves HTTP and, given a TLS context, HTTPS on the same port: a connection whose first
    byte opens a TLS handshake is wrapped before the handler sees it."""

    daemon_threads = True
    tls_context: Optional[ssl.SSLContext] = None

    def finish_request(self, request: socket.socket, client_address: Any) -> None:
        # Runs in the connection's own thread, so a slow handshake holds no one else up.
        connection = request
        if self.tls_context is not None:
            try:
                request.settimeout(HANDSHAKE_TIMEOUT)
                first = request.recv(1, socket.MSG_PEEK)
                if first and first[0] == TLS_HANDSHAKE_BYTE:
                    connection = self.tls_context.wrap_socket(request, server_side=True)
                connection.settimeout(None)
            except OSError:  # ssl.SSLError included
                return  # a client that never finished its handshake: nothing to answer
        try:
            self.RequestHandlerClass(connection, client_address, self)
        finally:
            if connection is not request:  # the wrapped socket owns the descriptor now
                try:
                    connection.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                connection.close()


class FaultProxy(ServedOnPort):
    """The proxy. `start()` serves from a background thread; `stop()` ends it."""

    def __init__(
        self,
        upstream: str = DEFAULT_UPSTREAM,
        host: str = "127.0.0.1",
        port: int = 0,
        log_requests: bool = True,
        upstream_timeout: float = DEFAULT_UPSTREAM_TIMEOUT,
        tls: Optional[tuple[str, str]] = None,
    ):
        """`tls`: (certificate chain file, key file) to speak HTTPS on the same port."""
        self.upstream = upstream.rstrip("/")
        self._tls_context: Optional[ssl.SSLContext] = None
        if tls is not None:
            self._tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls_context.load_cert_chain(*tls)
        self._scheme, self._upstream_host, self._upstream_port, self._upstream_prefix = _parse_upstream(upstream)
        self.host = host
        self.requested_port = port
        self.log_requests = log_requests
        self.upstream_timeout = upstream_timeout
        self._lock = threading.Lock()  # guards the faults and counters below
        self._faults: list[Fault] = []
        self._requests = 0
        self._forwarded = 0
        self._faults_injected = 0
        self._upstream_errors = 0
        self._refused = 0
        self._by_method: dict[str, int] = {}
        self._by_kind: dict[str, int] = {}
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # ----- lifecycle

    def start(self) -> "FaultProxy":
        if self._httpd is not None:
            raise RuntimeError("already started")
        self._httpd = _Server((self.host, self.requested_port), _make_handler(self))
        self._httpd.tls_context = self._tls_context
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},  # stop() waits up to one interval
            name=f"fault-proxy-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        # Kept-alive client connections would otherwise hold their handler threads forever.
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    @property
    def s3_url(self) -> str:
        """Where S3 clients go: https:// when the proxy has a certificate."""
        return self.base_url.replace("http://", "https://", 1) if self._tls_context else self.base_url

    @property
    def speaks_tls(self) -> bool:
        return self._tls_context is not None

    # ----- faults and counters

    def take_fault(self, method: str, target: str, consume: bool = True) -> Optional[Fault]:
        """Counts the request and consumes one use of the first pending fault that matches it."""
        with self._lock:
            self._requests += 1
            self._by_method[method] = self._by_method.get(method, 0) + 1
            if not consume:
                return None
            for fault in self._faults:
                if fault.matches(method, target):
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    self._faults_injected += 1
                    self._by_kind[fault.kind] = self._by_kind.get(fault.kind, 0) + 1
                    # A copy, so the caller sees the fault as it was consumed.
                    return Fault(fault.kind, fault.method, fault.path_contains, 1, fault.delay_seconds)
        return None

    def count_forwarded(self) -> None:
        with self._lock:
            self._forwarded += 1

    def count_upstream_error(self) -> None:
        with self._lock:
            self._upstream_errors += 1

    def count_refused(self) -> None:
        with self._lock:
            self._refused += 1

    def upstream_connection(self) -> http.client.HTTPConnection:
        if self._scheme == "https":
            return http.client.HTTPSConnection(
                self._upstream_host, self._upstream_port, timeout=self.upstream_timeout
            )
        return http.client.HTTPConnection(self._upstream_host, self._upstream_port, timeout=self.upstream_timeout)

    def upstream_target(self, target: str) -> str:
        return f"{self._upstream_prefix}{target}"

    def track(self, connection: socket.socket, active: bool) -> None:
        with self._connections_lock:
            if active:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    # ----- control API

    def add_faults(self, body: Any) -> dict[str, Any]:
        specs = body.get("faults") if isinstance(body, dict) else None
        if not isinstance(specs, list):
            raise ControlError('body must be {"faults": [...]}')
        faults = [Fault.from_json(spec) for spec in specs]
        with self._lock:
            self._faults.extend(faults)
            return {"faultsPending": self._pending_fault_count()}

    def pending_faults(self) -> dict[str, Any]:
        with self._lock:
            return {"faults": [fault.to_json() for fault in self._faults]}

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self._requests,
                "forwarded": self._forwarded,
                "faultsInjected": self._faults_injected,
                "faultsPending": self._pending_fault_count(),
                "upstreamErrors": self._upstream_errors,
                "refused": self._refused,
                "byMethod": dict(self._by_method),
                "faultsByKind": dict(self._by_kind),
                "upstream": self.upstream,
            }

    def reset(self) -> dict[str, Any]:
        with self._lock:
            self._faults.clear()
            self._requests = self._forwarded = self._faults_injected = self._upstream_errors = 0
            self._refused = 0
            self._by_method.clear()
            self._by_kind.clear()
        return self.stats()

    def _pending_fault_count(self) -> int:
        return sum(fault.times for fault in self._faults)


def s3_error_body(code: str, message: str, resource: str, request_id: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"<Resource>{escape(resource)}</Resource><RequestId>{request_id}</RequestId></Error>"
    ).encode("utf-8")


def _log(message: str) -> None:
    print(f"fault-proxy: {message}", file=sys.stderr, flush=True)


def _connection_tokens(headers: http.client.HTTPMessage) -> set[str]:
    """Header names listed in Connection: they are hop-by-hop for this message too."""
    tokens: set[str] = set()
    for value in headers.get_all("Connection") or []:
        tokens.update(token.strip().lower() for token in value.split(",") if token.strip())
    return tokens


def _is_chunked(headers: http.client.HTTPMessage) -> Optional[bool]:
    """True for a chunked body, False for none given, None for a coding the proxy cannot frame."""
    values = headers.get_all("Transfer-Encoding")
    if not values:
        return False
    codings = [c.strip().lower() for value in values for c in value.split(",") if c.strip()]
    return True if codings and codings[-1] == "chunked" else None


def _make_handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as boto3 (urllib3) expects
        server_version = "FaultProxy/1.0"

        def setup(self) -> None:
            super().setup()
            proxy.track(self.connection, True)

        def finish(self) -> None:
            proxy.track(self.connection, False)
            try:
                super().finish()
            except (OSError, ValueError):
                pass

        def _dispatch(self) -> None:
            method, target = self.command, self.path
            if target.split("?", 1)[0].startswith(CONTROL_PREFIX):
                self._control(method, target.split("?", 1)[0][len(CONTROL_PREFIX) :])
                return
            try:
                self._proxy(method, target)
            except ClientGone as gone:
                if proxy.log_requests:
                    _log(f"{method} {target}: client connection unusable ({gone})")
                self.close_connection = True

        # ----- proxying

        def _proxy(self, method: str, target: str) -> None:
            chunked = _is_chunked(self.headers)
            if chunked is None:
                proxy.take_fault(method, target, consume=False)  # counted, but no fault is used up
                self.close_connection = True  # its body cannot be framed, so the line is lost
                self._send_plain(501, "fault-proxy: unsupported Transfer-Encoding for a request body")
                return
            if proxy.speaks_tls and not isinstance(self.connection, ssl.SSLSocket):
                proxy.take_fault(method, target, consume=False)
                # Not R2's answer (R2 is reached by https:// only): a loud local guard, because a
                # client on plain HTTP would hide what R2 refuses (see standins/r2_compat.py).
                for _ in self._request_body(chunked):
                    pass
                self._send_plain(400, "fault-proxy: this local R2 endpoint takes S3 requests over "
                                      "HTTPS only, like R2: use https:// and trust R2_CA_BUNDLE")
                return
            fault = proxy.take_fault(method, target)
            if fault is not None and fault.kind != "delay":
                # Read the whole body first, so the client is not left blocked on a send.
                for _ in self._request_body(chunked):
                    pass
                if fault.kind == "reset":
                    if proxy.log_requests:
                        _log(f"{method} {target} -> fault reset (connection dropped)")
                    self._reset_connection()
                    return
                status, code, message = ERROR_FAULTS[fault.kind]
                if proxy.log_requests:
                    _log(f"{method} {target} -> fault {fault.kind} ({status})")
                self._send_s3_error(status, code, message, target)
                return
            if fault is not None:  # delay, then forward as usual
                if proxy.log_requests:
                    _log(f"{method} {target}: fault delay {fault.delay_seconds}s")
                time.sleep(fault.delay_seconds)
            refused = r2_refusal(self.headers.items())
            if refused is not None:
                for _ in self._request_body(chunked):
                    pass
                proxy.count_refused()
                if proxy.log_requests:
                    _log(f"{method} {target} -> refused as R2 does ({refused.status} {refused.code})")
                self._send_s3_error(refused.status, refused.code, refused.message, target)
                return
            self._forward(method, target, chunked)

        def _forward(self, method: str, target: str, chunked: bool) -> None:
            hop_by_hop = HOP_BY_HOP | _connection_tokens(self.headers)
            upstream = proxy.upstream_connection()
            try:
                try:
                    upstream.putrequest(
                        method, proxy.upstream_target(target), skip_host=True, skip_accept_encoding=True
                    )
                    # Every header as the client sent it, Host included: SigV4 signs the host.
                    for name, value in self.headers.items():
                        if name.lower() not in hop_by_hop:
                            upstream.putheader(name, value)
                    upstream.endheaders()
                    for piece in self._request_body(chunked):
                        upstream.send(piece)
                    response = upstream.getresponse()
                except ClientGone:
                    raise
                except (OSError, http.client.HTTPException) as error:
                    proxy.count_upstream_error()
                    if proxy.log_requests:
                        _log(f"{method} {target} -> 502 (upstream {proxy.upstream}: {error!r})")
                    # The rest of the request body may still be on its way: do not reuse the line.
                    self.close_connection = True
                    self._send_plain(502, f"fault-proxy: upstream {proxy.upstream} failed: {error!r}")
                    return
                proxy.count_forwarded()
                if proxy.log_requests:
                    _log(f"{method} {target} -> {response.status}")
                self._relay_response(method, response)
            finally:
                upstream.close()

        def _relay_response(self, method: str, response: http.client.HTTPResponse) -> None:
            hop_by_hop = HOP_BY_HOP | _connection_tokens(response.msg) | {"transfer-encoding"}
            no_body = method == "HEAD" or response.status in (204, 304) or 100 <= response.status < 200
            framing = "none" if no_body else "length" if response.length is not None else "chunked"
            if framing == "chunked" and self.request_version != "HTTP/1.1":
                framing = "close"  # HTTP/1.0 clients cannot take chunked bodies
            if framing == "chunked" and not response.chunked:
                framing = "close"  # upstream ends its body by closing: so do we
            if framing == "close":
                self.close_connection = True
            try:
                self.send_response_only(response.status, response.reason)
                for name, value in response.msg.items():
                    lower = name.lower()
                    if lower in hop_by_hop or (framing in ("chunked", "close") and lower == "content-length"):
                        continue
                    self.send_header(name, value)
                if framing == "chunked":
                    self.send_header("Transfer-Encoding", "chunked")
                if self.close_connection:
                    self.send_header("Connection", "close")
                self.end_headers()
                if framing == "none":
                    return
                while True:
                    piece = response.read1(CHUNK_SIZE)
                    if not piece:
                        break
                    if framing == "chunked":
                        self.wfile.write(b"%x\r\n%b\r\n" % (len(piece), piece))
                    else:
                        self.wfile.write(piece)
                if framing == "chunked":
                    self.wfile.write(b"0\r\n\r\n")
                if framing == "length" and response.length:
                    raise http.client.IncompleteRead(b"", response.length)
            except (OSError, http.client.HTTPException) as error:
                # Headers are out: the only honest way to report a broken body is to cut the line.
                if proxy.log_requests:
                    _log(f"{method} {self.path}: response relay broken ({error!r})")
                self.close_connection = True

        def _request_body(self, chunked: bool) -> Iterator[bytes]:
            """The request body exactly as it came off the wire (chunk framing included)."""
            if chunked:
                yield from self._chunked_body()
                return
            length_header = self.headers.get("Content-Length")
            try:
                remaining = int(length_header) if length_header else 0
            except ValueError as error:
                raise ClientGone(f"bad Content-Length {length_header!r}") from error
            while remaining > 0:
                piece = self.rfile.read1(min(CHUNK_SIZE, remaining))
                if not piece:
                    raise ClientGone("request body ended early")
                remaining -= len(piece)
                yield piece

        def _chunked_body(self) -> Iterator[bytes]:
            while True:
                line = self.rfile.readline(1024)
                if not line.endswith(b"\n"):
                    raise ClientGone("bad or truncated chunk size line")
                yield line
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError as error:
                    raise ClientGone(f"bad chunk size line {line!r}") from error
                if size == 0:
                    break
                remaining = size + 2  # the data and its CRLF
                while remaining > 0:
                    piece = self.rfile.read1(min(CHUNK_SIZE, remaining))
                    if not piece:
                        raise ClientGone("chunked body ended early")
                    remaining -= len(piece)
                    yield piece
            while True:  # trailer fields, then the empty line
                line = self.rfile.readline(65536)
                if not line.endswith(b"\n"):
                    raise ClientGone("truncated chunked trailer")
                yield line
                if line in (b"\r\n", b"\n"):
                    return

        def _reset_connection(self) -> None:
            """Drops the connection with a TCP RST and no response at all."""
            self.close_connection = True
            connection = self.connection
            try:
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            # rfile holds a reference to the socket; close it first so close() really closes.
            try:
                self.rfile.close()
            except OSError:
                pass
            connection.close()

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

        def _send_plain(self, status: int, text: str) -> None:
            body = text.encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                if self.close_connection:
                    self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
            except OSError:
                self.close_connection = True

        # ----- control API

        def _control(self, method: str, action: str) -> None:
            try:
                body = self._read_json()
                if method == "GET" and action == "health":
                    status, payload = 200, {"status": "ok", "upstream": proxy.upstream}
                elif method == "GET" and action == "stats":
                    status, payload = 200, proxy.stats()
                elif method == "GET" and action == "faults":
                    status, payload = 200, proxy.pending_faults()
                elif method == "POST" and action == "faults":
                    status, payload = 200, proxy.add_faults(body)
                elif method == "POST" and action == "reset":
                    status, payload = 200, proxy.reset()
                else:
                    raise ControlError(f"No such control call: {method} {CONTROL_PREFIX}{action}", 404)
            except ControlError as error:
                status, payload = error.http_status, {"error": error.message}
            if proxy.log_requests:
                _log(f"{method} {CONTROL_PREFIX}{action} {status}")
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(data)

        def _read_json(self) -> Any:
            if _is_chunked(self.headers) is not False:
                self.close_connection = True
                raise ControlError("control calls take a Content-Length body")
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if not raw.strip():
                return {}
            try:
                return json.loads(raw)
            except json.JSONDecodeError as error:
                raise ControlError(f"Invalid JSON payload received: {error}") from error

        def log_message(self, format: str, *args: Any) -> None:
            # One line per request is written by the proxy itself; silence the default access log.
            pass

    for proxied_method in PROXIED_METHODS:
        setattr(Handler, f"do_{proxied_method}", Handler._dispatch)
    return Handler


class ProxyControl(ControlClient):
    """Client for the proxy's control API: faults are e.g.
    [{"kind": "slowdown", "method": "PUT", "pathContains": "/bucket/", "times": 2}]."""

    def pending(self) -> list[dict[str, Any]]:
        return self._call("GET", "faults")["faults"]


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m standins.fault_proxy", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument(
        "--upstream",
        default=DEFAULT_UPSTREAM,
        help=f"the server requests are forwarded to (default: {DEFAULT_UPSTREAM})",
    )
    parser.add_argument(
        "--upstream-timeout",
        type=float,
        default=DEFAULT_UPSTREAM_TIMEOUT,
        help="seconds to wait on the upstream server before answering 502",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log one line per request")
    parser.add_argument("--tls-cert", help="certificate chain (PEM): S3 requests then need HTTPS")
    parser.add_argument("--tls-key", help="private key (PEM) of --tls-cert")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")

    try:
        proxy = FaultProxy(
            upstream=args.upstream,
            host=args.host,
            port=args.port,
            log_requests=not args.quiet,
            upstream_timeout=args.upstream_timeout,
            tls=(args.tls_cert, args.tls_key) if args.tls_cert else None,
        )
    except (ValueError, OSError) as error:
        parser.error(str(error))
    stopping = run_until_signalled(proxy)
    tls_note = f" (S3 over HTTPS: {proxy.s3_url})" if proxy.speaks_tls else ""
    _log(f"listening on {proxy.base_url}{tls_note}, forwarding to {proxy.upstream}")
    stopping.wait()
    proxy.stop()


if __name__ == "__main__":
    main()
