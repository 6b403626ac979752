"""The post-deploy smoke test: one short video made exactly as the app makes it.

    python -m ops --project P smoke [--api-key KEY]      a real project (the web app's API key)
    python -m ops --emulator smoke                         the local stack (make dev / the tests)

Steps, each timed on one screen: make a throw-away user (Admin SDK) and sign it in (Identity
Toolkit, email and password, as the app); grant it exactly one default 4 s video's tokens
(a ledger grant); write `creations/{id}` through the security rules with the user's ID token
(Firestore REST, as the app's SDK does); wait for the draft; fetch the video (bytes > 0,
`video/mp4`); delete the creation as the user; audit the user's ledger (`ledger-check`); remove
the user (Auth account, balance and ledger). Exit 0 when every step passed; otherwise exit 1
with a line naming the failed step (the user is removed all the same).

What one run costs in production: one Veo 3.1 fast 720p 4 s video with sound, $0.15/s x 4 s =
**$0.60** (pricing.VEO_USD_PER_SECOND, checked 2026-11-28), plus a few dozen Firestore
operations, two R2 requests and a few function invocations: well under a cent. The tokens are
granted and never sold.

Needs Email/Password sign-in enabled in Firebase Authentication, and the web API key
(`--api-key`, or FIREBASE_WEB_API_KEY): Firebase console, Project settings.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ops.connection import ConnectionProblem

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "a paper boat drifting down a rainy street (smoke test)"
DURATION = 4
WAIT_FOR_DRAFT_SECONDS = 600  # Veo takes 30-120 s, sometimes minutes; the sweep gives up at 15 min


def emulator_ports() -> dict[str, int]:
    """The emulators' ports, from firebase.json (the one place that sets them)."""
    emulators = json.loads((ROOT / "firebase.json").read_text())["emulators"]
    return {name: spec["port"] for name, spec in emulators.items() if isinstance(spec, dict) and "port" in spec}


@dataclass
class Endpoints:
    firestore: str  # .../v1/projects/P/databases/(default)/documents
    identity: str  # .../v1 of Identity Toolkit
    api_key: str

    @classmethod
    def for_project(cls, project: str, api_key: str | None, emulator: bool) -> Endpoints:
        if emulator:
            ports = emulator_ports()
            return cls(
                f"http://127.0.0.1:{ports['firestore']}/v1/projects/{project}/databases/(default)/documents",
                f"http://127.0.0.1:{ports['auth']}/identitytoolkit.googleapis.com/v1",
                api_key or "local",
            )
        if not api_key:
            raise ConnectionProblem(
                "no web API key: pass --api-key (Firebase console, Project settings) or set FIREBASE_WEB_API_KEY"
            )
        return cls(
            f"https://firestore.googleapis.com/v1/projects/{project}/databases/(default)/documents",
            "https://identitytoolkit.googleapis.com/v1",
            api_key,
        )


@dataclass
class Step:
    name: str
    seconds: float = 0.0
    ok: bool = False
    note: str = ""


@dataclass
class Run:
    steps: list[Step] = field(default_factory=list)

    def step(self, name: str, body: Callable[[], str | None]) -> None:
        step = Step(name)
        self.steps.append(step)
        started = time.monotonic()
        try:
            step.note = body() or ""
            step.ok = True
        finally:
            step.seconds = time.monotonic() - started

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)

    def screen(self, project: str) -> list[str]:
        lines = [f"smoke test of {project}"]
        for s in self.steps:
            lines.append(f"  {'ok  ' if s.ok else 'FAIL'} {s.name:<34} {s.seconds:7.1f} s  {s.note}")
        total = sum(s.seconds for s in self.steps)
        lines.append(f"smoke: {'OK' if self.ok else 'FAILED'} in {total:.1f} s")
        return lines


class SmokeFailure(Exception):
    pass


