"""A local stand-in for the two IAM policy APIs `python -m ops iam` calls, as strict as Google's
where it matters (read 2026-12-04 from the Resource Manager v1 and Cloud Storage JSON v1
references): a bearer token is required; a policy read asks for version 3; a write must carry
the etag of the policy it modifies (else 409 ABORTED, as after a concurrent change); every
binding names a `roles/...` role and at least one member; a conditional binding needs
version 3. Writes replace the policy and give it a new etag."""

from __future__ import annotations

import base64
import copy
import re

from tests.support.google_json import GoogleJsonHandler, GoogleStandin, Route


def _policy_problem(policy: dict) -> str | None:
    """Why Google would refuse to store this policy (400 INVALID_ARGUMENT), or None."""
    for b in policy.get("bindings", []):
        if not str(b.get("role", "")).startswith("roles/") or not b.get("members"):
            return f"invalid binding {b}"
        if b.get("condition") and policy.get("version") != 3:
            return "conditional bindings need policy version 3"
    return None


class _Handler(GoogleJsonHandler):
    standin: IamStandin  # bound by GoogleStandin._make_httpd
    methods = ("GET", "POST", "PUT")

    def routes(self) -> tuple[Route, ...]:
        p = re.escape(self.standin.project)
        return (
            ("GET", rf"/v1/projects/{p}", self._project),
            ("POST", rf"/v1/projects/{p}:getIamPolicy", self._get_project_policy),
            ("POST", rf"/v1/projects/{p}:setIamPolicy", self._set_project_policy),
            ("GET", r"/storage/v1/b/([^/]+)/iam", self._get_bucket_policy),
            ("PUT", r"/storage/v1/b/([^/]+)/iam", self._set_bucket_policy),
        )

    def _project(self, query: dict) -> None:
        self.answer(200, {"projectId": self.standin.project, "projectNumber": self.standin.number})

    def _get_project_policy(self, query: dict) -> None:
        self._read("project", self.json_body().get("options", {}).get("requestedPolicyVersion"))

    def _set_project_policy(self, query: dict) -> None:
        body = self.json_body()
        if set(body) - {"policy", "updateMask"} or "policy" not in body:
            return self.error(400, "INVALID_ARGUMENT", "Invalid JSON payload: expected {policy}.")
        return self._write("project", body["policy"])

    def _bucket(self, bucket: str) -> str | None:
        """The bucket's policy key; None (and 404 answered) when there is no such bucket."""
        key = f"bucket:{bucket}"
        if key not in self.standin.policies:
            self.error(404, "NOT_FOUND", "The specified bucket does not exist.")
            return None
        return key

    def _get_bucket_policy(self, bucket: str, query: dict) -> None:
        if (key := self._bucket(bucket)) is not None:
            asked = (query.get("optionsRequestedPolicyVersion") or [None])[0]
            self._read(key, int(asked) if asked else None)

    def _set_bucket_policy(self, bucket: str, query: dict) -> None:
        if (key := self._bucket(bucket)) is not None:
            self._write(key, self.json_body())

    def _read(self, key: str, asked) -> None:
        policy = self.standin.policies.get(key)
        if policy is None:
            return self.error(403, "PERMISSION_DENIED", "The caller does not have permission")
        if policy["version"] == 3 and asked != 3:
            return self.error(400, "INVALID_ARGUMENT", "a policy with conditions is read as version 3")
        return self.answer(200, policy)

    def _write(self, key: str, policy: dict) -> None:
        standin = self.standin
        if policy.get("etag") != standin.policies[key]["etag"]:
            return self.error(
                409, "ABORTED", "There were concurrent policy changes. Please retry the whole read-modify-write"
            )
        if (problem := _policy_problem(policy)) is not None:
            return self.error(400, "INVALID_ARGUMENT", problem)
        standin.policies[key] = {k: copy.deepcopy(v) for k, v in policy.items()}
        standin.writes.append((key, copy.deepcopy(policy)))
        standin._new_etag(key)
        return self.answer(200, standin.policies[key])


class IamStandin(GoogleStandin):
    handler = _Handler
    thread_name = "google-iam-standin"

    def __init__(self, project: str, number: str):
        self.project, self.number = project, number
        self.policies: dict[str, dict] = {}  # "project" or "bucket:<name>" -> policy
        self.writes: list[tuple[str, dict]] = []
        self._version = 0

    def set_policy(self, key: str, bindings: list[dict]) -> None:
        self.policies[key] = {"version": 3 if any("condition" in b for b in bindings) else 1, "bindings": bindings}
        self._new_etag(key)

    def _new_etag(self, key: str) -> None:
        self._version += 1
        self.policies[key]["etag"] = base64.b64encode(f"v{self._version}".encode()).decode()
