"""`python -m ops iam`: the one list of required roles, checked and granted against a strict
stand-in of the IAM policy APIs; the docs table is generated from the same list."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from ops import iam
from ops.connection import ConnectionProblem
from tests.support.google_iam_standin import IamStandin

PROJECT, NUMBER, BUCKET = "my-project", "123456789012", "my-project-veo-tmp"
RUNTIME_SA = f"serviceAccount:{NUMBER}-compute@developer.gserviceaccount.com"
AGENT = f"serviceAccount:service-{NUMBER}@gcp-sa-aiplatform.iam.gserviceaccount.com"
OTHERS = {"role": "roles/viewer", "members": ["user:ops@example.com"]}
CONDITIONAL = {
    "role": "roles/datastore.user",
    "members": [RUNTIME_SA],
    "condition": {"title": "until 2020", "expression": "request.time < timestamp('2020-01-01T00:00:00Z')"},
}


@pytest.fixture(autouse=True)
def _stack():
    """Overrides tests/ops/conftest.py's autouse stack: no emulator here."""
    return None


@pytest.fixture
def google():
    with IamStandin(PROJECT, NUMBER) as standin:
        standin.set_policy("project", [OTHERS, CONDITIONAL])
        standin.set_policy(f"bucket:{BUCKET}", [])
        yield standin


@pytest.fixture
def session():
    s = requests.Session()
    s.headers["Authorization"] = "Bearer test"
    return s


def apis(google) -> iam.Apis:
    return iam.Apis(crm=f"{google.url}/v1", storage=f"{google.url}/storage/v1")


def test_every_required_role_is_reported_missing_on_a_bare_project(google, session):
    lines, code = iam.run(session, PROJECT, BUCKET, apis=apis(google))
    assert code == 1
    missing = [line for line in lines if line.startswith("MISSING")]
    assert len(missing) == len(iam.REQUIRED)  # the conditional datastore grant does not count
    assert google.writes == []  # a check writes nothing


def test_apply_grants_what_is_missing_keeps_the_rest_and_a_second_run_is_clean(google, session):
    assert iam.run(session, PROJECT, BUCKET, apply=True, apis=apis(google))[1] == 0
    project = google.policies["project"]
    assert OTHERS in project["bindings"] and CONDITIONAL in project["bindings"]
    for r in iam.REQUIRED:
        member = RUNTIME_SA if r.who == iam.RUNTIME else AGENT
        policy = project if r.on == iam.PROJECT else google.policies[f"bucket:{BUCKET}"]
        assert iam.granted(policy, member, r.role), r
    lines, code = iam.run(session, PROJECT, BUCKET, apis=apis(google))
    assert code == 0 and all(line.startswith(("ok", "iam:")) for line in lines)
    writes = len(google.writes)
    assert iam.run(session, PROJECT, BUCKET, apply=True, apis=apis(google))[1] == 0
    assert len(google.writes) == writes  # nothing missing: nothing written


def test_a_policy_changed_meanwhile_is_refused_not_overwritten(google, session, monkeypatch):
    real = iam._project_policy

    def read_then_someone_else_writes(*args):
        policy = real(*args)
        google.set_policy("project", [OTHERS, {"role": "roles/owner", "members": ["user:boss@example.com"]}])
        return policy

    monkeypatch.setattr(iam, "_project_policy", read_then_someone_else_writes)
    with pytest.raises(ConnectionProblem, match="409"):
        iam.run(session, PROJECT, BUCKET, apply=True, apis=apis(google))
    assert {"role": "roles/owner", "members": ["user:boss@example.com"]} in google.policies["project"]["bindings"]


def test_without_a_temp_bucket_the_bucket_roles_are_skipped_and_said_so(google, session):
    lines, _ = iam.run(session, PROJECT, None, apis=apis(google))
    assert sum(line.startswith("skipped") for line in lines) == sum(r.on == iam.TEMP_BUCKET for r in iam.REQUIRED)


def test_the_docs_table_is_generated_from_the_list():
    doc = iam.DOC.read_text()
    assert iam.doc_with_table(doc) == doc, "run: python -m ops iam --write-docs"
    for r in iam.REQUIRED:
        assert f"`{r.role}`" in doc


def test_each_role_is_listed_once_for_each_account_and_scope():
    keys = [(r.who, r.role, r.on) for r in iam.REQUIRED]
    assert len(keys) == len(set(keys))


def test_without_credentials_the_command_says_so_in_one_line():
    # A real project (no emulator in the environment) and no credentials.
    env = {k: v for k, v in os.environ.items() if not k.endswith("_EMULATOR_HOST")}
    env["GOOGLE_APPLICATION_CREDENTIALS"] = "/nonexistent/adc.json"
    done = subprocess.run(
        [sys.executable, "-m", "ops", "--project", PROJECT, "iam"],
        cwd=iam.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    from devstack import preflight

    assert done.returncode == preflight.EXIT_NOT_READY  # the shared preflight, before any API call
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "credentials" in done.stderr
