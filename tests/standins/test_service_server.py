"""The stand-ins' HTTP servers take a burst of connections as the services' front ends do."""

from __future__ import annotations

import contextlib
import socket
from http.server import BaseHTTPRequestHandler

from standins.control import threading_server

# More clients at once than Python's default listen backlog (5) lets in: finalize's 20
# threads of one instance polling Veo together, say.
BURST = 40


def test_a_burst_of_connections_is_taken_in_while_the_accept_loop_is_busy():
    # Nothing accepts here: the kernel completes a handshake only while the backlog has room,
    # so a connection past it never completes (the timeout only ends that failing wait).
    server = threading_server("127.0.0.1", 0, BaseHTTPRequestHandler)
    clients: list[socket.socket] = []
    try:
        for _ in range(BURST):
            clients.append(socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10))
        assert len(clients) == BURST
    finally:
        for client in clients:
            with contextlib.suppress(OSError):
                client.close()
        server.server_close()
