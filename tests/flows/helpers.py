"""Shared steps for flow tests: write requests as the client, wait, audit the ledger."""

from __future__ import annotations

import uuid

import requests

from devstack.stack import FUNCTIONS_PORT, PROJECT_ID
from tests.support.firestore_rest import SERVER_TIME, UserClient
from tests.support.waiting import PATIENCE_S, wait_until

OWNER = UserClient("owner")  # the emulator's admin token: skips the rules, like a race would


def cost(duration: int = 4, **options) -> int:
    """What a request costs, from the one price table: tests never write a price as a number."""
    from domain.pricing import Options, price

    return price(duration, Options(**options))


def new_id() -> str:
    return f"c-{uuid.uuid4().hex}"


def request_doc(uid: str, prompt: str, duration: int = 4, aspect: str = "16:9") -> dict:
    return {
        "userId": uid,
        "prompt": prompt,
        "aspectRatio": aspect,
        "duration": duration,
        "status": "pending",
        "createdAt": SERVER_TIME,
    }


def submit(client: UserClient, uid: str, prompt: str, duration: int = 4, cid: str | None = None) -> str:
    cid = cid or new_id()
    client.create(f"creations/{cid}", request_doc(uid, prompt, duration))
    return cid


def publish(client: UserClient, cid: str) -> None:
    """The app's publish: the creation's status and publishedAt with publications/{id}, one batch."""
    client.publish(cid)


def unpublish(client: UserClient, cid: str) -> None:
    """The app's unpublish: back to draft, publishedAt removed, publications/{id} deleted, one batch."""
    client.unpublish(cid)


def wait_status(
    client: UserClient, cid: str, statuses=("draft", "failed"), timeout: float = PATIENCE_S, progress=None
) -> dict:
    """`progress`: see tests/support/waiting.wait_until (then `timeout` is a silence, not a budget)."""

    def check():
        doc = client.get(f"creations/{cid}")
        return doc if doc.get("status") in statuses else None

    return wait_until(check, timeout=timeout, interval=0.1, what=f"{cid} to reach {statuses}", progress=progress)


def ledger_of(client: UserClient, uid: str) -> dict[str, dict]:
    return dict(client.list_all("transactions", parent=f"users/{uid}"))


def balance(client: UserClient, uid: str) -> int:
    return client.get(f"users/{uid}")["tokens"]


def accountable_reporters(count: int, tokens: int | None = None) -> list[tuple]:
    """Users whose reports count (docs/client-contract.md, Reports): signed up with a verified
    email (the rules' half) and charged for a video of their own (the server's half: a debit in
    their ledger; the video is left to finish on its own). (user, client) pairs."""
    from adapters import store
    from tests.support.firestore_rest import sign_up

    players = []
    for _ in range(count):
        user = sign_up(f"reporter-{uuid.uuid4().hex[:12]}@example.test", verified=True)
        store.grant(user.uid, cost() if tokens is None else tokens, "test grant", grant_id="grant_initial")
        players.append((user, UserClient(user.id_token)))
    charged = [
        (user, client, submit(client, user.uid, f"{uuid.uuid4().hex[:8]} a reporter's own video"))
        for user, client in players
    ]
    for user, client, cid in charged:
        wait_until(
            lambda c=client, u=user, i=cid: ledger_of(c, u.uid).get(f"debit_{i}"),
            what="the reporter's debit",
        )
    return players


def assert_ledger_ok(*uids: str) -> None:
    from ops import ledger_check

    report = ledger_check.run(list(uids))
    assert report.ok, report.problems


def operations_for(veo, marker: str) -> list[dict]:
    return [op for op in veo.stats()["operations"].values() if marker in op["prompt"]]


def run_scheduled(name: str) -> None:
    """Scheduled functions cannot be fired by Pub/Sub in the emulator; its HTTP route runs them."""
    backends = requests.get(f"http://127.0.0.1:{FUNCTIONS_PORT}/backends", timeout=5).json()["backends"]
    ids = [t["id"] for b in backends for t in b["functionTriggers"] if t["entryPoint"] == name]
    assert ids, f"{name} is not loaded"
    # The emulator serves it under a numbered route ("-0") that /backends does not show.
    for suffix in [""] + [f"-{n}" for n in range(10)]:
        resp = requests.post(
            f"http://127.0.0.1:{FUNCTIONS_PORT}/{PROJECT_ID}/us-central1/{name}{suffix}", json={}, timeout=120
        )
        if resp.status_code != 404:
            assert resp.status_code == 200, resp.text
            return
    raise AssertionError(f"no HTTP route runs {name}")


def services(**overrides):
    """The production services, as the functions build them, with any port replaced
    (bootstrap's keyword overrides): what a test runs a handler in-process with."""
    import config
    from bootstrap import bootstrap

    return bootstrap(config.settings(), **overrides)


class Altered:
    """A real adapter with some of its methods replaced: a crash or a lost race at one exact
    step, everything else real."""

    def __init__(self, real, **methods):
        self._real = real
        self.__dict__.update(methods)

    def __getattr__(self, name):
        return getattr(self._real, name)
