"""What the browser tests need, installed by the tests themselves:

- Debian's Chromium (/usr/bin/chromium): `apt-get install -y chromium` when it is missing
  (as root, non-interactive). No browser is ever downloaded by a test tool.
- playwright-core from npm, pinned in tests/e2e/package.json / package-lock.json (`npm ci`).
- the web client, built by devstack.web.build() and served by devstack.web.serve() on a free port.

Screenshots and the page's console go to tests/e2e/artifacts/ (not committed).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

E2E = Path(__file__).resolve().parent
ARTIFACTS = E2E / "artifacts"
CHROMIUM = Path(os.environ.get("PHOENIX_CHROMIUM", "/usr/bin/chromium"))
_STAMP = E2E / "node_modules" / ".phoenix-install"


def _run(args: list[str], what: str, **kwargs) -> None:
    result = subprocess.run(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs
    )
    if result.returncode != 0:
        pytest.fail(f"{what} failed (exit {result.returncode}):\n{result.stdout[-3000:]}", pytrace=False)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.geteuid() != 0:
            pytest.fail(
                f"{CHROMIUM} is missing and installing it needs root: apt-get install -y chromium", pytrace=False
            )
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        _run(["apt-get", "update", "-q"], "apt-get update", env=env, timeout=600)
        _run(["apt-get", "install", "-y", "-q", "chromium"], "apt-get install chromium", env=env, timeout=900)
        if not CHROMIUM.exists():
            pytest.fail(f"apt-get installed chromium but {CHROMIUM} is still missing", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_core() -> Path:
    """tests/e2e/node_modules with playwright-core, installed from the lock file when stale."""
    if shutil.which("npm") is None:
        pytest.fail("npm is required for the browser tests (Node.js 20)", pytrace=False)
    digest = hashlib.sha256(
        (E2E / "package.json").read_bytes() + b"\0" + (E2E / "package-lock.json").read_bytes()
    ).hexdigest()
    if not _STAMP.exists() or _STAMP.read_text().strip() != digest:
        _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], "npm ci in tests/e2e", cwd=E2E, timeout=600)
        _STAMP.write_text(digest + "\n")
    return E2E / "node_modules"


@pytest.fixture(scope="session")
def web_app() -> str:
    """The built web client on a free localhost port; its URL."""
    from devstack import web

    web.build()
    server, thread = web.serve(port=0)
    try:
        yield web.url(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    return ARTIFACTS
