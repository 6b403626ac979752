"""Every quality the app sells runs on its own model (veo_models.MODEL_FOR_TIER),
so `make deploy` refuses a table whose model for any quality is retired or retiring, not only
a retired VEO_MODEL. Pure: runs the check in-process; starts no stack."""

from __future__ import annotations

import pytest

from domain import veo_models
from ops import deploy_check


@pytest.fixture(autouse=True)
def _stack():
    """Overrides tests/ops/conftest.py's autouse stack: these tests need no emulator."""
    return None


def run(tmp_path, capsys) -> tuple[int, str]:
    (tmp_path / ".env.my-project").write_text("VEO_MODEL=veo-3.1-fast-generate-001\n")
    code = deploy_check.main(["--project", "my-project", "--functions-dir", str(tmp_path), "--today", "2026-11-28"])
    return code, capsys.readouterr().err


def test_the_models_of_every_quality_pass_the_deploy_check(tmp_path, capsys):
    assert run(tmp_path, capsys) == (0, "")


def test_a_quality_whose_model_is_retired_stops_the_deploy(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(veo_models.MODEL_FOR_TIER, "standard", "veo-3.0-generate-001")
    code, err = run(tmp_path, capsys)
    assert code == 1
    assert "quality 'standard'" in err and "was retired on 2026-06-30" in err
