"""HTTP/1.1 relay framing for the fault proxy: how a request and its answer cross the proxy
byte for byte, apart from what the proxy decides to do with them (standins/fault_proxy.py,
standins/proxy_http.py).

Here: HTTP and HTTPS on one port (a TLS handshake is recognised by its first byte), the
request body read exactly as it came off the wire (Content-Length or chunked, trailers
included), hop-by-hop headers, the upstream connection, the response relayed with the framing
the client can take (length, chunked, or close), and dropping a connection with a TCP RST.
Standard library only.
"""

from __future__ import annotations

import contextlib
import email.message
import http.client
import socket
import ssl
import struct
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

from standins.control import ServiceHTTPServer

CHUNK_SIZE = 64 * 1024
TLS_HANDSHAKE_BYTE = 0x16  # the first byte of a TLS ClientHello; an HTTP request starts with a letter
HANDSHAKE_TIMEOUT = 10.0

# Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are not relayed. Expect is
# answered by the proxy itself (it sends the "100 Continue"), so it is not relayed either; SigV4
# never signs it. Transfer-Encoding is handled by the relaying code, not by this list.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "expect"})


class ClientGone(Exception):
    """The client's request body ended early or was malformed: the connection cannot be reused."""


class Upstream:
    """The server requests are relayed to: http(s)://host:port[/prefix]."""

    def __init__(self, url: str, timeout: float):
        self.url = url.rstrip("/")
        self.timeout = timeout
        if "://" not in url:
            url = f"http://{url}"
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"upstream must be an http(s)://host:port URL, got {url!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")

    def connection(self) -> http.client.HTTPConnection:
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def target(self, target: str) -> str:
        return f"{self.prefix}{target}"


class RelayServer(ServiceHTTPServer):
    """Serves HTTP and, given a TLS context, HTTPS on the same port: a connection whose first
    byte opens a TLS handshake is wrapped before the handler sees it. Keeps the open client
    connections, so `close_connections()` can let their handler threads go on stop."""

    tls_context: ssl.SSLContext | None = None

    def __init__(self, *args: Any, **kwargs: Any):
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def finish_request(self, request: Any, client_address: Any) -> None:  # request: a TCP socket
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
            # typeshed types the server argument as the handler's own server class (Self).
            self.RequestHandlerClass(connection, client_address, self)  # type: ignore[arg-type]
        finally:
            if connection is not request:  # the wrapped socket owns the descriptor now
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_WR)
                connection.close()

    def track(self, connection: socket.socket, active: bool) -> None:
        with self._connections_lock:
            if active:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        # Kept-alive client connections would otherwise hold their handler threads forever.
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def connection_tokens(headers: email.message.Message) -> set[str]:
    """Header names listed in Connection: they are hop-by-hop for this message too."""
    tokens: set[str] = set()
    for value in headers.get_all("Connection") or []:
        tokens.update(token.strip().lower() for token in value.split(",") if token.strip())
    return tokens


def is_chunked(headers: email.message.Message) -> bool | None:
    """True for a chunked body, False for none given, None for a coding the proxy cannot frame."""
    values = headers.get_all("Transfer-Encoding")
    if not values:
        return False
    codings = [c.strip().lower() for value in values for c in value.split(",") if c.strip()]
    return True if codings and codings[-1] == "chunked" else None


class RelayHandler(BaseHTTPRequestHandler):
    """Request handler with the relay's framing; a subclass decides what each request gets and
    may override the `relay_*` hooks to count and log."""

    protocol_version = "HTTP/1.1"  # keep-alive, as boto3 (urllib3) expects
    server: RelayServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        with contextlib.suppress(OSError, ValueError):
            super().finish()

    # ----- hooks

    def relay_answered(self, method: str, target: str, status: int) -> None:
        """The upstream answered (its response is about to be relayed)."""

    def relay_failed(self, method: str, target: str, error: BaseException) -> None:
        """The upstream could not be reached or broke before answering (502 follows)."""

    def relay_broken(self, method: str, error: BaseException) -> None:
        """The response body broke after its headers were sent (the line is cut)."""

    # ----- relaying

    def forward(self, upstream: Upstream, method: str, target: str, chunked: bool) -> None:
        """Sends the request to `upstream` and its answer back; 502 when upstream fails."""
        hop_by_hop = HOP_BY_HOP | connection_tokens(self.headers)
        connection = upstream.connection()
        try:
            try:
                connection.putrequest(method, upstream.target(target), skip_host=True, skip_accept_encoding=True)
                # Every header as the client sent it, Host included: SigV4 signs the host.
                for name, value in self.headers.items():
                    if name.lower() not in hop_by_hop:
                        connection.putheader(name, value)
                connection.endheaders()
                for piece in self.request_body(chunked):
                    connection.send(piece)
                response = connection.getresponse()
            except ClientGone:
                raise
            except (OSError, http.client.HTTPException) as error:
                self.relay_failed(method, target, error)
                # The rest of the request body may still be on its way: do not reuse the line.
                self.close_connection = True
                self.send_plain(502, f"fault-proxy: upstream {upstream.url} failed: {error!r}")
                return
            self.relay_answered(method, target, response.status)
            self.relay_response(method, response)
        finally:
            connection.close()

    def relay_response(self, method: str, response: http.client.HTTPResponse) -> None:
        hop_by_hop = HOP_BY_HOP | connection_tokens(response.msg) | {"transfer-encoding"}
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
            self.relay_broken(method, error)
            self.close_connection = True

    def request_body(self, chunked: bool) -> Iterator[bytes]:
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

    def discard_request_body(self, chunked: bool) -> None:
        """Reads the body to its end, so the client is not left blocked on a send."""
        for _ in self.request_body(chunked):
            pass

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

    def reset_connection(self) -> None:
        """Drops the connection with a TCP RST and no response at all."""
        self.close_connection = True
        connection = self.connection
        with contextlib.suppress(OSError):
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # rfile holds a reference to the socket; close it first so close() really closes.
        with contextlib.suppress(OSError):
            self.rfile.close()
        connection.close()

    def send_plain(self, status: int, text: str) -> None:
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
