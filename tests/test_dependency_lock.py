"""requirements.lock is what `make install` installs: it must pin the whole tree, and pin
every direct requirement at the version requirements.txt asks for (`make lock` rewrites it)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;#]+)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-r")):
            continue
        match = PIN.match(line)
        assert match, f"{path.name}: not an exact pin: {line!r}"
        pins[_canonical(match.group(1))] = match.group(2)
    return pins


def test_every_line_of_the_lock_is_an_exact_pin():
    assert _pins(ROOT / "requirements.lock")


def test_the_lock_pins_every_direct_requirement_at_its_version():
    locked = _pins(ROOT / "requirements.lock")
    for source in ("requirements.txt", "functions/requirements.in", "functions/requirements.txt"):
        for name, version in _pins(ROOT / source).items():
            assert locked.get(name) == version, f"{source}: {name}=={version}, lock has {locked.get(name)}"


def test_the_deployed_requirements_are_the_lock_s_pins_of_the_functions_closure():
    # firebase deploy installs functions/requirements.txt: generated, so it cannot drift.
    from ops import pin_requirements

    assert (ROOT / "functions/requirements.txt").read_text() == pin_requirements.render(), (
        "run: python -m ops.pin_requirements"
    )
    deployed, locked = _pins(ROOT / "functions/requirements.txt"), _pins(ROOT / "requirements.lock")
    assert all(locked.get(name) == version for name, version in deployed.items())
    for direct in _pins(ROOT / "functions/requirements.in"):
        assert direct in deployed, direct


def test_a_lock_that_moved_a_version_makes_the_deployed_file_stale(tmp_path):
    from ops import pin_requirements

    lock = (ROOT / "requirements.lock").read_text()
    moved = tmp_path / "requirements.lock"
    moved.write_text(re.sub(r"(?m)^uvicorn==\S+", "uvicorn==0.0.1", lock))
    assert "uvicorn==0.0.1" in pin_requirements.render(lock_path=moved)
    assert pin_requirements.render(lock_path=moved) != (ROOT / "functions/requirements.txt").read_text()
