"""Monitoring as code: the log-based metrics, alert policies and dashboard in monitoring/, applied
by a command instead of clicked in the console.

    python -m ops --project P monitoring                  what apply would change (same as --dry-run)
    python -m ops --project P monitoring apply            create or update them (idempotent)
    python -m ops --project P monitoring apply --notify-channel projects/P/notificationChannels/ID

Files (monitoring/): log_metrics/*.json (Cloud Logging v2 LogMetric), alert_policies/*.json
(Cloud Monitoring v3 AlertPolicy), dashboard.json (Monitoring Dashboards v1 Dashboard), each in
the API's JSON form. They are parsed with the Google client libraries' own message types,
unknown fields refused (`load`), so a typo fails the tests, not the deploy. Objects are matched
by what identifies them to a person: a metric by its name, a policy and a dashboard by their
display name; only the fields the files set are compared, so output-only fields (names, etags,
records) never show as a difference. The notification channels are a parameter
(`--notify-channel`, repeatable, or NOTIFY_CHANNEL in `make deploy`), written into every policy.

REST endpoints (checked 2026-12-04): logging.googleapis.com/v2 projects.metrics list / create /
update (PUT); monitoring.googleapis.com/v3 projects.alertPolicies list / create / patch;
monitoring.googleapis.com/v1 projects.dashboards list / create / patch (with the etag).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ops.connection import call, list_all

ROOT = Path(__file__).resolve().parent.parent
FILES = ROOT / "monitoring"
LOGGING = "https://logging.googleapis.com/v2"
MONITORING = "https://monitoring.googleapis.com/v3"
DASHBOARDS = "https://monitoring.googleapis.com/v1"


@dataclass
class Definitions:
    log_metrics: dict[str, dict] = field(default_factory=dict)  # name -> LogMetric JSON
    alert_policies: dict[str, dict] = field(default_factory=dict)  # displayName -> AlertPolicy JSON
    dashboards: dict[str, dict] = field(default_factory=dict)  # displayName -> Dashboard JSON


def _parsed(message_type, path: Path) -> dict:
    """The file as the API type reads it (unknown fields refused), back in its JSON form."""
    message = message_type.from_json(path.read_text(), ignore_unknown_fields=False)
    text = message_type.to_json(message, use_integers_for_enums=False, always_print_fields_with_no_presence=False)
    return json.loads(text)


def load(files: Path = FILES) -> Definitions:
    from google.cloud import monitoring_dashboard_v1, monitoring_v3
    from google.cloud.logging_v2.types import LogMetric

    out = Definitions()
    for path in sorted((files / "log_metrics").glob("*.json")):
        metric = _parsed(LogMetric, path)
        if metric.get("name") != path.stem:
            raise ValueError(f"{path}: name {metric.get('name')!r} must be the file's name")
        out.log_metrics[metric["name"]] = metric
    for path in sorted((files / "alert_policies").glob("*.json")):
        policy = _parsed(monitoring_v3.AlertPolicy, path)
        out.alert_policies[policy["displayName"]] = policy
    dashboard = _parsed(monitoring_dashboard_v1.Dashboard, files / "dashboard.json")
    out.dashboards[dashboard["displayName"]] = dashboard
    return out


def with_channels(defs: Definitions, channels: list[str]) -> Definitions:
    """Every policy notifies these channels. Given none, the channels a policy already has are
    left as they are (a new policy opens incidents in the console, nobody is paged)."""
    if not channels:
        return defs
    policies = {name: {**p, "notificationChannels": list(channels)} for name, p in defs.alert_policies.items()}
    return Definitions(defs.log_metrics, policies, defs.dashboards)


def differs(wanted: Any, have: Any) -> bool:
    """Whether `have` lacks or changes anything `wanted` sets (extra fields in `have` are fine:
    output-only fields and server defaults)."""
    if isinstance(wanted, dict):
        return not isinstance(have, dict) or any(differs(v, have.get(k)) for k, v in wanted.items())
    if isinstance(wanted, list):
        if not isinstance(have, list) or len(wanted) != len(have):
            return True
        return any(differs(w, h) for w, h in zip(wanted, have, strict=True))
    if isinstance(wanted, float) or isinstance(have, float):
        try:
            return float(wanted) != float(have)
        except (TypeError, ValueError):
            return True
    return wanted != have and str(wanted) != str(have)


@dataclass
class Apis:
    logging: str = LOGGING
    monitoring: str = MONITORING
    dashboards: str = DASHBOARDS


@dataclass
class Change:
    kind: str  # "log metric", "alert policy", "dashboard"
    name: str
    action: str  # "create", "update", "unchanged"


def _sync(
    session,
    kind: str,
    collection: str,
    have: dict[Any, dict],  # by name or display name (a listed object may lack one)
    wanted: dict[str, dict],
    apply: bool,
    update: Callable[[str, dict, dict], tuple[str, str, dict]],
) -> list[Change]:
    """Each wanted object's Change against what the project has; with `apply`, a missing one
    is POSTed to `collection` and a differing one sent as `update(name, wanted, current)`
    says (method, url, body)."""
    changes = []
    for name, definition in wanted.items():
        current = have.get(name)
        action = "create" if current is None else "update" if differs(definition, current) else "unchanged"
        changes.append(Change(kind, name, action))
        if apply and action == "create":
            call(session, "POST", collection, definition)
        elif apply and action == "update" and current is not None:
            call(session, *update(name, definition, current))
    return changes


def plan_and_apply(session, project: str, defs: Definitions, apply: bool, apis: Apis | None = None) -> list[Change]:
    apis = apis or Apis()
    metrics = f"{apis.logging}/projects/{project}/metrics"
    policies = f"{apis.monitoring}/projects/{project}/alertPolicies"
    dashboards = f"{apis.dashboards}/projects/{project}/dashboards"
    return [
        *_sync(
            session,
            "log metric",
            metrics,
            {m["name"]: m for m in list_all(session, metrics, "metrics")},
            defs.log_metrics,
            apply,
            lambda name, metric, current: ("PUT", f"{metrics}/{name}", metric),
        ),
        *_sync(
            session,
            "alert policy",
            policies,
            {p.get("displayName"): p for p in list_all(session, policies, "alertPolicies")},
            defs.alert_policies,
            apply,
            # No update mask: the policy is replaced by the file's (conditions included).
            lambda _, policy, current: (
                "PATCH",
                f"{apis.monitoring}/{current['name']}",
                {**policy, "name": current["name"]},
            ),
        ),
        *_sync(
            session,
            "dashboard",
            dashboards,
            {d.get("displayName"): d for d in list_all(session, dashboards, "dashboards")},
            defs.dashboards,
            apply,
            lambda _, dashboard, current: (
                "PATCH",
                f"{apis.dashboards}/{current['name']}",
                {**dashboard, "name": current["name"], "etag": current.get("etag", "")},
            ),
        ),
    ]


def report(changes: list[Change], applied: bool) -> list[str]:
    lines = [
        f"{c.action if applied or c.action == 'unchanged' else 'would ' + c.action:<16} {c.kind:<13} {c.name}"
        for c in changes
    ]
    todo = sum(c.action != "unchanged" for c in changes)
    verb = "applied" if applied else "to apply"
    lines.append(
        f"monitoring: {len(changes)} objects, {todo} {verb}"
        + ("" if applied or not todo else " (run `monitoring apply`)")
    )
    return lines
