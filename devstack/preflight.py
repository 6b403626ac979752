"""Is what this command needs there? One place that lists the local stack's parts, and the
checks every command that needs them runs first (`make try`, `make ledger-check`,
`python -m ops --emulator …`, the bench), so a person reads one line naming what is missing
and the command that starts it instead of a traceback or a five-minute hang.

    require_stack(parts)     exits 3 with one line when a part does not answer (within ~1 s)
    require_free_ports()     exits 3 when a part's port is taken (the bench starts its own stack)
    require_credentials(p)   exits 3 when a real project has no Application Default Credentials

Every check runs the parts in parallel with a 1 s timeout each: the whole answer comes in
well under 2 s, whether the stack is up, half up or not there at all.
"""

from __future__ import annotations

import socket
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from devstack import stack

START_COMMAND = "make dev"
EXIT_NOT_READY = 3  # distinct from 1 (problems found) and 2 (bad arguments)
TIMEOUT_S = 1.0
CREDENTIALS_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class Part:
    key: str  # what commands ask for
    name: str  # what a person reads
    port: int
    probe: str  # path answered with < 500 when the part is up


# The local stack, once: devstack/stack.py starts these; nothing else lists them.
PARTS: tuple[Part, ...] = (
    Part("auth", "Auth emulator", stack.AUTH_PORT, "/"),
    Part("firestore", "Firestore emulator", stack.FIRESTORE_PORT, "/"),
    Part("functions", "Functions emulator", stack.FUNCTIONS_PORT, "/backends"),
    Part("tasks", "Cloud Tasks emulator", stack.TASKS_PORT, "/"),
    Part("veo", "Veo stand-in", stack.VEO_PORT, "/_control/health"),
    Part("fcm", "FCM stand-in", stack.FCM_PORT, "/_control/health"),
    Part("s3", "S3 server (R2)", stack.S3_PORT, "/moto-api/"),
    Part("r2proxy", "R2 fault proxy", stack.R2_PROXY_PORT, "/_control/health"),
    Part("storage", "Storage emulator", stack.STORAGE_PORT, "/storage/v1/b"),
)
ALL = tuple(p.key for p in PARTS)


def _answers(part: Part) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{part.port}{part.probe}", timeout=TIMEOUT_S) as resp:
            return resp.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (OSError, ValueError):
        return False


def _functions_missing() -> list[str]:
    return sorted(set(stack.FUNCTION_NAMES) - set(stack.loaded_functions()))


def _parallel(check: Callable[[Part], bool], parts: Iterable[Part]) -> list[Part]:
    chosen = list(parts)
    with ThreadPoolExecutor(max_workers=len(chosen) or 1) as pool:
        results = list(pool.map(check, chosen))
    return [part for part, ok in zip(chosen, results, strict=True) if ok]


def _named(keys: Iterable[str] | None) -> list[Part]:
    wanted = set(ALL if keys is None else keys)
    unknown = wanted - set(ALL)
    if unknown:
        raise ValueError(f"unknown stack parts: {sorted(unknown)}")
    return [p for p in PARTS if p.key in wanted]


def _list(parts: list[Part]) -> str:
    return ", ".join(f"{p.name} :{p.port}" for p in parts)


def stack_problem(keys: Iterable[str] | None = None) -> str | None:
    """One line saying what is missing and how to start it, or None when all of it answers."""
    wanted = _named(keys)
    up = _parallel(_answers, wanted)
    down = [p for p in wanted if p not in up]
    if len(down) == len(wanted):
        return (
            f"The local stack is not running (nothing answers on {_list(down)}): "
            f"start it with `{START_COMMAND}` in another terminal."
        )
    if down:
        return (
            f"The local stack is only partly up: {_list(down)} not answering. "
            f"Stop it (Ctrl-C) and run `{START_COMMAND}` again."
        )
    if any(p.key == "functions" for p in wanted):
        missing = _functions_missing()
        if missing:
            shown = ", ".join(missing[:3]) + ("…" if len(missing) > 3 else "")
            return (
                f"The Functions emulator is up but {len(missing)} of our functions are not loaded ({shown}): "
                f"wait for `{START_COMMAND}` to print its banner, or see .devstack/emulators.log."
            )
    return None


def require_stack(keys: Iterable[str] | None = None) -> None:
    problem = stack_problem(keys)
    if problem:
        print(problem, file=sys.stderr)
        raise SystemExit(EXIT_NOT_READY)


def _port_taken(part: Part) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(TIMEOUT_S)
        return sock.connect_ex(("127.0.0.1", part.port)) == 0


def ports_problem(keys: Iterable[str] | None = None) -> str | None:
    """For commands that start their own stack: which of its ports are already taken."""
    taken = _parallel(_port_taken, _named(keys))
    if not taken:
        return None
    return (
        f"Ports the stack needs are taken: {_list(taken)}. Stop `{START_COMMAND}` (or whatever holds them), "
        "or run this in its own network namespace: unshare -n bash -c 'ip link set lo up; …'."
    )


def require_free_ports(keys: Iterable[str] | None = None) -> None:
    problem = ports_problem(keys)
    if problem:
        print(problem, file=sys.stderr)
        raise SystemExit(EXIT_NOT_READY)


def credentials_problem(project: str) -> str | None:
    """A real project needs Application Default Credentials; None when they are there.

    google.auth.default() tries an explicit key file, gcloud's ADC file, then the GCE
    metadata server, which can take seconds to time out off Google Cloud: it gets
    CREDENTIALS_TIMEOUT_S in a thread, after which no credentials are assumed.
    """
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    answer: list[bool] = []

    def look() -> None:
        try:
            google.auth.default()
        except (DefaultCredentialsError, ValueError, OSError):  # none, or an unreadable key file
            answer.append(False)
        else:
            answer.append(True)

    # A daemon thread: a metadata lookup still waiting must not hold the process at exit.
    looking = threading.Thread(target=look, daemon=True)
    looking.start()
    looking.join(timeout=CREDENTIALS_TIMEOUT_S)
    ok = bool(answer and answer[0])
    if ok:
        return None
    return (
        f"No Google credentials for project {project}: run `gcloud auth application-default login` "
        "(or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file), then run this again."
    )


def require_credentials(project: str) -> None:
    problem = credentials_problem(project)
    if problem:
        print(problem, file=sys.stderr)
        raise SystemExit(EXIT_NOT_READY)
