"""`make test` runs the suite on several pytest-xdist workers, each with a whole stack of its own.

A stack binds fixed ports (the emulators', the stand-ins'), which the functions' settings and
the web client name, so two stacks cannot share one loopback. Each worker therefore enters a
network namespace of its own before anything listens (Linux `unshare(CLONE_NEWNET)` with its
own loopback brought up): the same ports, a private 127.0.0.1, and nothing a test does to its
stack (faults queued on the Veo stand-in, R2 refusing, a quota) can reach another worker's.
The stacks' logs and scratch files go to a directory per worker (PHOENIX_STACK_DIR).

Where a namespace cannot be made (no CAP_SYS_ADMIN, not Linux), `-n auto` becomes 0 workers:
the suite runs in one process, as before, only slower.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct
import subprocess
import sys

from devstack.stack import RUN_DIR

CLONE_NEWNET = 0x40000000  # <sched.h>
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1  # <linux/sockios.h>, <net/if.h>
# Each worker runs a whole stack (JVMs for Firestore, Pub/Sub and Storage, a Python worker per
# busy function): beyond a few, they fight over memory and disk more than they gain.
MAX_WORKERS = 4
STACKS_DIR = RUN_DIR / "workers"


def enter_private_network() -> None:
    """Moves the calling thread, and every thread and process it starts from now on, into a new
    network namespace whose loopback is up. Raises OSError when the kernel refuses."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare(CLONE_NEWNET): {os.strerror(errno)}")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def private_network_possible() -> bool:
    """Whether this process may make network namespaces, asked of a throw-away child."""
    probe = f"from {__name__} import enter_private_network; enter_private_network()"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0


def worker_count() -> int:
    """What `-n auto` means for this suite: one worker per core, at most MAX_WORKERS, and none
    (one process) when a worker could not have a network of its own or there is one core."""
    cores = len(os.sched_getaffinity(0))
    if cores < 2 or not private_network_possible():
        return 0
    return min(cores, MAX_WORKERS)


def isolate_this_worker() -> str | None:
    """In an xdist worker: enter a private network and give its stack its own directory.
    Returns the worker's id, or None outside xdist (nothing changes then)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return None
    enter_private_network()
    os.environ["PHOENIX_STACK_DIR"] = str(STACKS_DIR / worker)
    return worker


def stack_files_first(items: list) -> list:
    """The test items with every file that has a test on the stack (the `stack` fixture,
    directly or through another) before the files that have none; each group, and the tests
    of each file, in their collected order."""
    on_stack = {item.path for item in items if "stack" in item.fixturenames}
    return sorted(items, key=lambda item: item.path not in on_stack)
