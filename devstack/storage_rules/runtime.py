"""The rules runtime process: JSON requests on stdin, JSON responses on stdout, one per line.

Protocol (firebase-tools 15, lib/emulator/storage/rules/runtime.js):
- at start, a line with `id: -1` and `status: "ok"` tells firebase-tools the runtime is up;
- `{"action": "load_ruleset", "id": n, "context": {"rulesetName", "source": {"files":
  [{"name", "content"}]}}}` answers `result.rulesVersion`, or `errors` when it does not parse;
- `{"action": "verify", "id": n, "context": {"rulesetName", "path": "/b/<bucket>/o/<name>",
  "method", "variables": {"request", "resource"}}}` answers `result.permit`.
Run as `python -m devstack.storage_rules.runtime serve`.
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any

from devstack.storage_rules.evaluator import RulesError, Ruleset, from_expression_value, parse, permits


class Runtime:
    def __init__(self) -> None:
        self.rulesets: dict[str, Ruleset] = {}

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        action = request.get("action")
        context = request.get("context", {})
        reply: dict[str, Any] = {"id": request.get("id"), "status": "ok", "errors": [], "warnings": []}
        if action == "load_ruleset":
            files = context.get("source", {}).get("files", [])
            try:
                ruleset = parse("\n".join(f.get("content", "") for f in files))
            except RulesError as exc:
                name = files[0].get("name", "storage.rules") if files else "storage.rules"
                reply["errors"] = [f"{name}: {exc}"]
                return reply
            self.rulesets[str(context.get("rulesetName"))] = ruleset
            reply["result"] = {"rulesVersion": ruleset.version}
            return reply
        if action == "verify":
            loaded = self.rulesets.get(str(context.get("rulesetName")))
            if loaded is None:
                reply["errors"] = ["no such ruleset"]
                return reply
            variables = {k: from_expression_value(v) for k, v in context.get("variables", {}).items()}
            allowed = permits(loaded, context.get("path", ""), str(context.get("method")), variables)
            reply["result"] = {"permit": allowed}
            return reply
        reply["errors"] = [f"unsupported action {action!r}"]
        return reply


def serve() -> None:
    runtime = Runtime()
    out = sys.stdout
    out.write(json.dumps({"id": -1, "status": "ok", "result": None, "errors": [], "warnings": []}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = runtime.handle(json.loads(line))
        except Exception as exc:  # a bad request denies; it must not kill the runtime
            reply = {"id": None, "status": "ok", "errors": [f"runtime error: {exc}"], "warnings": []}
            with contextlib.suppress(ValueError, AttributeError):
                reply["id"] = json.loads(line).get("id")
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    serve()
