"""An in-process FCM stand-in with a trusted service account key, for the stand-in's own tests
and the adapter's (nothing else started)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from standins.fcm_server import FcmStandIn, make_service_account_key

PROJECT = "demo-phoenix"
# A token of FCM's shape (the stand-in refuses others as INVALID_ARGUMENT).
TOKEN = "dZx1-device-token_" + "a" * 120 + ":APA91b"


def token(n: int) -> str:
    return f"device{n:04d}-" + "b" * 140 + ":APA91b"


@contextlib.contextmanager
def running_fcm(tmp: Path):
    server = FcmStandIn(port=0, project=PROJECT).start()
    try:
        key = tmp / "fcm-key.json"
        make_service_account_key(str(key), PROJECT, server.token_uri)
        server.credentials.trust_file(str(key))
        yield server, key
    finally:
        server.stop()
