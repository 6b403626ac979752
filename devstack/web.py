"""The reference web client (clients/web): build it and serve it on localhost.

    build()                 the esbuild bundle (node_modules from `make install`: never installed
                            here); does nothing when it is up to date (a hash of the inputs is kept)
    serve(port=5173)        serves clients/web/dist from a background thread -> (server, thread)
    python -m devstack.web  builds, then serves in the foreground (Ctrl-C stops it)

The page talks to the emulators that `make dev` starts (Auth 9099, Firestore 8080).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import http.server
import shutil
import subprocess
import threading
from pathlib import Path

from devstack import locks, node_install
from devstack.stack import RUN_DIR
from standins.control import ServiceHTTPServer

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "clients" / "web"
DIST = WEB / "dist"
DEFAULT_PORT = 5173
_BUILD_STAMP = DIST / ".phoenix-build"


def _hash(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(WEB)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _run(args: list[str], what: str) -> None:
    npm = shutil.which(args[0])
    if npm is None:
        raise RuntimeError(f"{args[0]} is not installed: the web client needs Node.js 20 and npm")
    result = subprocess.run(
        [npm, *args[1:]], cwd=WEB, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {result.returncode}) in {WEB}:\n{result.stdout[-4000:]}")


def build(force: bool = False) -> Path:
    """Bundles clients/web/src into clients/web/dist; returns dist. Its node packages come from
    `make install` (node_install.NotInstalled otherwise): `make dev` works offline."""
    node_install.require(WEB)
    inputs = [p for p in (WEB / "src").rglob("*") if p.is_file()]
    inputs += [WEB / "build.mjs", WEB / "package-lock.json"]
    wanted = _hash(inputs)
    # Test workers build at once from one checkout: one builds, the others then find it built.
    with locks.exclusive(RUN_DIR / "web-build.lock"):
        if force or _read(_BUILD_STAMP) != wanted or not (DIST / "app.js").exists():
            _run(["node", "build.mjs"], "the web client build (node build.mjs)")
            _BUILD_STAMP.write_text(wanted + "\n")
    return DIST


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".map": "application/json",
        ".css": "text/css",
        ".html": "text/html; charset=utf-8",
    }

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a rebuild shows up on reload
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # quiet: the stack logs enough
        pass


def serve(
    port: int = DEFAULT_PORT, host: str = "127.0.0.1", directory: Path = DIST
) -> tuple[http.server.ThreadingHTTPServer, threading.Thread]:
    """Serves the built client in a daemon thread. Port 0 picks a free port
    (read it back from server.server_address[1]). Stop with server.shutdown()."""
    if not (directory / "index.html").exists():
        raise RuntimeError(f"{directory} has no index.html: call build() first")
    handler = functools.partial(_Handler, directory=str(directory))
    server = ServiceHTTPServer((host, port), handler)
    thread = threading.Thread(target=server.serve_forever, name=f"web-client:{port}", daemon=True)
    thread.start()
    return server, thread


def url(server: http.server.ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    host = host.decode() if isinstance(host, bytes) else host
    return f"http://{host}:{port}/"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack.web", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    build()
    server, thread = serve(args.port, args.host)
    print(f"Web client on {url(server)} (needs the emulators of `make dev`). Ctrl-C stops it.", flush=True)
    try:
        thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
