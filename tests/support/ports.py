"""A local TCP port nobody holds right now: for a server a test starts on it, or for a
connection that must find nothing listening there (the probe is closed again at once)."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
