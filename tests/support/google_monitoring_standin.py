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

from google.cloud import monitoring_dashboard_v1, monitoring_v3
from google.cloud.logging_v2.types import LogMetric

from tests.support.google_json import GoogleJsonHandler, GoogleStandin, Route

PAGE = 2
METRIC_NAME = re.compile(r"[A-Za-z0-9_\-.,+!*',()%/]{1,100}")


class _Handler(GoogleJsonHandler):
    standin: MonitoringStandin  # bound by GoogleStandin._make_httpd
    methods = ("GET", "POST", "PUT", "PATCH")

    def routes(self) -> tuple[Route, ...]:
        p = re.escape(self.standin.project)
        return (
            # logging v2: log metrics
            ("GET", rf"/v2/projects/{p}/metrics", self._list_metrics),
            ("POST", rf"/v2/projects/{p}/metrics", self._create_metric),
            ("PUT", rf"/v2/projects/{p}/metrics/([^/]+)", self._update_metric),
            # monitoring v3: alert policies
            ("GET", rf"/v3/projects/{p}/alertPolicies", self._list_policies),
            ("POST", rf"/v3/projects/{p}/alertPolicies", self._create_policy),
            ("PATCH", rf"/v3/(projects/{p}/alertPolicies/\d+)", self._update_policy),
            # dashboards v1
            ("GET", rf"/v1/projects/{p}/dashboards", self._list_dashboards),
            ("POST", rf"/v1/projects/{p}/dashboards", self._create_dashboard),
            ("PATCH", rf"/v1/(projects/{p}/dashboards/\d+)", self._update_dashboard),
        )

    def _body(self, message_type) -> dict | None:
        """The body, if the API's own message type reads it with no unknown field; else None,
        with 400 INVALID_ARGUMENT answered."""
        raw = self.raw_body()
        try:
            message_type.from_json(raw or b"{}", ignore_unknown_fields=False)
        except Exception as exc:  # noqa: BLE001 — what the real API answers to a bad body
            self.error(400, "INVALID_ARGUMENT", f"Invalid JSON payload received. {exc}")
            return None
        return json.loads(raw or b"{}")

    def _page(self, items: list[dict], key: str, query: dict) -> None:
        start = int((query.get("pageToken") or ["0"])[0])
        page: dict = {key: items[start : start + PAGE]}
        if start + PAGE < len(items):
            page["nextPageToken"] = str(start + PAGE)
        self.answer(200, page)

    def _stored(self, kind: str, label: str, answer: dict) -> None:
        self.standin.writes.append((kind, label))
        self.answer(200, answer)

    # ---- logging v2: log metrics

    def _list_metrics(self, query: dict) -> None:
        self._page(list(self.standin.metrics.values()), "metrics", query)

    def _create_metric(self, query: dict) -> None:
        if (body := self._body(LogMetric)) is None:
            return
        if not METRIC_NAME.fullmatch(body.get("name", "")):
            return self.error(400, "INVALID_ARGUMENT", "metric name is required")
        if body["name"] in self.standin.metrics:
            return self.error(409, "ALREADY_EXISTS", f"Metric {body['name']} already exists")
        self.standin.metrics[body["name"]] = body
        return self._stored("create", body["name"], body)

    def _update_metric(self, name: str, query: dict) -> None:
        if (body := self._body(LogMetric)) is None:
            return
        if body.get("name") != name:
            return self.error(400, "INVALID_ARGUMENT", "the body's name must be the metric's")
        self.standin.metrics[name] = body
        return self._stored("update", name, body)

    # ---- monitoring v3: alert policies

    def _policy_body(self) -> dict | None:
        body = self._body(monitoring_v3.AlertPolicy)
        if body is not None and (problem := self.standin.policy_problem(body)) is not None:
            self.error(400, "INVALID_ARGUMENT", problem)
            return None
        return body

    def _list_policies(self, query: dict) -> None:
        self._page(list(self.standin.policies.values()), "alertPolicies", query)

    def _create_policy(self, query: dict) -> None:
        if (body := self._policy_body()) is None:
            return
        name = f"projects/{self.standin.project}/alertPolicies/{next(self.standin._ids)}"
        stored = {**body, "name": name, "creationRecord": {"mutateTime": "2026-12-04T00:00:00Z"}}
        self.standin.policies[name] = stored
        self._stored("create", body["displayName"], stored)

    def _update_policy(self, name: str, query: dict) -> None:
        if name not in self.standin.policies:
            return self.error(404, "NOT_FOUND", f"{name} not found")
        if (body := self._policy_body()) is None:
            return
        self.standin.policies[name] = {**body, "name": name}
        return self._stored("update", body["displayName"], self.standin.policies[name])

    # ---- dashboards v1

    def _list_dashboards(self, query: dict) -> None:
        self._page(list(self.standin.dashboards.values()), "dashboards", query)

    def _create_dashboard(self, query: dict) -> None:
        if (body := self._body(monitoring_dashboard_v1.Dashboard)) is None:
            return
        if not body.get("displayName"):
            return self.error(400, "INVALID_ARGUMENT", "displayName is required")
        name = f"projects/{self.standin.project}/dashboards/{next(self.standin._ids)}"
        stored = {**body, "name": name, "etag": f"e{next(self.standin._ids)}"}
        self.standin.dashboards[name] = stored
        return self._stored("create", body["displayName"], stored)

    def _update_dashboard(self, name: str, query: dict) -> None:
        if (body := self._body(monitoring_dashboard_v1.Dashboard)) is None:
            return
        if name not in self.standin.dashboards:
            return self.error(404, "NOT_FOUND", f"{name} not found")
        if body.get("etag") != self.standin.dashboards[name]["etag"]:
            return self.error(409, "ABORTED", "etag mismatch: the dashboard changed meanwhile")
        self.standin.dashboards[name] = {**body, "name": name, "etag": f"e{next(self.standin._ids)}"}
        return self._stored("update", body["displayName"], self.standin.dashboards[name])


class MonitoringStandin(GoogleStandin):
    handler = _Handler
    thread_name = "google-monitoring-standin"

    def __init__(self, project: str, channels: tuple[str, ...] = ()):
        self.project = project
        self.channels = set(channels)
        self.metrics: dict[str, dict] = {}
        self.policies: dict[str, dict] = {}
        self.dashboards: dict[str, dict] = {}
        self.writes: list[tuple[str, str]] = []
        self._ids = itertools.count(1)

    def snapshot(self) -> dict:
        return copy.deepcopy({"metrics": self.metrics, "policies": self.policies, "dashboards": self.dashboards})

    def policy_problem(self, body: dict) -> str | None:
        """Why Cloud Monitoring would refuse this alert policy (400 INVALID_ARGUMENT), or None."""
        if not body.get("displayName") or not body.get("conditions"):
            return "displayName and at least one condition are required"
        for channel in body.get("notificationChannels", []):
            if channel not in self.channels:
                return f"notification channel {channel} does not exist"
        logged = any("conditionMatchedLog" in c for c in body["conditions"])
        if logged and not body.get("alertStrategy", {}).get("notificationRateLimit"):
            return "a log-match condition needs alertStrategy.notificationRateLimit"
        if logged and len(body["conditions"]) > 1:
            return "a log-match policy has exactly one condition"
        return None
