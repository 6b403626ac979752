"""Monitoring as code: monitoring/ parses as the Google API types, mirrors the code's log events
and alerts, and `ops monitoring` creates or updates it idempotently against a strict stand-in
of the Logging, Monitoring and Dashboards APIs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import requests

from ops import monitoring
from ops.connection import ConnectionProblem
from tests.support.google_monitoring_standin import MonitoringStandin

PROJECT = "my-project"
CHANNEL = f"projects/{PROJECT}/notificationChannels/42"
ROOT = monitoring.ROOT


@pytest.fixture(autouse=True)
def _stack():
    """Overrides tests/ops/conftest.py's autouse stack: no emulator here."""
    return None


@pytest.fixture
def google():
    with MonitoringStandin(PROJECT, channels=(CHANNEL,)) as standin:
        yield standin


@pytest.fixture
def session():
    s = requests.Session()
    s.headers["Authorization"] = "Bearer test"
    return s


def apis(google) -> monitoring.Apis:
    return monitoring.Apis(logging=f"{google.url}/v2", monitoring=f"{google.url}/v3", dashboards=f"{google.url}/v1")


def actions(changes) -> set[str]:
    return {c.action for c in changes}


# ---- the files ------------------------------------------------------------------------------


def test_the_files_parse_as_the_api_types_and_a_stray_field_is_refused(tmp_path):
    defs = monitoring.load()
    assert defs.log_metrics and defs.alert_policies and defs.dashboards
    shutil.copytree(monitoring.FILES, tmp_path / "m")
    policy = next((tmp_path / "m" / "alert_policies").glob("*.json"))
    policy.write_text(json.dumps({**json.loads(policy.read_text()), "thresold": 3}))
    with pytest.raises(Exception, match="thresold"):
        monitoring.load(tmp_path / "m")


def test_every_alert_the_code_raises_has_a_policy_matching_its_message():
    from domain import metrics

    raised = set(re.findall(r'"(PHOENIX_ALERT \w+)"', Path(metrics.__file__).read_text()))
    assert len(raised) >= 4  # failure rate, workers stalled, backlog, daily spend
    filters = " ".join(
        c.get("conditionMatchedLog", {}).get("filter", "")
        for p in monitoring.load().alert_policies.values()
        for c in p["conditions"]
    )
    for message in raised:
        assert f'jsonPayload.message="{message}"' in filters, message


def test_every_log_message_a_metric_counts_is_one_the_code_logs():
    import ast

    from adapters import log

    def level(func) -> bool:  # _info(...), or (_error if severe else _warn)(...)
        names = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)}
        return bool(names & {"_info", "_warn", "_error"})

    logged_messages = {
        node.args[0].value
        for node in ast.walk(ast.parse(Path(log.__file__).read_text()))
        if isinstance(node, ast.Call) and level(node.func) and node.args and isinstance(node.args[0], ast.Constant)
    }
    assert "creation state change" in logged_messages
    for name, metric in monitoring.load().log_metrics.items():
        for message in re.findall(r'jsonPayload\.message="([^"]+)"', metric["filter"]):
            assert message in logged_messages, f"{name}: no log event says {message!r}"


def test_every_user_metric_a_policy_or_chart_reads_is_defined():
    defs = monitoring.load()
    text = json.dumps([defs.alert_policies, defs.dashboards])
    used = set(re.findall(r"logging\.googleapis\.com/user/(\w+)", text))
    assert used and used <= set(defs.log_metrics)


def test_the_runbook_has_a_row_for_every_policy():
    doc = (ROOT / "docs" / "operations.md").read_text()
    runbook = doc[doc.index("## Runbook: alerts") : doc.index("## Runbook: money")]
    for policy in monitoring.load().alert_policies.values():
        row = re.search(r"row `(\w+)`", policy["documentation"]["content"]).group(1)
        assert f"`{row}`" in runbook, row


def test_the_dashboard_shows_what_operations_watch():
    titles = " ".join(w["title"] for w in monitoring.load().dashboards["Phoenix"]["gridLayout"]["widgets"]).lower()
    for needed in ("requests per minute", "success rate", "refund rate", "queue depth", "detection delay", "spend"):
        assert needed in titles, needed


# ---- the command ----------------------------------------------------------------------------


def test_apply_creates_everything_then_a_second_run_changes_nothing(google, session):
    defs = monitoring.with_channels(monitoring.load(), [CHANNEL])
    planned = monitoring.plan_and_apply(session, PROJECT, defs, apply=False, apis=apis(google))
    assert actions(planned) == {"create"} and google.writes == []  # a plan writes nothing
    monitoring.plan_and_apply(session, PROJECT, defs, apply=True, apis=apis(google))
    assert len(google.metrics) == len(defs.log_metrics) and len(google.policies) == len(defs.alert_policies)
    assert all(p["notificationChannels"] == [CHANNEL] for p in google.policies.values())
    writes = len(google.writes)
    again = monitoring.plan_and_apply(session, PROJECT, defs, apply=True, apis=apis(google))
    assert actions(again) == {"unchanged"} and len(google.writes) == writes


def test_a_change_made_in_the_console_is_shown_then_put_back(google, session):
    defs = monitoring.load()
    monitoring.plan_and_apply(session, PROJECT, defs, apply=True, apis=apis(google))
    policy = next(p for p in google.policies.values() if p["displayName"] == "Phoenix: functions logging errors")
    policy["conditions"][0]["conditionThreshold"]["thresholdValue"] = 500
    dashboard = next(iter(google.dashboards.values()))
    dashboard["gridLayout"]["widgets"].pop()
    changes = monitoring.plan_and_apply(session, PROJECT, defs, apply=False, apis=apis(google))
    assert {(c.kind, c.name) for c in changes if c.action == "update"} == {
        ("alert policy", "Phoenix: functions logging errors"),
        ("dashboard", "Phoenix"),
    }
    monitoring.plan_and_apply(session, PROJECT, defs, apply=True, apis=apis(google))
    assert actions(monitoring.plan_and_apply(session, PROJECT, defs, apply=False, apis=apis(google))) == {"unchanged"}
    assert len(google.policies) == len(defs.alert_policies)  # updated in place, not duplicated


def test_an_unknown_notification_channel_is_refused_in_one_line(google, session):
    defs = monitoring.with_channels(monitoring.load(), [f"projects/{PROJECT}/notificationChannels/nope"])
    with pytest.raises(ConnectionProblem, match="400.*does not exist"):
        monitoring.plan_and_apply(session, PROJECT, defs, apply=True, apis=apis(google))


def test_the_report_says_what_would_change_and_how_to_apply_it(google, session):
    changes = monitoring.plan_and_apply(session, PROJECT, monitoring.load(), apply=False, apis=apis(google))
    lines = monitoring.report(changes, applied=False)
    assert lines[0].startswith("would create") and "monitoring apply" in lines[-1]
