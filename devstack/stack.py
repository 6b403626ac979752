"""Starts and stops the whole local stack: S3 server (R2), Veo and FCM stand-ins and the Firebase
emulators (Auth, Firestore, Functions, Cloud Tasks, Pub/Sub, Storage) running our functions.

Used by `make dev` (foreground, Ctrl-C stops everything) and by the test session.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from devstack import java, locks, registry
from standins.tls import LocalTls, local_tls_files, make_local_tls

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / "functions" / "venv" / "bin"
# What every stack of this checkout shares: the credentials functions/.env.local names (so
# several stacks, each in its own network namespace, trust the same ones) and the bench.
RUN_DIR = ROOT / ".devstack"
PROJECT_ID = "demo-phoenix"

FIRESTORE_PORT = 8080
AUTH_PORT = 9099
FUNCTIONS_PORT = 5001
TASKS_PORT = 9499
S3_PORT = 9000
R2_PROXY_PORT = 9010
STORAGE_PORT = 9199
VEO_PORT = 8787
FCM_PORT = 9015

MEDIA_BUCKET = "phoenix-media"
TEMP_BUCKET = "phoenix-veo-tmp"
S3_ENDPOINT = f"http://127.0.0.1:{S3_PORT}"
# The functions reach R2 through a fault-injecting proxy so tests can make R2 fail, and
# refuse what R2 refuses. Like R2 it takes S3 requests over HTTPS only (R2_ENDPOINT_URL,
# with a CA made by a stack that starts alone: R2_CA_FILE, the functions' R2_CA_BUNDLE); its control API
# answers plain HTTP on the same port (R2_PROXY_URL). Public media URLs go to the S3 server
# directly over HTTP, as browsers reach R2's public domain.
R2_PROXY_URL = f"http://127.0.0.1:{R2_PROXY_PORT}"
R2_ENDPOINT_URL = f"https://127.0.0.1:{R2_PROXY_PORT}"
R2_CA_FILE = RUN_DIR / "r2-ca.pem"  # functions/.env.local points R2_CA_BUNDLE here
# The Storage emulator: Veo's temporary output bucket (GCS JSON API, STORAGE_EMULATOR_HOST) and
# the default Firebase Storage bucket (Firebase API /v0, behind storage.rules).
STORAGE_ENDPOINT = f"http://127.0.0.1:{STORAGE_PORT}"
STORAGE_DEFAULT_BUCKET = f"{PROJECT_ID}.appspot.com"
VEO_URL = f"http://127.0.0.1:{VEO_PORT}"
FCM_URL = f"http://127.0.0.1:{FCM_PORT}"
# A service account key made by a stack that starts alone (the checkout's other running stacks
# share it: Stack._write_credentials), trusted by the FCM stand-in only: its token_uri is
# the stand-in's, so the functions run Google's OAuth exchange against it (functions/.env.local
# points FCM_CREDENTIALS_FILE here).
FCM_KEY_FILE = RUN_DIR / "fcm-service-account.json"
CREDENTIALS_IN_USE = RUN_DIR / "credentials.in-use"
# The emulators of the stack (Storage holds Veo's output and enforces storage.rules).
EMULATORS = "auth,firestore,functions,tasks,pubsub,storage"
FUNCTION_NAMES = registry.function_names()  # what main.py registers


def stack_dir() -> Path:
    """Where this process's stack keeps its logs, its emulators' TMPDIR and its Java launchers:
    .devstack, or a directory of its own (PHOENIX_STACK_DIR) when several stacks run from one
    checkout at once, as the test workers' do (tests/support/parallel.py)."""
    return Path(os.environ.get("PHOENIX_STACK_DIR") or RUN_DIR)


def log_path(name: str) -> Path:
    """The log of one part of this process's stack, e.g. log_path("emulators")."""
    return stack_dir() / f"{name}.log"


def client_env() -> dict[str, str]:
    """What a process needs to talk to the emulators as the Admin SDK does."""
    return {
        "FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{FIRESTORE_PORT}",
        "FIREBASE_AUTH_EMULATOR_HOST": f"127.0.0.1:{AUTH_PORT}",
        "CLOUD_TASKS_EMULATOR_HOST": f"127.0.0.1:{TASKS_PORT}",
        # google-cloud-storage takes a URL here; firebase-admin's storage reads the host alone.
        "STORAGE_EMULATOR_HOST": STORAGE_ENDPOINT,
        "FIREBASE_STORAGE_EMULATOR_HOST": f"127.0.0.1:{STORAGE_PORT}",
        "GCLOUD_PROJECT": PROJECT_ID,
        "GOOGLE_CLOUD_PROJECT": PROJECT_ID,
    }


