"""The Storage emulator as the stack runs it offline: our local rules runtime really enforces
the repository's storage.rules (an owner's photo passes, the rest is refused), admin writes pass
them, and a Python storage trigger on a non-default bucket fires."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage

from devstack import stack as devstack
from domain import uploads
from tests.support.ports import free_port

DEFAULT_BUCKET = "demo-phoenix-storage.appspot.com"
OWNER_RULES = """rules_version = '2';
service firebase.storage {
  match /b/{bucket}/o {
    match /uploads/{uid}/{uploadId} {
      allow create: if request.auth != null && request.auth.uid == uid;
    }
  }
}
"""


def id_token(uid: str) -> str:
    """A token shaped like the Auth emulator's (unsigned): the Storage emulator decodes it only."""

    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({'user_id': uid, 'sub': uid})}."


def client_upload(
    endpoint: str, bucket: str, name: str, authorization: str | None, content_type: str = "image/jpeg"
) -> int:
    """An upload through the Firebase Storage API (/v0), the one the client SDKs use."""
    url = f"{endpoint}/v0/b/{bucket}/o?name={urllib.parse.quote(name, safe='')}"
    headers = {"Content-Type": content_type}
    if authorization:
        headers["Authorization"] = authorization
    request = urllib.request.Request(url, data=b"\xff\xd8jpeg", method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def admin_client(endpoint: str) -> storage.Client:
    return storage.Client(
        project="demo-phoenix-storage", credentials=AnonymousCredentials(), client_options={"api_endpoint": endpoint}
    )


@pytest.fixture(scope="module")
def storage_endpoint(storage_alone):
    return storage_alone  # the session's lone Storage emulator (tests/conftest.py)


@pytest.mark.parametrize(
    ("path", "uid", "content_type", "status"),
    [
        (uploads.upload_path("alice", "{id}"), "alice", "image/jpeg", 200),  # the owner's photo
        (uploads.upload_path("bob", "{id}"), "alice", "image/jpeg", 403),  # another user's folder
        ("elsewhere/alice/{id}", "alice", "image/jpeg", 403),  # outside uploads/
        (uploads.upload_path("alice", "{id}"), "alice", "text/plain", 403),  # not an image type
        (uploads.upload_path("alice", "{id}"), None, "image/jpeg", 403),  # signed out
    ],
    ids=["own-photo", "other-users-folder", "outside-uploads", "wrong-content-type", "signed-out"],
)
def test_a_client_upload_is_decided_by_the_repository_rules(storage_endpoint, path, uid, content_type, status):
    """The emulator the stack starts runs OUR storage.rules through devstack/storage_rules/:
    neither a blanket refusal nor the emulator's defaults. Each rule's detail is the hostile
    client suite's (tests/rules/test_storage_rules.py); this is the wiring."""
    authorization = f"Bearer {id_token(uid)}" if uid else None
    name = path.format(id=uuid.uuid4().hex)
    assert client_upload(storage_endpoint, DEFAULT_BUCKET, name, authorization, content_type) == status


def test_an_admin_write_passes_the_rules_through_both_apis(storage_endpoint):
    """Writes the rules refuse every client (a folder outside uploads/, not an image) land for
    the Admin SDK (the GCS JSON API, as the server writes) and for `Bearer owner` on the
    Firebase API (/v0)."""
    prefix = f"server-{uuid.uuid4().hex}/"
    alice = f"Bearer {id_token('alice')}"
    assert client_upload(storage_endpoint, DEFAULT_BUCKET, prefix + "client.mp4", alice, "video/mp4") == 403
    blob = admin_client(storage_endpoint).bucket(DEFAULT_BUCKET).blob(prefix + "gcs.mp4")
    blob.upload_from_string(b"x", content_type="video/mp4")
    assert client_upload(storage_endpoint, DEFAULT_BUCKET, prefix + "firebase.mp4", "Bearer owner", "video/mp4") == 200
    names = {blob.name for blob in admin_client(storage_endpoint).list_blobs(DEFAULT_BUCKET, prefix=prefix)}
    assert names == {prefix + "gcs.mp4", prefix + "firebase.mp4"}


def test_the_rules_runtime_evaluates_the_rules_it_is_given(tmp_path):
    """Rules other than the repository's are the ones enforced when given: these admit any
    content type from the owner, which storage.rules refuse."""
    rules = tmp_path / "owner.rules"
    rules.write_text(OWNER_RULES)
    with devstack.storage_emulator_alone(
        tmp_path / "emulator", free_port(), free_port(), free_port(), rules=rules
    ) as endpoint:
        alice = f"Bearer {id_token('alice')}"
        assert client_upload(endpoint, DEFAULT_BUCKET, "uploads/alice/1", alice, "text/plain") == 200
        assert client_upload(endpoint, DEFAULT_BUCKET, "uploads/bob/1", alice, "text/plain") == 403
        assert client_upload(endpoint, DEFAULT_BUCKET, "elsewhere/1", alice, "text/plain") == 403


TRIGGER_MAIN = """
import json, os, pathlib
from firebase_functions import storage_fn
from firebase_functions.params import StringParam

TEMP_BUCKET = StringParam("GCS_TEMP_BUCKET")


@storage_fn.on_object_finalized(DECLARATION)
def onveooutput(event: storage_fn.CloudEvent[storage_fn.StorageObjectData]) -> None:
    marker = pathlib.Path(os.environ["MARKER_DIR"]) / event.data.name.replace("/", "__")
    marker.write_text(json.dumps({"bucket": event.data.bucket, "name": event.data.name}))
"""


@pytest.mark.parametrize(
    ("declaration", "bucket"),
    [
        ("bucket=TEMP_BUCKET", devstack.TEMP_BUCKET),  # a param, as Veo's temp bucket is
        (f"bucket={devstack.TEMP_BUCKET!r}", devstack.TEMP_BUCKET),  # the name itself
        ("", "demo-phoenix-trigger.appspot.com"),  # no bucket: the project's default bucket
    ],
    ids=["param", "literal", "default-bucket"],
)
def test_a_python_finalize_trigger_fires_for_a_google_cloud_storage_write_to_its_bucket(tmp_path, declaration, bucket):
    """A throwaway codebase (not our functions): one on_object_finalized trigger; objects that
    google-cloud-storage writes through STORAGE_EMULATOR_HOST into its bucket must reach it,
    objects in another bucket must not."""
    source = tmp_path / "fn"
    source.mkdir()
    (source / "main.py").write_text(TRIGGER_MAIN.replace("DECLARATION", declaration))
    (source / "requirements.txt").write_text("firebase-functions\n")
    (source / "venv").symlink_to(devstack.VENV_BIN.parent)
    markers = tmp_path / "markers"
    markers.mkdir()
    (source / ".env").write_text(f"GCS_TEMP_BUCKET={devstack.TEMP_BUCKET}\nMARKER_DIR={markers}\n")
    ports = {name: free_port() for name in ("storage", "functions", "hub", "logging")}
    config = {
        "functions": [{"source": "fn", "codebase": "default", "runtime": "python311", "ignore": ["venv"]}],
        "storage": {"rules": "storage.rules"},
        "emulators": {
            **{name: {"port": port} for name, port in ports.items()},
            "ui": {"enabled": False},
            "singleProjectMode": True,
        },
    }
    (tmp_path / "firebase.json").write_text(json.dumps(config))
    (tmp_path / "storage.rules").write_text((devstack.ROOT / "storage.rules").read_text())
    log = tmp_path / "emulators.log"
    endpoint = f"http://127.0.0.1:{ports['storage']}"
    with open(log, "w") as log_file:
        proc = subprocess.Popen(
            [
                str(devstack.ROOT / "node_modules" / ".bin" / "firebase"),
                *("emulators:start", "--project", "demo-phoenix-trigger", "--only", "functions,storage"),
                *("--config", str(tmp_path / "firebase.json")),
            ],
            cwd=tmp_path,
            env={**os.environ, **devstack.emulator_process_env(tmp_path / "tmp")},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        devstack.wait_for(
            "Storage emulator and the trigger",
            lambda: devstack.storage_ready(endpoint) and "onveooutput" in log.read_text(),
            180,
            proc,
            log,
        )
        os.environ["STORAGE_EMULATOR_HOST"], saved = endpoint, os.environ.get("STORAGE_EMULATOR_HOST")
        try:
            client = storage.Client()  # as adapters/gcs.py and Veo's stand-in do: the env var alone
        finally:
            if saved is None:
                del os.environ["STORAGE_EMULATOR_HOST"]
            else:
                os.environ["STORAGE_EMULATOR_HOST"] = saved
        client.bucket("another-bucket").blob("creations/c0/op/sample_0.mp4").upload_from_string(b"not watched")
        client.bucket(bucket).blob("creations/c1/op/sample_0.mp4").upload_from_string(
            b"\x00" * 1024, content_type="video/mp4"
        )
        marker = markers / "creations__c1__op__sample_0.mp4"
        devstack.wait_for("the trigger's marker", marker.exists, 120, proc, log)
        assert json.loads(marker.read_text()) == {
            "bucket": bucket,
            "name": "creations/c1/op/sample_0.mp4",
        }
        # The write to the other bucket came first: had it been delivered, it would be here now.
        assert [m.name for m in markers.iterdir()] == [marker.name]
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
