"""Stopping the stack ends what listens on the emulators' ports, even a process that is nobody's
descendant by then (the Pub/Sub emulator's Java, started through a script that exits)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

from devstack import stack


def test_every_emulator_port_of_firebase_json_is_watched():
    emulators = json.loads((stack.ROOT / "firebase.json").read_text())["emulators"]
    assert emulators["pubsub"]["port"] in stack.emulator_ports()
    assert {stack.FIRESTORE_PORT, stack.AUTH_PORT, stack.FUNCTIONS_PORT, stack.STORAGE_PORT} <= stack.emulator_ports()


def test_the_owner_of_a_listening_port_is_found_and_a_closed_port_has_none():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        assert stack._listening_pids({port}) == set()  # bound, not listening
        listener.listen()
        assert stack._listening_pids({port}) == {os.getpid()}
    assert stack._listening_pids({port}) == set()


def test_stop_ends_a_listener_found_at_start_that_none_of_its_processes_started():
    # As firebase-tools leaves the Pub/Sub emulator: a listener outside the stack's process tree.
    code = (
        "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen();"
        " print(s.getsockname()[1], flush=True); time.sleep(600)"
    )
    orphan = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert orphan.stdout is not None
        port = int(orphan.stdout.readline())
        running = stack.Stack()
        running._port_owners = stack._listening_pids({port})
        assert running._port_owners == {orphan.pid}
        running.stop()
        assert orphan.wait(timeout=30) != 0  # killed, not finished
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()