def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except OSError:
        return False


def wait_for(what: str, check, timeout: float, proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.2)
    tail = log.read_text()[-4000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not come up within {timeout:.0f}s\n{tail}")


def loaded_functions() -> list[str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{FUNCTIONS_PORT}/backends", timeout=2) as resp:
            backends = json.load(resp)["backends"]
    except (OSError, ValueError, KeyError):
        return []
    return [t["entryPoint"] for b in backends for t in b.get("functionTriggers", [])]


@dataclass
class Stack:
    quiet: bool = True
    procs: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    _tls: LocalTls | None = field(default=None, repr=False)
    # Whatever listens on the emulators' ports once they are up: the Pub/Sub emulator's Java
    # is started through a script that exits, so it is nobody's descendant by stop time.
    _port_owners: set[int] = field(default_factory=set, repr=False)
    _credentials_in_use: int | None = field(default=None, repr=False)  # a shared flock, see _write_credentials

    def _spawn(self, name: str, args: list[str], env: dict | None = None) -> tuple[subprocess.Popen, Path]:
        log = log_path(name)
        log.parent.mkdir(parents=True, exist_ok=True)
        # The previous start's log is kept beside (<name>.log.1): a failure of one test run can
        # still be read while the next run (make test-under-load runs three) has begun.
        if log.exists():
            log.replace(log.with_suffix(".log.1"))
        log_file = open(log, "a")  # noqa: SIM115 - the child keeps it open for its whole life
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so stop() ends its children too
        )
        self.procs.append((name, proc))
        return proc, log

    def start(self) -> Stack:
        # The stand-ins and the emulators do not need each other to come up (they meet at
        # request time), so they start together: the start takes as long as the slowest part
        # (the emulators) rather than the sum. The files the functions read as they load (R2's
        # CA, the FCM key) are written before anything starts.
        pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="stack-start")
        try:
            self._write_credentials()
            steps = (self._start_s3, self._start_r2_proxy, self._start_veo, self._start_fcm)
            standins = [pool.submit(step) for step in steps]
            self._start_emulators()
            for started in standins:
                started.result()
            self._port_owners = _listening_pids(emulator_ports())
        except BaseException:
            self.stop()  # a stand-in still waiting sees its process end and gives up at once
            pool.shutdown(wait=True)
            self.stop()  # and one that spawned meanwhile is stopped too
            raise
        pool.shutdown(wait=True)
        return self

    def _write_credentials(self) -> None:
        """Fresh R2 CA and FCM key, unless another stack of this checkout runs on them now.

        functions/.env.local names one path for each, so every stack of the checkout (the test
        workers' run side by side) must use the same files, and a starting stack must never
        replace the files a running one's functions still read. A running stack holds a shared
        lock on CREDENTIALS_IN_USE for its whole life; a starter, one at a time, makes new files
        only when it can take that lock exclusively (nobody runs on the old ones)."""
        from standins.fcm_server import make_service_account_key

        RUN_DIR.mkdir(exist_ok=True)
        # Kept on self at once: if anything below fails, stop() still lets go of the lock.
        in_use = self._credentials_in_use = os.open(CREDENTIALS_IN_USE, os.O_RDWR | os.O_CREAT, 0o600)
        with locks.exclusive(RUN_DIR / "credentials.lock"):
            try:
                fcntl.flock(in_use, fcntl.LOCK_EX | fcntl.LOCK_NB)
                alone = True
            except BlockingIOError:
                alone = False
            tls = local_tls_files(RUN_DIR, prefix="r2")
            have_files = FCM_KEY_FILE.exists() and all(p.exists() for p in (tls.ca_file, tls.cert_file, tls.key_file))
            if alone or not have_files:
                tls = make_local_tls(RUN_DIR, prefix="r2")
                make_service_account_key(str(FCM_KEY_FILE), PROJECT_ID, f"{FCM_URL}/token")
            # Starters are serialized by the lock above and running stacks never ask for
            # LOCK_EX, so turning ours into a shared one cannot let anyone in between.
            fcntl.flock(in_use, fcntl.LOCK_SH)
        self._tls = tls

    def _start_s3(self) -> None:
        proc, log = self._spawn("s3", [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(S3_PORT)])
        wait_for("S3 server (moto)", lambda: http_ok(f"{S3_ENDPOINT}/moto-api/"), 60, proc, log)
        ensure_media_bucket()

    def _start_r2_proxy(self) -> None:
        tls = self._tls
        assert tls is not None, "start() writes the credentials first"
        proc, log = self._spawn(
            "r2proxy",
            [
                str(VENV_BIN / "python"),
                "-m",
                "standins.fault_proxy",
                "--port",
                str(R2_PROXY_PORT),
                "--upstream",
                S3_ENDPOINT,
                "--tls-cert",
                str(tls.cert_file),
                "--tls-key",
                str(tls.key_file),
                "--quiet",
            ],
        )
        wait_for("R2 fault proxy", lambda: http_ok(f"{R2_PROXY_URL}/_control/health"), 60, proc, log)

    def _start_veo(self) -> None:
        # Short fixed generation time and no quota unless asked: Veo's real 30-120 s
        # (VEO_DELAY_SECONDS=30 VEO_DELAY_MAX_SECONDS=120) and ~50 starts/min
        # (VEO_QUOTA_PER_MINUTE=50) are for trying the app under production-like conditions.
        args = [
            str(VENV_BIN / "python"),
            "-m",
            "standins.veo_server",
            "--port",
            str(VEO_PORT),
            "--gcs-endpoint",
            STORAGE_ENDPOINT,
            "--delay-seconds",
            os.environ.get("VEO_DELAY_SECONDS", "3"),
            "--quota-per-minute",
            os.environ.get("VEO_QUOTA_PER_MINUTE", "0"),
        ]
        if os.environ.get("VEO_DELAY_MAX_SECONDS"):
            args += ["--delay-max-seconds", os.environ["VEO_DELAY_MAX_SECONDS"]]
        proc, log = self._spawn("veo", args)
        wait_for("Veo stand-in", lambda: http_ok(f"{VEO_URL}/_control/health"), 60, proc, log)

    def _start_fcm(self) -> None:
        args = [str(VENV_BIN / "python"), "-m", "standins.fcm_server", "--port", str(FCM_PORT)]
        args += ["--project", PROJECT_ID, "--credentials", str(FCM_KEY_FILE), "--quiet"]
        proc, log = self._spawn("fcm", args)
        wait_for("FCM stand-in", lambda: http_ok(f"{FCM_URL}/_control/health"), 60, proc, log)

    def _start_emulators(self) -> None:
        env = emulator_process_env()
        firebase = ROOT / "node_modules" / ".bin" / "firebase"
        proc, log = self._spawn(
            "emulators",
            [
                str(firebase),
                "emulators:start",
                "--project",
                PROJECT_ID,
                "--only",
                EMULATORS,
            ],
            env,
        )
        wait_for(
            "Firebase emulators with our functions",
            lambda: (
                set(FUNCTION_NAMES) <= set(loaded_functions())
                and http_ok(f"http://127.0.0.1:{AUTH_PORT}/")
                and storage_ready()
            ),
            180,
            proc,
            log,
        )

    def stop(self) -> None:
        # firebase-tools starts the Java emulators detached (their own session), so ending the
        # emulators' process group does not reach them: note every descendant first.
        descendants = {pid for _, proc in self.procs for pid in _descendants(proc.pid)} | self._port_owners
        descendants.discard(os.getpid())
        for name, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGINT if name == "emulators" else signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for _, proc in reversed(self.procs):
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)
            # The functions emulator leaves Python workers behind in the group: end them all.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        for pid in descendants:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.procs.clear()
        self._port_owners = set()
        if self._credentials_in_use is not None:
            os.close(self._credentials_in_use)  # lets the next lone start make fresh credentials
            self._credentials_in_use = None


