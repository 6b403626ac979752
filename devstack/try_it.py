"""`make try PROMPT=...`: what the mobile app does, from a terminal, against `make dev`.

Signs the demo user in through the Auth emulator, writes a creation request through the
rules with the user's ID token, and prints each state the document goes through.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid

import requests

from devstack.__main__ import DEMO_EMAIL, DEMO_PASSWORD
from devstack.stack import AUTH_PORT
from tests.support.firestore_rest import SERVER_TIME, UserClient  # noqa: E402


def sign_in(email: str, password: str) -> tuple[str, str]:
    url = f"http://127.0.0.1:{AUTH_PORT}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=local"
    resp = requests.post(url, json={"email": email, "password": password, "returnSecureToken": True}, timeout=10)
    if resp.status_code != 200:
        sys.exit(f"sign-in failed ({resp.status_code}): is `make dev` running? {resp.text[:200]}")
    body = resp.json()
    return body["localId"], body["idToken"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prompt", default="a paper boat on a rainy street")
    parser.add_argument("--duration", type=int, default=4, choices=[4, 6, 8])
    parser.add_argument("--aspect", default="16:9", choices=["16:9", "9:16"])
    args = parser.parse_args()

    uid, token = sign_in(DEMO_EMAIL, DEMO_PASSWORD)
    client = UserClient(token)
    print(f"balance before: {client.get(f'users/{uid}').get('tokens')} tokens")
    cid = f"try-{uuid.uuid4().hex[:12]}"
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
    print(f"wrote creations/{cid}")
    last = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        doc = client.get(f"creations/{cid}")
        view = (doc.get("status"), doc.get("progress"))
        if view != last:
            print(f"  status={view[0]:<10} progress={view[1]}")
            last = view
        if doc.get("status") in ("draft", "failed"):
            break
        time.sleep(0.2)
    if doc.get("status") == "draft":
        print(f"draft ready: {doc['mediaUrl']}  (cost {doc['tokenCost']} tokens)")
    else:
        print(f"failed: {doc.get('error')}  refunded={doc.get('refunded')}")
    print(f"balance after: {client.get(f'users/{uid}').get('tokens')} tokens")


if __name__ == "__main__":
    main()
