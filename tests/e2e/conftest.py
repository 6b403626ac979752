"""What the browser tests need, all installed by `make install` (a test never installs: a
missing piece fails the test, naming the command):

- Debian's Chromium (/usr/bin/chromium, `apt-get install chromium`). No browser is ever
  downloaded by a test tool.
- playwright-core from npm, pinned in tests/e2e/package.json / package-lock.json.
- the web client, built by devstack.web.build() and served by devstack.web.serve() on a free port.

Screenshots and the page's console go to tests/e2e/artifacts/ (per xdist worker: artifacts/gw0/ ...;
not committed).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devstack import node_install

E2E = Path(__file__).resolve().parent
# One folder per xdist worker: a worker's session clears its own old screenshots, never the
# ones another worker's scenario has just taken.
ARTIFACTS = E2E / "artifacts" / os.environ.get("PYTEST_XDIST_WORKER", "")
CHROMIUM = Path(os.environ.get("PHOENIX_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make install` (it installs Debian's chromium)", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_core() -> Path:
    """tests/e2e/node_modules with playwright-core, as `make install` left it."""
    try:
        return node_install.require(E2E)
    except node_install.NotInstalled as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def web_app() -> str:
    """The built web client on a free localhost port; its URL."""
    from devstack import web

    try:
        web.build()
    except node_install.NotInstalled as exc:
        pytest.fail(str(exc), pytrace=False)
    server, thread = web.serve(port=0)
    try:
        yield web.url(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    return ARTIFACTS
