"""One of our functions served by the functions-framework CLI, as Cloud Run and the functions
emulator both serve it (gunicorn, settings from the environment), on a local port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

from ops.deploy_check import FUNCTIONS_DIR as FUNCTIONS
from ops.deploy_check import read_env_file
from tests.support.ports import free_port
from tests.support.waiting import wait_until


def deployed_env() -> dict[str, str]:
    """What firebase deploy gives every function from the committed files (.env first, then
    .env.<projectId> on top)."""
    env = read_env_file(FUNCTIONS / ".env")
    for project_file in FUNCTIONS.glob(".env.*"):
        if project_file.name not in (".env.local", ".env.example"):
            env.update(read_env_file(project_file))
    return env


def emulator_env() -> dict[str, str]:
    """What the functions emulator gives every function worker from the committed files:
    functions/.env, then functions/.env.local on top (it wins)."""
    return {**read_env_file(FUNCTIONS / ".env"), **read_env_file(FUNCTIONS / ".env.local")}


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
