"""The roles the functions need, checked (and granted) by a command instead of by prose.

    python -m ops --project P iam             each required role: granted or MISSING (exit 1 if any)
    python -m ops --project P iam --apply     grants the missing ones (read-modify-write with the etag)
    python -m ops iam --write-docs            rewrites the table in docs/operations.md from REQUIRED

In a project where the default compute service account is an Editor everything works; where
it is not (organisations that turn automatic grants off), each missing role is a 403 somewhere:
Firestore reads, Veo starts, task enqueues (`cloudtasks.enqueuer`), the OIDC token a task is
dispatched with (`iam.serviceAccountUser` on itself), the task's call to the function
(`run.invoker`: firebase-tools sets no invoker on task-queue services). REQUIRED is the one
list; the docs table is generated from it and tests/ops/test_iam.py fails when they differ.

APIs (checked 2026-12-04): Resource Manager v1 `projects.get`, `projects.getIamPolicy` /
`setIamPolicy` (policy version 3, the etag sent back so a concurrent change is refused, not
overwritten); Cloud Storage JSON v1 `buckets.getIamPolicy` / `setIamPolicy` for the temp bucket.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from ops.connection import ConnectionProblem, call

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "operations.md"
BEGIN = "<!-- BEGIN GENERATED IAM: python -m ops iam --write-docs -->"
END = "<!-- END GENERATED IAM -->"
CRM = "https://cloudresourcemanager.googleapis.com/v1"
STORAGE = "https://storage.googleapis.com/storage/v1"

RUNTIME = "runtime"  # the functions' service account
VERTEX_AGENT = "vertex-agent"  # the Vertex AI service agent, which writes Veo's output
PROJECT, TEMP_BUCKET = "project", "temp bucket"


@dataclass(frozen=True)
class Role:
    who: str
    role: str
    on: str
    why: str


REQUIRED: tuple[Role, ...] = (
    Role(RUNTIME, "roles/datastore.user", PROJECT, "Firestore reads, writes and transactions"),
    Role(RUNTIME, "roles/aiplatform.user", PROJECT, "start and poll Veo on Vertex AI"),
    Role(RUNTIME, "roles/cloudtasks.enqueuer", PROJECT, "enqueue the startveo and poll tasks"),
    Role(
        RUNTIME,
        "roles/iam.serviceAccountUser",
        PROJECT,
        "act as itself: the OIDC token Cloud Tasks calls the task functions with",
    ),
    Role(RUNTIME, "roles/run.invoker", PROJECT, "Cloud Tasks' call to the task-queue functions (no invoker is set)"),
    Role(RUNTIME, "roles/eventarc.eventReceiver", PROJECT, "receive the Firestore trigger events"),
    Role(RUNTIME, "roles/secretmanager.secretAccessor", PROJECT, "read the R2 secrets"),
    Role(RUNTIME, "roles/logging.logWriter", PROJECT, "write the named-event logs the metrics read"),
    Role(
        RUNTIME,
        "roles/firebasecloudmessaging.admin",
        PROJECT,
        "send push notifications (cloudmessaging.messages.create)",
    ),
    Role(RUNTIME, "roles/storage.objectAdmin", TEMP_BUCKET, "read and delete Veo's output in GCS_TEMP_BUCKET"),
    Role(VERTEX_AGENT, "roles/storage.objectCreator", TEMP_BUCKET, "Veo writes the finished video there"),
)

MEMBERS = {
    RUNTIME: "serviceAccount:{number}-compute@developer.gserviceaccount.com",
    VERTEX_AGENT: "serviceAccount:service-{number}@gcp-sa-aiplatform.iam.gserviceaccount.com",
}


def docs_table() -> str:
    rows = [
        "| service account | role | on | why |",
        "|---|---|---|---|",
        *(
            f"| {'runtime (`PROJECT_NUMBER-compute@…`)' if r.who == RUNTIME else 'Vertex AI service agent'} "
            f"| `{r.role}` | {r.on} | {r.why} |"
            for r in REQUIRED
        ),
    ]
    return "\n".join([BEGIN, *rows, END])


def doc_with_table(doc: str) -> str:
    start, end = doc.find(BEGIN), doc.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"docs/operations.md has no {BEGIN} ... {END} block")
    return doc[:start] + docs_table() + doc[end + len(END) :]


# ---- policies: pure ------------------------------------------------------------------------


def granted(policy: dict, member: str, role: str) -> bool:
    """Whether `member` holds `role` unconditionally (a conditional grant may not apply)."""
    return any(
        b.get("role") == role and member in b.get("members", []) and not b.get("condition")
        for b in policy.get("bindings", [])
    )


def with_grants(policy: dict, grants: list[tuple[str, str]]) -> dict:
    """The policy plus (member, role) grants: other bindings, conditions and the etag kept."""
    new = copy.deepcopy(policy)
    bindings = new.setdefault("bindings", [])
    for member, role in grants:
        binding = next((b for b in bindings if b.get("role") == role and not b.get("condition")), None)
        if binding is None:
            bindings.append({"role": role, "members": [member]})
        elif member not in binding["members"]:
            binding["members"].append(member)
    new["version"] = 3
    return new


# ---- the command ---------------------------------------------------------------------------


@dataclass
class Apis:
    crm: str = CRM
    storage: str = STORAGE


def _project_policy(session, apis: Apis, project: str) -> dict:
    return call(
        session, "POST", f"{apis.crm}/projects/{project}:getIamPolicy", {"options": {"requestedPolicyVersion": 3}}
    )


def _bucket_policy(session, apis: Apis, bucket: str) -> dict:
    return call(session, "GET", f"{apis.storage}/b/{bucket}/iam", params={"optionsRequestedPolicyVersion": "3"})


def _set_policy(session, apis: Apis, project: str, temp_bucket: str | None, scope: str, policy: dict) -> None:
    if scope == PROJECT:
        call(session, "POST", f"{apis.crm}/projects/{project}:setIamPolicy", {"policy": policy})
    else:
        call(session, "PUT", f"{apis.storage}/b/{temp_bucket}/iam", policy)


def _check(policies: dict[str, dict], members: dict[str, str]) -> tuple[list[str], list[Role]]:
    """One line per required role (ok, MISSING or skipped) and the missing roles."""
    lines, missing = [], []
    for r in REQUIRED:
        if r.on not in policies:
            lines.append(f"skipped  {r.role:<36} {r.on}: GCS_TEMP_BUCKET is not set for this project")
            continue
        ok = granted(policies[r.on], members[r.who], r.role)
        lines.append(f"{'ok' if ok else 'MISSING':<8} {r.role:<36} {r.on:<11} {members[r.who].split(':', 1)[1]}")
        if not ok:
            missing.append(r)
    return lines, missing


def run(
    session, project: str, temp_bucket: str | None, apply: bool = False, apis: Apis | None = None
) -> tuple[list[str], int]:
    """(lines to print, exit code): 0 all granted (or granted now), 1 some missing."""
    apis = apis or Apis()
    number = call(session, "GET", f"{apis.crm}/projects/{project}").get("projectNumber")
    if not number:
        raise ConnectionProblem(f"project {project}: Resource Manager gave no project number")
    members = {who: template.format(number=number) for who, template in MEMBERS.items()}
    policies = {PROJECT: _project_policy(session, apis, project)}
    if temp_bucket:
        policies[TEMP_BUCKET] = _bucket_policy(session, apis, temp_bucket)
    lines, missing = _check(policies, members)
    if missing and apply:
        for scope in (PROJECT, TEMP_BUCKET):
            grants = [(members[r.who], r.role) for r in missing if r.on == scope]
            if grants:
                _set_policy(session, apis, project, temp_bucket, scope, with_grants(policies[scope], grants))
        lines.append(f"iam: granted {len(missing)} role(s)")
        return lines, 0
    lines.append(
        "iam: every required role is granted"
        if not missing
        else f"iam: {len(missing)} role(s) missing: `python -m ops --project {project} iam --apply` grants them"
    )
    return lines, 1 if missing else 0
