"""Sentences of the docs that name code, checked against the code so they stay true.

A log event the runbook tells an operator to search for must exist in adapters/log.py and be
written by some caller: a doc naming a log line nobody writes sends people looking for nothing.
Likewise every file (`tests/support/parallel.py`) and module attribute (`domain/shards.POLL_SHARDS`)
a doc names must exist: a renamed module leaves the docs pointing at nothing.
"""

from __future__ import annotations

import ast
import functools
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
LEVELS = {"_info", "_warn", "_error"}
COMMANDS = {"make", "python", "npm", "node", "firebase", "git", "pip", "gcloud"}


def _level_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    candidates = [func.body, func.orelse] if isinstance(func, ast.IfExp) else [func]
    return any(isinstance(c, ast.Name) and c.id in LEVELS for c in candidates)


def log_events() -> dict[str, str]:
    """message -> the adapters/log.py function that writes it."""
    events = {}
    for fn in ast.parse((ROOT / "functions" / "adapters" / "log.py").read_text()).body:
        if isinstance(fn, ast.FunctionDef):
            for node in ast.walk(fn):
                if _level_call(node) and node.args and isinstance(node.args[0], ast.Constant):
                    events[node.args[0].value] = fn.name
    return events


def events_named_in_docs() -> dict[str, list[str]]:
    """Back-quoted phrases on a line that speaks of logs: `creation state change`, ..."""
    named: dict[str, list[str]] = {}
    for path in DOCS:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not re.search(r"\blog", line, re.IGNORECASE):
                continue
            for phrase in re.findall(r"`([a-z][a-z_ ]*[a-z])`", line):
                if " " in phrase and phrase.split()[0] not in COMMANDS:
                    named.setdefault(phrase, []).append(f"{path.name}:{number}")
    return named


@functools.cache
def _sources() -> tuple[tuple[Path, str], ...]:
    """Every module of functions/ and ops/ but log.py itself, read once; the walk never enters
    the venv (tens of thousands of files a filter after rglob would still visit)."""
    found = []
    for top in ("functions", "ops"):
        for folder, subfolders, files in os.walk(ROOT / top):
            subfolders[:] = [name for name in subfolders if name not in ("venv", "__pycache__")]
            found += [(Path(folder) / f, (Path(folder) / f).read_text()) for f in files if f.endswith(".py")]
    return tuple((path, text) for path, text in found if path.name != "log.py")


def callers_of(function: str) -> list[Path]:
    pattern = re.compile(rf"\blog\.{function}\(")
    return [path for path, text in _sources() if pattern.search(text)]


def test_every_log_event_a_doc_names_exists():
    events = log_events()
    missing = {phrase: where for phrase, where in events_named_in_docs().items() if phrase not in events}
    assert not missing, f"docs name log events adapters/log.py never writes: {missing}"


def test_every_log_event_a_doc_names_is_written_by_some_caller():
    events = log_events()
    for phrase in events_named_in_docs():
        if phrase in events:
            assert callers_of(events[phrase]), f"`{phrase}` (log.{events[phrase]}) has no caller"


def test_the_check_finds_the_events_the_runbook_relies_on():
    named = events_named_in_docs()
    assert {"creation state change", "ledger movement", "malformed document set aside"} <= set(named)


# Where a doc's relative paths are rooted: the repository, the functions' source (docs speak of
# `domain/ledger.py`), the web client and its sources, the tests.
PATH_BASES = (ROOT, ROOT / "functions", ROOT / "clients" / "web", ROOT / "clients" / "web" / "src", ROOT / "tests")
CLIENT_README = ROOT / "clients" / "web" / "README.md"
FILE_NAMED = re.compile(r"^[\w.\-/]+/[\w.\-]+\.(?:py|md|json|rules|mjs|js|lock|toml|html|css|yaml|txt)$")
ATTRIBUTE_NAMED = re.compile(r"^([\w\-/]*\w)\.([A-Za-z_]\w*)$")  # `domain/admission.overdue`


def code_named_in_docs() -> dict[str, list[str]]:
    """Back-quoted repository paths with a folder (`tests/support/parallel.py`) and module
    attributes (`domain/shards.POLL_SHARDS`); IAM roles (`roles/run.invoker`) are not code."""
    named: dict[str, list[str]] = {}
    for path in [*DOCS, CLIENT_README]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for phrase in re.findall(r"`([\w.\-/]+)`", line):
                code = FILE_NAMED.match(phrase) or ATTRIBUTE_NAMED.match(phrase)
                if code and "/" in phrase and not phrase.startswith(("roles/", "/", "../", "http")):
                    named.setdefault(phrase, []).append(f"{path.name}:{number}")
    return named


def _defined_names(module: Path) -> set[str]:
    tree = ast.parse(module.read_text())
    names = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.ClassDef)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _generated(phrase: str) -> bool:
    """A file git ignores (`bench/results-quick.json`): a command writes it, a clone has none."""
    candidates = [str((base / phrase).relative_to(ROOT)) for base in PATH_BASES]
    done = subprocess.run(["git", "check-ignore", "--", *candidates], cwd=ROOT, capture_output=True)
    assert done.returncode in (0, 1), done.stderr  # 0: one is ignored, 1: none is
    return done.returncode == 0


def _resolves(phrase: str) -> bool:
    if FILE_NAMED.match(phrase):
        return any((base / phrase).exists() for base in PATH_BASES) or _generated(phrase)
    match = ATTRIBUTE_NAMED.match(phrase)
    assert match is not None
    modules = [base / f"{match.group(1)}.py" for base in PATH_BASES if (base / f"{match.group(1)}.py").exists()]
    return any(match.group(2) in _defined_names(module) for module in modules)


def test_every_file_and_function_a_doc_names_exists():
    missing = {phrase: where for phrase, where in code_named_in_docs().items() if not _resolves(phrase)}
    assert not missing, f"docs name files or functions that do not exist: {missing}"


def test_the_check_sees_paths_and_attributes_and_refuses_a_made_up_one():
    named = code_named_in_docs()
    assert {"tests/support/parallel.py", "domain/shards.POLL_SHARDS", "domain/admission.overdue"} <= set(named)
    assert not _resolves("domain/shards.NO_SUCH_NAME")
    assert not _resolves("tests/support/no_such_file.py")
    assert _resolves("bench/results-quick.json")  # ignored by git: written by `make bench BENCH_ARGS=--quick`
