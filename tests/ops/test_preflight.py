"""devstack/preflight.py: a command that needs the stack says in one line what is missing and
how to start it, quickly, whatever state the stack is in. The parts are pointed at ports of
this test (nothing, an HTTP server, a socket that accepts and never answers), so the checks
do not depend on whether a real stack is running."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from devstack import preflight
from standins.control import ServiceHTTPServer
from tests.support.ports import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def parts(monkeypatch):
    """Two parts on closed ports; the test opens what it needs."""
    chosen = (
        preflight.Part("auth", "Auth emulator", free_port(), "/"),
        preflight.Part("firestore", "Firestore emulator", free_port(), "/"),
    )
    monkeypatch.setattr(preflight, "PARTS", chosen)
    monkeypatch.setattr(preflight, "ALL", tuple(p.key for p in chosen))
    return chosen


def _serve(port: int):
    server = ServiceHTTPServer(("127.0.0.1", port), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_nothing_running_names_every_part_and_the_command_that_starts_it(parts):
    problem = preflight.stack_problem(("auth", "firestore"))
    assert problem is not None and "\n" not in problem
    assert "not running" in problem and "`make dev`" in problem
    for part in parts:
        assert f":{part.port}" in problem


def test_a_half_up_stack_names_only_what_does_not_answer(parts):
    server = _serve(parts[0].port)
    try:
        problem = preflight.stack_problem(("auth", "firestore"))
    finally:
        server.shutdown()
        server.server_close()
    assert problem is not None and "partly up" in problem
    assert "Firestore emulator" in problem and "Auth emulator" not in problem


def test_a_part_that_accepts_and_never_answers_is_judged_within_two_seconds(parts):
    silent = socket.socket()
    silent.bind(("127.0.0.1", parts[0].port))
    silent.listen(8)  # connections complete in the backlog; nothing ever reads or answers
    try:
        started = time.monotonic()
        problem = preflight.stack_problem(("auth", "firestore"))
        took = time.monotonic() - started
    finally:
        silent.close()
    assert problem is not None and "Auth emulator" in problem
    assert took < 2.0, f"the check took {took:.2f} s"


def test_ports_problem_names_a_taken_port_for_commands_that_start_their_own_stack(parts):
    assert preflight.ports_problem() is None
    server = _serve(parts[1].port)
    try:
        problem = preflight.ports_problem()
    finally:
        server.shutdown()
        server.server_close()
    assert problem is not None and f"Firestore emulator :{parts[1].port}" in problem


def _cli(code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env or os.environ.copy()
    )


def test_ops_with_no_stack_prints_one_line_no_traceback_and_exits_3():
    # The real CLI, with its parts moved to closed ports (a running stack does not matter).
    ports = [free_port(), free_port()]
    code = (
        "import sys; from devstack import preflight as p\n"
        f"p.PARTS = (p.Part('auth', 'Auth emulator', {ports[0]}, '/'),"
        f" p.Part('firestore', 'Firestore emulator', {ports[1]}, '/'))\n"
        "p.ALL = ('auth', 'firestore')\n"
        "from ops.__main__ import main\n"
        "sys.exit(main(['--emulator', 'ledger-check']))\n"
    )
    result = _cli(code)
    assert result.returncode == preflight.EXIT_NOT_READY, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "make dev" in lines[0], result.stderr


def test_a_real_project_without_credentials_says_how_to_log_in():
    env = {k: v for k, v in os.environ.items() if "EMULATOR_HOST" not in k}
    env.update(
        GOOGLE_APPLICATION_CREDENTIALS="/nonexistent/key.json", CLOUDSDK_CONFIG="/nonexistent", NO_GCE_CHECK="True"
    )
    result = _cli(
        "import sys; from ops.__main__ import main; sys.exit(main(['--project', 'some-project', 'ledger-check']))", env
    )
    assert result.returncode == preflight.EXIT_NOT_READY, result.stderr
    assert "Traceback" not in result.stderr
    assert "gcloud auth application-default login" in result.stderr


def test_every_port_the_stack_binds_is_a_part_the_preflight_checks():
    from devstack import stack

    ports = {name: value for name, value in vars(stack).items() if name.endswith("_PORT") and isinstance(value, int)}
    checked = {part.port for part in preflight.PARTS}
    assert ports and {name for name, port in ports.items() if port not in checked} == set()
