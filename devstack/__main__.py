"""`python -m devstack dev`: the whole stack in the foreground, with a seeded demo user."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from devstack import preflight, stack, web

DEMO_EMAIL = "demo@phoenix.test"
DEMO_PASSWORD = "phoenix-demo"
DEMO_TOKENS = 200


def seed_demo_user() -> str:
    import requests

    base = f"http://127.0.0.1:{stack.AUTH_PORT}/identitytoolkit.googleapis.com/v1"
    resp = requests.post(
        f"{base}/accounts:signUp?key=local",
        timeout=10,
        json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "returnSecureToken": True},
    )
    if resp.status_code == 400 and "EMAIL_EXISTS" in resp.text:
        resp = requests.post(
            f"{base}/accounts:signInWithPassword?key=local",
            timeout=10,
            json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "returnSecureToken": True},
        )
    resp.raise_for_status()
    uid = resp.json()["localId"]
    from adapters import store

    store.grant(uid, DEMO_TOKENS, "demo seed", grant_id="grant_demo_seed")
    return uid


def dev() -> None:
    os.environ.update(stack.client_env())
    problem = preflight.ports_problem()
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(preflight.EXIT_NOT_READY)
    running = stack.Stack()
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    print("Building the web client (clients/web)...", flush=True)
    web.build()
    web_server = None
    print("Starting S3 (R2) server, Veo and FCM stand-ins and Firebase emulators (with Storage)...", flush=True)
    try:
        running.start()
        uid = seed_demo_user()
        web_server, _ = web.serve(web.DEFAULT_PORT)
        print(
            f"""
Phoenix dev stack is up (project {stack.PROJECT_ID}). Logs: .devstack/*.log

  Demo user      {DEMO_EMAIL} / {DEMO_PASSWORD}  (uid {uid}, {DEMO_TOKENS} tokens granted)
  Auth           http://127.0.0.1:{stack.AUTH_PORT}
  Firestore      http://127.0.0.1:{stack.FIRESTORE_PORT}
  Functions      http://127.0.0.1:{stack.FUNCTIONS_PORT}
  Veo stand-in   {stack.VEO_URL}      (faults: POST /_control/faults)
  FCM stand-in   {stack.FCM_URL}      (messages: GET /_control/messages; faults, unregistered: POST)
  R2 (S3)        {stack.S3_ENDPOINT}/{stack.MEDIA_BUCKET}   (public URLs)
  R2 for the functions  {stack.R2_ENDPOINT_URL}   (HTTPS, as strict as R2; faults: {stack.R2_PROXY_URL}/_control)
  Storage        {stack.STORAGE_ENDPOINT}   (Veo's output: gs://{stack.TEMP_BUCKET}; storage.rules for clients)
  Web client     {web.url(web_server)}   (clients/web; sign in as the demo user)

Try it:  make try PROMPT="a paper boat on a rainy street"
Tokens for an account made in the web client:  functions/venv/bin/python -m ops --emulator grant <its email> 200
Press Ctrl-C to stop everything.
""",
            flush=True,
        )
        while not stopping:
            for name, proc in running.procs:
                if proc.poll() is not None:
                    print(f"{name} exited (code {proc.returncode}); see .devstack/{name}.log", flush=True)
                    stopping = True
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("Stopping...", flush=True)
        if web_server is not None:
            web_server.shutdown()
            web_server.server_close()
        running.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dev", help="start the whole stack and seed a demo user")
    args = parser.parse_args()
    if args.command == "dev":
        dev()


if __name__ == "__main__":
    main()
