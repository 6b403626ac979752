"""`make try PROMPT=...`: what the mobile app does, from a terminal, against `make dev`.

Signs the demo user in through the Auth emulator, writes a creation request through the
rules with the user's ID token, prints each state the document goes through, then what
happened to the tokens in words ("40 taken, 40 refunded").

Exit codes: 0 when the request settled (a draft, or a failure with its tokens accounted
for), 1 when it did not settle in time or was refused, 3 when the stack is not running.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid

import requests

from devstack import preflight
from devstack.__main__ import DEMO_EMAIL, DEMO_PASSWORD
from devstack.stack import AUTH_PORT
from domain.ledger_words import describe, excerpt
from tests.support.firestore_rest import SERVER_TIME, Denied, UserClient  # noqa: E402

SETTLE_TIMEOUT_S = 120


def sign_in(email: str, password: str) -> tuple[str, str]:
    url = f"http://127.0.0.1:{AUTH_PORT}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=local"
    resp = requests.post(url, json={"email": email, "password": password, "returnSecureToken": True}, timeout=10)
    if resp.status_code != 200:
        message = resp.json().get("error", {}).get("message", resp.text[:200]) if resp.content else resp.status_code
        sys.exit(f"Cannot sign in as {email} ({message}): restart `make dev`, which creates the demo user.")
    body = resp.json()
    return body["localId"], body["idToken"]


def _get(client: UserClient, path: str) -> dict | None:
    """The document, or None when it does not exist (a new user has no balance yet)."""
    try:
        return client.get(path)
    except requests.HTTPError as exc:
        if exc.response is not None and exc.response.status_code == 404:
            return None
        raise


def tokens_line(taken: int, refunded: int, before: int | None, after: int | None) -> str:
    """What happened to the tokens, in words."""
    if taken == 0:
        moved = "no tokens taken"
    elif refunded == 0:
        moved = f"{taken} taken"
    else:
        moved = f"{taken} taken, {refunded} refunded"
    return f"Tokens: {moved} (balance {before} → {after})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompt", default="a paper boat on a rainy street")
    parser.add_argument("--duration", type=int, default=4, choices=[4, 6, 8])
    parser.add_argument("--aspect", default="16:9", choices=["16:9", "9:16"])
    args = parser.parse_args()
    preflight.require_stack()  # a generation needs every part

    uid, token = sign_in(DEMO_EMAIL, DEMO_PASSWORD)
    client = UserClient(token)
    before = (_get(client, f"users/{uid}") or {}).get("tokens", 0)
    print(f"Signed in as {DEMO_EMAIL}: {before} tokens")
    cid = f"try-{uuid.uuid4().hex[:12]}"
    try:
        client.create(
            f"creations/{cid}",
            {
                "userId": uid,
                "prompt": args.prompt,
                "aspectRatio": args.aspect,
                "duration": args.duration,
                "status": "pending",
                "createdAt": SERVER_TIME,
            },
        )
    except Denied:
        print(
            "The request was refused by the security rules: check the prompt (1–2000 characters) and "
            f"that {before} tokens cover it (`python -m ops --emulator grant {DEMO_EMAIL} 200`).",
            file=sys.stderr,
        )
        return 1
    print(f"Asked for “{excerpt(args.prompt)}” ({args.duration} s, {args.aspect}): creations/{cid}")
    last = None
    doc: dict = {}
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while time.monotonic() < deadline:
        doc = _get(client, f"creations/{cid}") or {}
        view = (doc.get("status"), doc.get("progress"))
        if view != last:
            progress = f" {view[1]}%" if view[0] == "processing" and view[1] is not None else ""
            print(f"  {view[0]}{progress}")
            last = view
        if doc.get("status") in ("draft", "failed"):
            break
        time.sleep(0.2)
    status = doc.get("status")
    if status == "draft":
        print(f"Ready: {doc['mediaUrl']}")
    elif status == "failed":
        error = doc.get("error") or {}
        print(f"Failed: {error.get('message', 'no message')}")
    else:
        print(f"Still {status} after {SETTLE_TIMEOUT_S} s: see .devstack/emulators.log", file=sys.stderr)
        return 1
    debit = _get(client, f"users/{uid}/transactions/debit_{cid}")
    refund = _get(client, f"users/{uid}/transactions/refund_{cid}")
    after = (_get(client, f"users/{uid}") or {}).get("tokens", 0)
    print(tokens_line((debit or {}).get("amount", 0), (refund or {}).get("amount", 0), before, after))
    for entry in (debit, refund):
        if entry:
            print(f"  ledger: {describe(entry['type'], entry.get('reason'), args.prompt)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