def emulator_ports() -> set[int]:
    """The ports firebase.json gives the emulators."""
    emulators = json.loads((ROOT / "firebase.json").read_text())["emulators"]
    return {spec["port"] for spec in emulators.values() if isinstance(spec, dict) and "port" in spec}


def _listening_pids(ports: set[int]) -> set[int]:
    """The processes holding a listening TCP socket on one of `ports` in this network namespace
    (Linux's /proc; elsewhere an empty set)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                cols = line.split()
                if len(cols) > 9 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) in ports:
                    inodes.add(f"socket:[{cols[9]}]")
    pids: set[int] = set()
    if not inodes:
        return pids
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            if any(os.readlink(f"/proc/{entry}/fd/{fd}") in inodes for fd in os.listdir(f"/proc/{entry}/fd")):
                pids.add(int(entry))
    return pids


def _descendants(root: int) -> set[int]:
    """Every process below `root`, from /proc (Linux; elsewhere an empty set)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return set()
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # "pid (comm) state ppid ...": comm may hold spaces, so split after its ')'.
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


STORAGE_RANGE_FIX = ROOT / "devstack" / "storage_ranges" / "unsatisfiable_range.js"


def emulator_process_env(tmp_dir: Path | None = None) -> dict[str, str]:
    """What the `firebase emulators:start` process needs here (also the bench's own stack)."""
    tmp_dir = tmp_dir or stack_dir() / "tmp"
    # The Storage emulator keeps its objects in $TMPDIR/firebase/storage/blobs and deletes that
    # folder when it stops: with the shared /tmp, any other Storage emulator on the machine that
    # stops takes this one's objects with it (and crashes it on its next upload).
    tmp_dir.mkdir(parents=True, exist_ok=True)
    return {
        **java.emulator_env(stack_dir()),
        "TMPDIR": str(tmp_dir),
        "METADATA_SERVER_DETECTION": "none",
        "PYTHONDONTWRITEBYTECODE": "1",
        # A new Python worker (one per concurrent invocation) must import our functions
        # within this many seconds (firebase-tools' default: 30) or the invocation fails
        # with "Failed to load function" and the event is lost: on a busy 2-core machine
        # a cold worker can take longer.
        "FUNCTIONS_DISCOVERY_TIMEOUT": "120",
        # The Storage emulator must answer a read past the end with 416, as Cloud Storage does
        # (see the script): google-cloud-storage's streamed reads end on it.
        "NODE_OPTIONS": f"{os.environ.get('NODE_OPTIONS', '')} --require {STORAGE_RANGE_FIX}".strip(),
    }


