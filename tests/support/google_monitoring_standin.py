"""A local stand-in for the Cloud Logging (log metrics), Cloud Monitoring (alert policies) and
Monitoring Dashboards REST APIs `python -m ops monitoring` calls. Strict where Google is (read
2026-12-04 from the v2/v3/v1 references): a bearer token is required; every body is parsed with
the client libraries' own message types, unknown fields refused (400 INVALID_ARGUMENT); a log
metric's name is unique (409 ALREADY_EXISTS); a policy whose condition matches logs needs
`alertStrategy.notificationRateLimit`; notification channels must exist; a dashboard update must
carry its current etag (409 ABORTED); lists are paged (2 per page) so a client that ignores
nextPageToken misses objects."""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PAGE = 2


class MonitoringStandin:
    def __init__(self, project: str, channels: tuple[str, ...] = ()):
        self.project = project
        self.channels = set(channels)
        self.metrics: dict[str, dict] = {}
        self.policies: dict[str, dict] = {}
        self.dashboards: dict[str, dict] = {}
        self.writes: list[tuple[str, str]] = []
        self._ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        standin = self
        from google.cloud import monitoring_dashboard_v1, monitoring_v3
        from google.cloud.logging_v2.types import LogMetric

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

            def _body(self, message_type) -> dict | None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    message_type.from_json(raw or b"{}", ignore_unknown_fields=False)
                except Exception as exc:  # noqa: BLE001 — what the real API answers to a bad body
                    self._error(400, "INVALID_ARGUMENT", f"Invalid JSON payload received. {exc}")
                    return None
                return json.loads(raw or b"{}")

            def _page(self, items: list[dict], key: str, query: dict) -> None:
                start = int((query.get("pageToken") or ["0"])[0])
                page = {key: items[start : start + PAGE]}
                if start + PAGE < len(items):
                    page["nextPageToken"] = str(start + PAGE)
                self._answer(200, page)

            def _route(self, method: str) -> None:
                if not (self.headers.get("Authorization") or "").startswith("Bearer "):
                    return self._error(401, "UNAUTHENTICATED", "Request is missing required authentication credential.")
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                p = re.escape(standin.project)
                path = url.path
                # ---- logging v2: log metrics
                if path == f"/v2/projects/{standin.project}/metrics":
                    if method == "GET":
                        return self._page(list(standin.metrics.values()), "metrics", query)
                    if method == "POST":
                        body = self._body(LogMetric)
                        if body is None:
                            return None
                        if not re.fullmatch(r"[A-Za-z0-9_\-.,+!*',()%/]{1,100}", body.get("name", "")):
                            return self._error(400, "INVALID_ARGUMENT", "metric name is required")
                        if body["name"] in standin.metrics:
                            return self._error(409, "ALREADY_EXISTS", f"Metric {body['name']} already exists")
                        standin.metrics[body["name"]] = body
                        standin.writes.append(("create", body["name"]))
                        return self._answer(200, body)
                if (m := re.fullmatch(rf"/v2/projects/{p}/metrics/([^/]+)", path)) and method == "PUT":
                    body = self._body(LogMetric)
                    if body is None:
                        return None
                    if body.get("name") != m.group(1):
                        return self._error(400, "INVALID_ARGUMENT", "the body's name must be the metric's")
                    standin.metrics[m.group(1)] = body
                    standin.writes.append(("update", m.group(1)))
                    return self._answer(200, body)
                # ---- monitoring v3: alert policies
                if path == f"/v3/projects/{standin.project}/alertPolicies":
                    if method == "GET":
                        return self._page(list(standin.policies.values()), "alertPolicies", query)
                    if method == "POST":
                        body = self._body(monitoring_v3.AlertPolicy)
                        if body is None or (problem := self._policy_problem(body)) is not None:
                            return None if body is None else self._error(400, "INVALID_ARGUMENT", problem)
                        name = f"projects/{standin.project}/alertPolicies/{next(standin._ids)}"
                        stored = {**body, "name": name, "creationRecord": {"mutateTime": "2026-12-04T00:00:00Z"}}
                        standin.policies[name] = stored
                        standin.writes.append(("create", body["displayName"]))
                        return self._answer(200, stored)
                if re.fullmatch(rf"/v3/projects/{p}/alertPolicies/\d+", path) and method == "PATCH":
                    name = path[len("/v3/") :]
                    if name not in standin.policies:
                        return self._error(404, "NOT_FOUND", f"{name} not found")
                    body = self._body(monitoring_v3.AlertPolicy)
                    if body is None or (problem := self._policy_problem(body)) is not None:
                        return None if body is None else self._error(400, "INVALID_ARGUMENT", problem)
                    standin.policies[name] = {**body, "name": name}
                    standin.writes.append(("update", body["displayName"]))
                    return self._answer(200, standin.policies[name])
                # ---- dashboards v1
                if path == f"/v1/projects/{standin.project}/dashboards":
                    if method == "GET":
                        return self._page(list(standin.dashboards.values()), "dashboards", query)
                    if method == "POST":
                        body = self._body(monitoring_dashboard_v1.Dashboard)
                        if body is None:
                            return None
                        if not body.get("displayName"):
                            return self._error(400, "INVALID_ARGUMENT", "displayName is required")
                        name = f"projects/{standin.project}/dashboards/{next(standin._ids)}"
                        stored = {**body, "name": name, "etag": f"e{next(standin._ids)}"}
                        standin.dashboards[name] = stored
                        standin.writes.append(("create", body["displayName"]))
                        return self._answer(200, stored)
                if re.fullmatch(rf"/v1/projects/{p}/dashboards/\d+", path) and method == "PATCH":
                    name = path[len("/v1/") :]
                    body = self._body(monitoring_dashboard_v1.Dashboard)
                    if body is None:
                        return None
                    if name not in standin.dashboards:
                        return self._error(404, "NOT_FOUND", f"{name} not found")
                    if body.get("etag") != standin.dashboards[name]["etag"]:
                        return self._error(409, "ABORTED", "etag mismatch: the dashboard changed meanwhile")
                    standin.dashboards[name] = {**body, "name": name, "etag": f"e{next(standin._ids)}"}
                    standin.writes.append(("update", body["displayName"]))
                    return self._answer(200, standin.dashboards[name])
                return self._error(404, "NOT_FOUND", f"no such method: {method} {path}")

            def _policy_problem(self, body: dict) -> str | None:
                if not body.get("displayName") or not body.get("conditions"):
                    return "displayName and at least one condition are required"
                for channel in body.get("notificationChannels", []):
                    if channel not in standin.channels:
                        return f"notification channel {channel} does not exist"
                logged = any("conditionMatchedLog" in c for c in body["conditions"])
                if logged and not body.get("alertStrategy", {}).get("notificationRateLimit"):
                    return "a log-match condition needs alertStrategy.notificationRateLimit"
                if logged and len(body["conditions"]) > 1:
                    return "a log-match policy has exactly one condition"
                return None

            def do_GET(self):
                self._route("GET")

            def do_POST(self):
                self._route("POST")

            def do_PUT(self):
                self._route("PUT")

            def do_PATCH(self):
                self._route("PATCH")

        return Handler

    def snapshot(self) -> dict:
        return copy.deepcopy({"metrics": self.metrics, "policies": self.policies, "dashboards": self.dashboards})
