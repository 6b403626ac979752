"""Test set-up shared by every suite.

Domain tests need nothing else. Flow, rules and ops tests ask for the `stack` fixture,
which starts the local stack once per session (or reuses one that `make dev` started).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devstack import stack as devstack
from tests.support import parallel
from tests.support.emulator_log import lost_events

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"


def _load_env_file(path: Path) -> None:
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip())


# The test process plays the part of the functions emulator when it calls handlers directly:
# same project, same emulator hosts, same params and secrets.
os.environ.update(devstack.client_env())
_load_env_file(FUNCTIONS / ".env.local")
_load_env_file(FUNCTIONS / ".secret.local")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    return parallel.worker_count()


def pytest_configure(config):
    # Before any test starts a server: each xdist worker gets its own loopback for its stack.
    parallel.isolate_this_worker()


def pytest_collection_modifyitems(config, items):
    # xdist hands test files out in the order its workers collected them (`make test` turns off
    # its own reordering, which puts files with many tests first: the few long ones, chaos and
    # the browser tier, came last and one worker ran them alone). Files that run on a stack, the
    # long ones, go first, so the last minute is made of short files both workers share.
    if hasattr(config, "workerinput"):
        items[:] = parallel.stack_files_first(items)


@pytest.fixture(scope="session")
def storage_alone(tmp_path_factory):
    """One Storage emulator by itself (the repository's storage.rules, free ports, beside any
    stack) for the whole session: the stand-in, adapter and devstack tiers share it, since a
    Java start costs tens of seconds on a busy machine. Tests keep to their own object names
    (fresh uuids or their own prefixes), so sharing it hides nothing."""
    from tests.support.ports import free_port

    work_dir = tmp_path_factory.mktemp("storage-alone")
    with devstack.storage_emulator_alone(work_dir, free_port(), free_port(), free_port()) as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def stack():
    if devstack.stack_running():
        yield None  # `make dev` is up: use it
        return
    running = devstack.Stack().start()
    try:
        yield running
    finally:
        running.stop()
    # A lost event fails some test's wait, or passes one by luck: either way the run says so.
    lost = lost_events(devstack.log_path("emulators").read_text(errors="replace"))
    if lost:
        pytest.fail(f"the functions emulator lost {len(lost)} event(s):\n" + "\n--\n".join(lost), pytrace=False)