def s3_client():
    import boto3

    return boto3.client(
        "s3", endpoint_url=S3_ENDPOINT, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


def ensure_media_bucket() -> None:
    """The R2 stand-in bucket, readable anonymously like an R2 bucket behind its public domain."""
    s3 = s3_client()
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if MEDIA_BUCKET not in existing:
        s3.create_bucket(Bucket=MEDIA_BUCKET)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{MEDIA_BUCKET}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=MEDIA_BUCKET, Policy=json.dumps(policy))


def storage_ready(endpoint: str = STORAGE_ENDPOINT) -> bool:
    """The Storage emulator answers once its rules runtime is up and the rules are loaded."""
    return http_ok(f"{endpoint}/storage/v1/b")


def stack_running() -> bool:
    return (
        set(FUNCTION_NAMES) <= set(loaded_functions())
        and http_ok(f"{VEO_URL}/_control/health")
        and http_ok(f"{FCM_URL}/_control/health")
        and storage_ready()
    )


@contextlib.contextmanager
def storage_emulator_alone(work_dir: Path, port: int, hub_port: int, logging_port: int, rules: Path | None = None):
    """The Storage emulator by itself on the given ports (so it runs beside a full stack), with
    `rules` (default: this repository's storage.rules): for tests of Veo's output and rules."""
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "storage.rules").write_text((rules or ROOT / "storage.rules").read_text())
    config = {
        "storage": {"rules": "storage.rules"},
        "emulators": {
            "storage": {"port": port},
            "hub": {"port": hub_port},
            "logging": {"port": logging_port},
            "ui": {"enabled": False},
        },
    }
    (work_dir / "firebase.json").write_text(json.dumps(config))
    log_file_path = work_dir / "storage-emulator.log"
    with open(log_file_path, "w") as log_file:
        proc = subprocess.Popen(
            [
                str(ROOT / "node_modules" / ".bin" / "firebase"),
                "emulators:start",
                "--project",
                "demo-phoenix-storage",
                "--only",
                "storage",
                "--config",
                str(work_dir / "firebase.json"),
            ],
            cwd=work_dir,
            env={**os.environ, **emulator_process_env(work_dir / "tmp")},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        endpoint = f"http://127.0.0.1:{port}"
        try:
            wait_for("Storage emulator", lambda: storage_ready(endpoint), 120, proc, log_file_path)
            yield endpoint
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
