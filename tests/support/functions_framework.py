"""One of our functions served by the functions-framework CLI, as Cloud Run and the functions
emulator both serve it (gunicorn, settings from the environment), on a local port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.support.ports import free_port
from tests.support.waiting import wait_until

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def emulator_env() -> dict[str, str]:
    """What the functions emulator gives every function worker from the committed files:
    functions/.env, then functions/.env.local on top (it wins)."""
    return {**dotenv(FUNCTIONS / ".env"), **dotenv(FUNCTIONS / ".env.local")}


@contextlib.contextmanager
def serve(target: str, env: dict[str, str], log_path: Path) -> Iterator[int]:
    """Yields the port once the server accepts connections; stops it after. `env` is the whole
    environment beside PATH and HOME."""
    port = free_port()
    log = open(log_path, "wb")  # noqa: SIM115 - the server writes to it until the end
    server = subprocess.Popen(
        [
            str(FUNCTIONS / "venv" / "bin" / "functions-framework"),
            *("--source", "main.py", "--target", target, "--host", "127.0.0.1", "--port", str(port)),
        ],
        cwd=FUNCTIONS,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env, "FUNCTION_TARGET": target},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def accepts() -> bool:
        if server.poll() is not None:
            raise AssertionError(f"{target} exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=5):
            return True
        return False

    try:
        # A cold start imports the SDKs: seconds when idle, far longer on a busy machine.
        wait_until(accepts, interval=0.2, what=f"{target} to listen")
        yield port
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        log.close()
