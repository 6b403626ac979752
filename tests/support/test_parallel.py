"""`make test`'s workers each run a stack on the same fixed ports: they can only because each
has a network of its own. These tests prove the isolation they rely on, in child processes (a
namespace, once entered, is never left)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from tests.support import parallel

needs_namespaces = pytest.mark.skipif(
    not parallel.private_network_possible(), reason="this process may not make network namespaces"
)


def _in_child(code: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@needs_namespaces
def test_a_worker_binds_a_port_already_taken_outside_and_cannot_reach_the_listener_there():
    with socket.socket() as outside:
        outside.bind(("127.0.0.1", 0))
        outside.listen()
        port = outside.getsockname()[1]
        code = f"""
import errno, socket
from tests.support.parallel import enter_private_network
enter_private_network()
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=5).close()
    reached = True
except ConnectionRefusedError:
    reached = False
with socket.socket() as inside:
    inside.bind(("127.0.0.1", {port}))
    inside.listen()
    with socket.create_connection(("127.0.0.1", {port}), timeout=5):
        pass
print(reached)
"""
        assert _in_child(code) == "False"


@needs_namespaces
def test_an_xdist_worker_gets_a_private_network_and_a_stack_directory_of_its_own():
    code = """
import json, os
from tests.support import parallel
from devstack import stack
print(json.dumps([parallel.isolate_this_worker(), str(stack.log_path("emulators"))]))
"""
    worker, log = json.loads(_in_child(code, {"PYTEST_XDIST_WORKER": "gw7"}))
    assert worker == "gw7"
    assert log == str(parallel.STACKS_DIR / "gw7" / "emulators.log")


def test_outside_xdist_nothing_is_isolated_and_the_stack_keeps_dot_devstack():
    code = """
import json
from tests.support import parallel
from devstack import stack
print(json.dumps([parallel.isolate_this_worker(), str(stack.stack_dir())]))
"""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_XDIST_WORKER", "PHOENIX_STACK_DIR")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    worker, stack_dir = json.loads(done.stdout)
    assert worker is None
    assert stack_dir == str(parallel.STACKS_DIR.parent)


def test_without_namespaces_or_with_one_core_the_suite_runs_in_one_process(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(parallel, "private_network_possible", lambda: False)
    assert parallel.worker_count() == 0

    monkeypatch.setattr(parallel, "private_network_possible", lambda: True)
    assert parallel.worker_count() == 2
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert parallel.worker_count() == 0
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)))
    assert parallel.worker_count() == parallel.MAX_WORKERS


def test_files_with_a_test_on_the_stack_are_handed_out_first_each_in_its_own_order():
    from types import SimpleNamespace as Item

    items = [
        Item(path="domain/a.py", fixturenames=[], name="a1"),
        Item(path="flows/b.py", fixturenames=["stack", "veo"], name="b1"),
        Item(path="mixed/c.py", fixturenames=[], name="c1"),
        Item(path="mixed/c.py", fixturenames=["stack"], name="c2"),
        Item(path="domain/d.py", fixturenames=["tmp_path"], name="d1"),
        Item(path="flows/b.py", fixturenames=["stack"], name="b2"),
    ]
    assert [i.name for i in parallel.stack_files_first(items)] == ["b1", "c1", "c2", "b2", "a1", "d1"]