def _value(v: Any) -> dict:
    if isinstance(v, bool):
        return {"booleanValue": v}
    if isinstance(v, int):
        return {"integerValue": str(v)}
    if isinstance(v, str):
        return {"stringValue": v}
    raise TypeError(type(v))


def _decode(value: dict) -> Any:
    (kind, v), *_ = value.items()
    if kind == "integerValue":
        return int(v)
    if kind == "mapValue":
        return {k: _decode(x) for k, x in v.get("fields", {}).items()}
    if kind == "nullValue":
        return None
    return v


class Smoke:
    """One run's throw-away user and creation; each step is a method that returns its note or
    raises SmokeFailure (the SDKs are imported when a step runs: the module stays cheap)."""

    def __init__(self, endpoints: Endpoints, http, wait_seconds: float):
        self.endpoints, self.http, self.wait_seconds = endpoints, http, wait_seconds
        tag = uuid.uuid4().hex[:10]
        self.email, self.password = f"smoke-{tag}@phoenix.invalid", uuid.uuid4().hex
        self.cid = f"smoke-{tag}"
        self.uid = ""  # set once the account exists
        self.token = ""
        self.doc: dict[str, Any] = {}

    def steps(self) -> tuple[tuple[str, Callable[[], str]], ...]:
        return (
            ("make a throw-away user, sign in", self.make_user),
            ("grant one short video's tokens", self.grant),
            ("write the request (rules, ID token)", self.write_request),
            ("wait for the draft", self.wait_for_draft),
            ("fetch the video", self.fetch_video),
            ("delete the creation", self.delete_it),
            ("audit the user's ledger", self.check_ledger),
        )

    def _as_user(self, method: str, url: str, **kw):
        return self.http.request(method, url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30, **kw)

    def make_user(self) -> str:
        from firebase_admin import auth

        from adapters.firebase_app import app

        self.uid = uid = auth.create_user(email=self.email, password=self.password, app=app()).uid
        answer = self.http.post(
            f"{self.endpoints.identity}/accounts:signInWithPassword",
            params={"key": self.endpoints.api_key},
            json={"email": self.email, "password": self.password, "returnSecureToken": True},
            timeout=30,
        )
        if answer.status_code != 200:
            raise SmokeFailure(f"sign-in answered {answer.status_code}: {answer.text[:160]}")
        self.token = answer.json()["idToken"]
        return uid

    def grant(self) -> str:
        from adapters import store
        from domain.pricing import price

        cost = price(DURATION)
        balance = store.grant(self.uid, cost, "smoke test", grant_id="grant_smoke")
        return f"{cost} tokens (one default {DURATION} s video), balance {balance}"

    def write_request(self) -> str:
        firestore = self.endpoints.firestore
        name = f"{firestore.split('/v1/', 1)[1]}/creations/{self.cid}"
        fields = {"userId": self.uid, "prompt": PROMPT, "aspectRatio": "16:9", "duration": DURATION}
        body = {
            "writes": [
                {
                    "update": {
                        "name": name,
                        "fields": {k: _value(v) for k, v in {**fields, "status": "pending"}.items()},
                    },
                    "currentDocument": {"exists": False},
                    "updateTransforms": [{"fieldPath": "createdAt", "setToServerValue": "REQUEST_TIME"}],
                }
            ]
        }
        answer = self._as_user("POST", f"{firestore.rsplit('/documents', 1)[0]}/documents:commit", json=body)
        if answer.status_code != 200:
            raise SmokeFailure(f"the rules refused the request ({answer.status_code}): {answer.text[:160]}")
        return f"creations/{self.cid}"

    def _read_creation(self) -> dict[str, Any]:
        answer = self._as_user("GET", f"{self.endpoints.firestore}/creations/{self.cid}")
        if answer.status_code != 200:
            raise SmokeFailure(f"reading the creation answered {answer.status_code}")
        return {k: _decode(v) for k, v in answer.json().get("fields", {}).items()}

    def wait_for_draft(self) -> str:
        deadline = time.monotonic() + self.wait_seconds
        seen: list[str] = []
        while time.monotonic() < deadline:
            doc = self._read_creation()
            if not seen or seen[-1] != str(doc.get("status")):
                seen.append(str(doc.get("status")))
            if doc.get("status") == "draft":
                self.doc = doc
                return " → ".join(seen)
            if doc.get("status") == "failed":
                raise SmokeFailure(f"the creation failed: {doc.get('error')} (refunded: {doc.get('refunded')})")
            time.sleep(1)
        raise SmokeFailure(f"no draft after {self.wait_seconds:.0f} s (last: {' → '.join(seen)})")

    def fetch_video(self) -> str:
        answer = self.http.get(self.doc["mediaUrl"], timeout=60)
        kind = answer.headers.get("Content-Type", "")
        if answer.status_code != 200 or not answer.content or not kind.startswith("video/mp4"):
            raise SmokeFailure(f"GET mediaUrl: {answer.status_code}, {len(answer.content)} bytes, {kind or 'no type'}")
        return f"{len(answer.content)} bytes, {kind}"

    def delete_it(self) -> str:
        answer = self._as_user("DELETE", f"{self.endpoints.firestore}/creations/{self.cid}")
        if answer.status_code != 200:
            raise SmokeFailure(f"the owner's delete answered {answer.status_code}: {answer.text[:160]}")
        return "deleted by its owner"

    def check_ledger(self) -> str:
        from adapters.firebase_app import firestore_client
        from ops import ledger_check

        report = ledger_check.run([self.uid])
        if not report.ok:
            raise SmokeFailure("; ".join(report.problems))
        entries = {s.id for s in firestore_client().collection(f"users/{self.uid}/transactions").stream()}
        if entries != {"grant_smoke", f"debit_{self.cid}"}:
            raise SmokeFailure(f"ledger entries {sorted(entries)}: expected the grant and one debit")
        return f"grant + debit of {self.doc.get('tokenCost')} tokens, balances agree"

    def remove_user(self) -> str:
        from firebase_admin import auth

        from adapters.firebase_app import app, firestore_client

        db = firestore_client()
        if self.uid:
            for snap in db.collection(f"users/{self.uid}/transactions").stream():
                snap.reference.delete()
            db.document(f"users/{self.uid}").delete()
            db.document(f"profiles/{self.uid}").delete()
            auth.delete_user(self.uid, app=app())
        return "account, balance and ledger removed"


