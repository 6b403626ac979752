"""The configured Veo model is a current GA model, and `make deploy` refuses one that is not.

Pure: reads files and runs the check; starts no stack.
"""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from ops import deploy_check

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"

import config  # noqa: E402  (functions/ is on the path: tests/conftest.py)
from domain import veo_models  # noqa: E402


@pytest.fixture(autouse=True)
def _stack():
    """Overrides tests/ops/conftest.py's autouse stack: these tests need no emulator."""
    return None


def _assert_current_ga(model_id: str, where: str) -> None:
    status = veo_models.model_status(model_id, date.today())
    assert model_id in veo_models.CURRENT_MODELS and status == veo_models.ModelStatus.CURRENT, (
        f"{where} names {model_id!r} ({status}); current GA: {sorted(veo_models.CURRENT_MODELS)}. "
        "See docs/operations.md, 'Moving to a new Veo model'."
    )


def test_param_default_model_is_a_current_ga_model():
    _assert_current_ga(config.VEO_MODEL.default, "VEO_MODEL's default in functions/config.py")
    assert config.VEO_MODEL.default == veo_models.DEFAULT_MODEL


@pytest.mark.parametrize("env_file", [".env.local", ".env.example"])
def test_env_files_name_a_current_ga_model(env_file):
    model = deploy_check.read_env_file(FUNCTIONS / env_file).get("VEO_MODEL")
    assert model, f"functions/{env_file} must list VEO_MODEL"
    _assert_current_ga(model, f"functions/{env_file}")


@pytest.fixture
def run_check(capsys):
    """Runs the check in-process (the `make deploy` test below runs it for real)."""

    def run(functions_dir: Path, project: str = "my-project", today: str | None = None):
        argv = ["--project", project, "--functions-dir", str(functions_dir)]
        if today:
            argv += ["--today", today]
        code = deploy_check.main(argv)
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(argv, code, out, err)

    return run


@pytest.mark.parametrize("model", sorted(veo_models.RETIRED_MODELS))
def test_deploy_check_refuses_every_retired_model_with_its_date_and_replacement(tmp_path, model, run_check):
    (tmp_path / ".env.my-project").write_text(f"VEO_MODEL={model}\n")
    retired_on, replacement = veo_models.RETIRED_MODELS[model]

    result = run_check(tmp_path, today="2026-11-28")

    assert result.returncode == 1
    assert f"was retired on {retired_on}" in result.stderr
    assert f"use {replacement}" in result.stderr and ".env.my-project" in result.stderr


def test_deploy_check_refuses_an_unknown_model(tmp_path, run_check):
    (tmp_path / ".env").write_text('# comment\nVEO_MODEL="veo-9-generate-typo"\n')
    result = run_check(tmp_path)
    assert result.returncode == 1
    assert "'veo-9-generate-typo' is not a current Veo model" in result.stderr


def test_deploy_check_refuses_a_model_whose_new_access_is_already_blocked(tmp_path, run_check):
    # Google blocks new access about a month before a retirement: deploying then is too late.
    (tmp_path / ".env.my-project").write_text("VEO_MODEL=veo-3.1-generate-preview\n")
    result = run_check(tmp_path, today="2026-03-10")
    assert result.returncode == 1 and "retires on 2026-04-02" in result.stderr


def test_project_env_file_wins_over_env_file_and_the_default_applies_without_either(tmp_path, run_check):
    (tmp_path / ".env").write_text("VEO_MODEL=veo-3.0-generate-001\n")
    (tmp_path / ".env.my-project").write_text("VEO_MODEL=veo-3.1-generate-001\n")
    assert deploy_check.deployed_model("my-project", tmp_path)[0] == "veo-3.1-generate-001"
    assert deploy_check.deployed_model("other-project", tmp_path)[0] == "veo-3.0-generate-001"

    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_check(empty)
    assert result.returncode == 0, result.stderr
    assert f"VEO_MODEL={config.VEO_MODEL.default}" in result.stdout and "default" in result.stdout


def test_make_deploy_stops_before_firebase_deploy_on_a_retired_model():
    project = "phoenix-deploy-check-test"
    env_file = FUNCTIONS / f".env.{project}"
    env_file.write_text("VEO_MODEL=veo-3.0-fast-generate-001\n")
    try:
        result = subprocess.run(
            ["make", "--no-print-directory", "deploy", f"PROJECT={project}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        env_file.unlink()
    assert result.returncode != 0
    assert "deploy refused: VEO_MODEL='veo-3.0-fast-generate-001' was retired" in result.stderr
    assert "firebase deploy" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "url", ["https://pub-0123456789abcdef.r2.dev", "https://PUB-abc.R2.DEV/", "https://r2.dev", "http://x.r2.dev:443"]
)
def test_an_r2_dev_public_url_is_refused_unless_explicitly_allowed(tmp_path, capsys, url):
    (tmp_path / ".env.my-project").write_text(f"R2_PUBLIC_BASE_URL={url}\n")
    argv = ["--project", "my-project", "--functions-dir", str(tmp_path)]
    assert deploy_check.main(argv) == 1
    assert "r2.dev" in capsys.readouterr().err
    assert deploy_check.main([*argv, "--allow-r2-dev"]) == 0
    assert "WARNING" in capsys.readouterr().out


@pytest.mark.parametrize("url", ["https://media.example.com", "https://r2.dev.example.com", "https://notr2.dev.io"])
def test_a_custom_domain_passes_the_r2_check(tmp_path, url):
    (tmp_path / ".env").write_text(f"R2_PUBLIC_BASE_URL={url}\n")
    assert deploy_check.r2_dev_problem("my-project", tmp_path) is None
