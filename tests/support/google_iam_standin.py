"""A local stand-in for the two IAM policy APIs `python -m ops iam` calls, as strict as Google's
where it matters (read 2026-12-04 from the Resource Manager v1 and Cloud Storage JSON v1
references): a bearer token is required; a policy read asks for version 3; a write must carry
the etag of the policy it modifies (else 409 ABORTED, as after a concurrent change); every
binding names a `roles/...` role and at least one member; a conditional binding needs
version 3. Writes replace the policy and give it a new etag."""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class IamStandin:
    def __init__(self, project: str, number: str):
        self.project, self.number = project, number
        self.policies: dict[str, dict] = {}  # "project" or "bucket:<name>" -> policy
        self.writes: list[tuple[str, dict]] = []
        self._version = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def set_policy(self, key: str, bindings: list[dict]) -> None:
        self.policies[key] = {"version": 3 if any("condition" in b for b in bindings) else 1, "bindings": bindings}
        self._new_etag(key)

    def _new_etag(self, key: str) -> None:
        self._version += 1
        self.policies[key]["etag"] = base64.b64encode(f"v{self._version}".encode()).decode()

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, code: int, status: str, message: str) -> None:
                self._answer(code, {"error": {"code": code, "status": status, "message": message}})

            def _body(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length) or b"{}")

            def _route(self, method: str) -> None:
                if not (self.headers.get("Authorization") or "").startswith("Bearer "):
                    return self._error(401, "UNAUTHENTICATED", "Request is missing required authentication credential.")
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                p = re.escape(standin.project)
                if method == "GET" and re.fullmatch(rf"/v1/projects/{p}", url.path):
                    return self._answer(200, {"projectId": standin.project, "projectNumber": standin.number})
                if method == "POST" and re.fullmatch(rf"/v1/projects/{p}:getIamPolicy", url.path):
                    asked = self._body().get("options", {}).get("requestedPolicyVersion")
                    return self._read("project", asked)
                if method == "POST" and re.fullmatch(rf"/v1/projects/{p}:setIamPolicy", url.path):
                    body = self._body()
                    if set(body) - {"policy", "updateMask"} or "policy" not in body:
                        return self._error(400, "INVALID_ARGUMENT", "Invalid JSON payload: expected {policy}.")
                    return self._write("project", body["policy"])
                if m := re.fullmatch(r"/storage/v1/b/([^/]+)/iam", url.path):
                    key = f"bucket:{m.group(1)}"
                    if key not in standin.policies:
                        return self._error(404, "NOT_FOUND", "The specified bucket does not exist.")
                    if method == "GET":
                        asked = (query.get("optionsRequestedPolicyVersion") or [None])[0]
                        return self._read(key, int(asked) if asked else None)
                    if method == "PUT":
                        return self._write(key, self._body())
                return self._error(404, "NOT_FOUND", f"no such method: {method} {url.path}")

            def _read(self, key: str, asked) -> None:
                policy = standin.policies.get(key)
                if policy is None:
                    return self._error(403, "PERMISSION_DENIED", "The caller does not have permission")
                if policy["version"] == 3 and asked != 3:
                    return self._error(400, "INVALID_ARGUMENT", "a policy with conditions is read as version 3")
                return self._answer(200, policy)

            def _write(self, key: str, policy: dict) -> None:
                current = standin.policies[key]
                if policy.get("etag") != current["etag"]:
                    return self._error(
                        409, "ABORTED", "There were concurrent policy changes. Please retry the whole read-modify-write"
                    )
                for b in policy.get("bindings", []):
                    if not str(b.get("role", "")).startswith("roles/") or not b.get("members"):
                        return self._error(400, "INVALID_ARGUMENT", f"invalid binding {b}")
                    if b.get("condition") and policy.get("version") != 3:
                        return self._error(400, "INVALID_ARGUMENT", "conditional bindings need policy version 3")
                standin.policies[key] = {k: copy.deepcopy(v) for k, v in policy.items()}
                standin.writes.append((key, copy.deepcopy(policy)))
                standin._new_etag(key)
                return self._answer(200, standin.policies[key])

            def do_GET(self):
                self._route("GET")

            def do_POST(self):
                self._route("POST")

            def do_PUT(self):
                self._route("PUT")

        return Handler