def _failed(exc: Exception) -> str:
    """A failed step's note: SmokeFailure says it in words; anything else is named, no traceback."""
    return str(exc) if isinstance(exc, SmokeFailure) else f"{type(exc).__name__}: {exc}"[:200]


def smoke(project: str, endpoints: Endpoints, http, wait_seconds: float = WAIT_FOR_DRAFT_SECONDS) -> Run:
    """Runs the steps; the throw-away user is removed whatever failed."""
    run, user = Run(), Smoke(endpoints, http, wait_seconds)
    try:
        for name, body in user.steps():
            run.step(name, body)
    except Exception as exc:  # noqa: BLE001 — the screen names the step and the error, no traceback
        run.steps[-1].note = _failed(exc)
    finally:
        try:
            run.step("remove the user", user.remove_user)
        except Exception as exc:  # noqa: BLE001
            run.steps[-1].note = _failed(exc)
    return run


def main(project: str, api_key: str | None, emulator: bool) -> int:
    import requests

    # `python -m ops` has run the preflight (the stack, or the credentials) before calling this.
    endpoints = Endpoints.for_project(project, api_key or os.environ.get("FIREBASE_WEB_API_KEY"), emulator)
    started = datetime.now(UTC)
    run = smoke(project, endpoints, requests.Session())
    print("\n".join(run.screen(project)))
    print(f"started {started:%Y-%m-%d %H:%M:%S} UTC; a run costs about $0.60 of Veo in production")
    return 0 if run.ok else 1
