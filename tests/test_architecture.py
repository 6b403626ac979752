"""The layout rules docs/architecture.md states, checked on the code so the sentences stay true."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = sorted((ROOT / "functions" / "handlers").glob("*.py"))
DOMAIN = sorted((ROOT / "functions" / "domain").glob("*.py"))

# What a handler may reach outside domain/ports/handlers: structured logs, the pure retry
# loop, a URI builder, and the poster's frame grab (CPU only, no network, no environment).
HANDLER_ADAPTERS = {"adapters.log", "adapters.retry", "adapters.gcs", "adapters.poster"}
STDLIB_ALLOWED = {"__future__", "collections", "dataclasses", "datetime", "enum", "functools", "tempfile", "uuid"}


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from adapters import log` names the module adapters.log
            found |= {f"{node.module}.{a.name}" if node.module == "adapters" else node.module for a in node.names}
    return found


def names_used(path: Path) -> set[str]:
    nodes = list(ast.walk(ast.parse(path.read_text())))
    return {n.attr for n in nodes if isinstance(n, ast.Attribute)} | {n.id for n in nodes if isinstance(n, ast.Name)}


def test_handlers_depend_on_ports_not_on_the_composition_root_nor_an_sdk():
    for path in HANDLERS:
        for module in imports_of(path):
            top = module.split(".")[0]
            allowed = top in {"domain", "ports", "handlers"} | STDLIB_ALLOWED or module in HANDLER_ADAPTERS
            assert allowed, f"{path.name} imports {module}"


def test_handlers_never_read_the_environment():
    for path in HANDLERS:
        assert "environ" not in names_used(path) and "getenv" not in names_used(path), path.name
        assert not {m for m in imports_of(path) if m.split(".")[0] in {"os", "config"}}, path.name


def test_the_domain_imports_nothing_but_itself_and_the_standard_library():
    sdk_roots = {"google", "firebase_admin", "firebase_functions", "boto3", "botocore", "av", "requests", "adapters"}
    for path in DOMAIN:
        assert not {m for m in imports_of(path) if m.split(".")[0] in sdk_roots | {"os"}}, path.name
