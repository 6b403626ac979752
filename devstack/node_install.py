"""The Node packages every part of the repository needs, installed by `make install` only.

Three lock files: the repository root (firebase-tools, for the emulators), clients/web (the
web client's bundler) and tests/e2e (playwright-core for the browser tests). Each directory's
node_modules carries a stamp (a hash of its package.json and lock); `make install` runs
`npm ci` where the stamp is stale, and everything else (`make dev`, the tests) only checks it,
so nothing is downloaded after `make install` and `make dev` works offline.

    python -m devstack.node_install           install what is stale (what `make install` runs)
    python -m devstack.node_install --check   exit 1 naming what is stale
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# re2 (an optional native dependency of firebase-tools, compiled from source when GitHub's
# prebuilt binary is unreachable) is used only by the Hosting emulator's superstatic, which this
# repository never starts: the root installs without optional dependencies.
PACKAGES = {ROOT: ["--omit=optional"], ROOT / "clients" / "web": [], ROOT / "tests" / "e2e": []}
STAMP = ".phoenix-install"


class NotInstalled(RuntimeError):
    pass


def _digest(directory: Path) -> str:
    files = (directory / "package.json", directory / "package-lock.json")
    return hashlib.sha256(b"\0".join(f.read_bytes() for f in files)).hexdigest()


def _stamp(directory: Path) -> Path:
    return directory / "node_modules" / STAMP


def is_current(directory: Path) -> bool:
    stamp = _stamp(directory)
    return stamp.exists() and stamp.read_text().strip() == _digest(directory)


def require(directory: Path) -> Path:
    """node_modules of `directory`, or NotInstalled (never installs: tests and `make dev` call this)."""
    if not is_current(directory):
        raise NotInstalled(f"{directory.relative_to(ROOT)}: node packages missing or stale; run `make install`")
    return directory / "node_modules"


def install(directory: Path) -> bool:
    """`npm ci` when the stamp is stale; True if it ran."""
    if is_current(directory):
        return False
    npm = shutil.which("npm")
    if npm is None:
        raise NotInstalled("npm is required (Node.js 20)")
    args = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error", *PACKAGES.get(directory, [])]
    result = subprocess.run(args, cwd=directory, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise NotInstalled(f"npm ci failed in {directory}")
    _stamp(directory).write_text(_digest(directory) + "\n")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.node_install")
    parser.add_argument("--check", action="store_true", help="only report what is stale")
    args = parser.parse_args(argv)
    stale = [d for d in PACKAGES if not is_current(d)]
    if args.check:
        for directory in stale:
            print(f"stale: {directory.relative_to(ROOT)}")
        return 1 if stale else 0
    for directory in stale:
        print(f"npm ci in {directory.relative_to(ROOT)}", flush=True)
        install(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
