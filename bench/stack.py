"""The bench's own stack: the devstack, with production poll settings and a naive peer.

The functions emulator reads params from functions/.env.local, which wins over any
.env.<project> file, and tests rely on its fast settings. So the bench never edits it: it
lays out a small Firebase project under .devstack/bench/ — a copy of functions/ (the venv
linked, not copied) whose .env.local is the emulator's with the poll and retry params taken
from functions/.env.example (production values), a second codebase `naive` with the naive
peer, copies of the rules and indexes — and starts the emulators with `--config` on it.
What runs is the tree's own code, copied at the start of the run.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from devstack import stack as devstack

ROOT = devstack.ROOT
BENCH_DIR = devstack.RUN_DIR / "bench"
NAIVE_SOURCE = Path(__file__).resolve().parent / "naive_peer"
# Params whose production value the bench uses (from functions/.env.example, when it lists them).
PRODUCTION_PARAMS = re.compile(r"^(POLL_|RETRY_|PROGRESS_|VEO_EXPECTED|VEO_MIN|ORPHAN_MEDIA)")
# The admission rate param of the designed system, whatever its exact name.
ADMISSION_PARAM = re.compile(r"STARTS_PER_MINUTE")
# Two codebases (ours and the naive peer) are discovered one after the other, each by a
# Python worker importing the functions: on 2 cores shared with other stacks (load 30+) that
# took over 4 minutes. The bench records how long it took (stackStartSeconds).
START_TIMEOUT_S = 600


def _env_lines(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for line in path.read_text().splitlines() if path.exists() else []:
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            pairs.append((key.strip(), value.strip()))
    return pairs


def bench_env(quota_per_minute: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The emulator's settings with production polling (and retries) and the bench's quota."""
    local = dict(_env_lines(ROOT / "functions" / ".env.local"))
    example = dict(_env_lines(ROOT / "functions" / ".env.example"))
    env = dict(local)
    for key, value in example.items():
        if PRODUCTION_PARAMS.match(key) and value:
            env[key] = value
    for key in list(env):
        if ADMISSION_PARAM.search(key) and quota_per_minute > 0:
            env[key] = str(quota_per_minute)
        # quota 0 (off): the emulator's own admission rate stays (functions/.env.local), so
        # the queue does not hold back what the stand-in would accept

    # devstack writes the R2 CA under .devstack/; the copy's relative path would miss it.
    env["R2_CA_BUNDLE"] = str(devstack.R2_CA_FILE)
    env.update(extra or {})
    return env


def _copy_functions(target: Path, env: dict[str, str], main_from: Path | None = None) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "functions", target, ignore=shutil.ignore_patterns("venv", "__pycache__", ".env.local"))
    (target / "venv").symlink_to(ROOT / "functions" / "venv")
    if main_from is not None:
        for item in main_from.iterdir():
            if item.suffix == ".py":
                shutil.copy(item, target / item.name)
    lines = [f"{k}={v}" for k, v in env.items()]
    (target / ".env.local").write_text("# written by bench/stack.py for one bench run\n" + "\n".join(lines) + "\n")


def lay_out(env: dict[str, str], naive: bool) -> Path:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    _copy_functions(BENCH_DIR / "functions", env)
    for name in ("firestore.rules", "firestore.indexes.json", "storage.rules", ".firebaserc"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, BENCH_DIR / name)
    import json

    config = json.loads((ROOT / "firebase.json").read_text())
    codebases = config["functions"] if isinstance(config["functions"], list) else [config["functions"]]
    if naive:
        # THREADS as ours in the emulator (1, from functions/.env.local): it sends a worker one
        # event at a time, and more threads make gunicorn keep connections the emulator loses events on
        _copy_functions(BENCH_DIR / "naive", env, main_from=NAIVE_SOURCE)
        codebases = codebases + [{**codebases[0], "source": "naive", "codebase": "naive"}]
    config["functions"] = codebases
    path = BENCH_DIR / "firebase.json"
    path.write_text(json.dumps(config, indent=2))
    return path


class BenchStack(devstack.Stack):
    """devstack.Stack with the emulators started on the bench's project layout."""

    def __init__(self, config_path: Path, naive: bool):
        super().__init__()
        self.config_path = config_path
        self.naive = naive

    def _start_emulators(self) -> None:
        env = devstack.emulator_process_env()
        firebase = ROOT / "node_modules" / ".bin" / "firebase"
        proc, log = self._spawn(
            "emulators",
            [
                str(firebase),
                "emulators:start",
                "--project",
                devstack.PROJECT_ID,
                "--config",
                str(self.config_path),
                "--only",
                devstack.EMULATORS,
            ],
            env,
        )
        wanted = set(devstack.FUNCTION_NAMES) | ({"naivegeneration"} if self.naive else set())
        devstack.wait_for(
            "Firebase emulators with the bench's functions",
            lambda: (
                wanted <= set(devstack.loaded_functions())
                and devstack.http_ok(f"http://127.0.0.1:{devstack.AUTH_PORT}/")
                and devstack.storage_ready()
            ),
            START_TIMEOUT_S,
            proc,
            log,
        )
