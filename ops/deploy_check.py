"""Refuses a deploy whose Veo model Google has retired (or never had), or whose videos would be
served from r2.dev: `make deploy` runs it.

    python -m ops.deploy_check --project my-project [--today 2026-12-01] [--allow-r2-dev]

A retired model answers 404 to every start, so every creation would fail and be refunded.
An `*.r2.dev` R2_PUBLIC_BASE_URL is Cloudflare's development URL: rate-limited, it answers 429
at a few hundred requests/s and Cloudflare says it is not for production (R2 docs, "Public
buckets", checked 2026-12-03); production serves the bucket from a custom domain.
`--allow-r2-dev` (make deploy ALLOW_R2_DEV=1) lets a staging project use it anyway.
The model the deploy would use is found the way `firebase deploy` finds param values:
functions/.env.<project> over functions/.env, else the param's default in functions/config.py.
The verdict comes from the one table in functions/domain/veo_models.py.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import ops  # noqa: F401  (puts functions/ on the path)

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
PARAM = "VEO_MODEL"


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as firebase-tools reads them (comments and blanks skipped, quotes cut)."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def param_default() -> str:
    import config

    default = config.VEO_MODEL.default
    assert isinstance(default, str), "VEO_MODEL's default must be a literal model id"
    return default


def deployed_value(param: str, project: str, functions_dir: Path = FUNCTIONS_DIR) -> tuple[str | None, str]:
    """(value, where it came from) of a param for a deploy to `project`; None: its default."""
    for path in (functions_dir / f".env.{project}", functions_dir / ".env"):
        value = read_env_file(path).get(param)
        if value:
            return value, str(path.relative_to(functions_dir.parent))
    return None, f"the {param} default in functions/config.py"


def deployed_model(project: str, functions_dir: Path = FUNCTIONS_DIR) -> tuple[str, str]:
    """(model id, where it came from) for a deploy to `project`."""
    value, source = deployed_value(PARAM, project, functions_dir)
    return (value or param_default()), source


def r2_dev_problem(project: str, functions_dir: Path = FUNCTIONS_DIR) -> str | None:
    """Why the deploy's R2_PUBLIC_BASE_URL is not for production, or None."""
    from urllib.parse import urlsplit

    url, source = deployed_value("R2_PUBLIC_BASE_URL", project, functions_dir)
    host = (urlsplit(url).hostname or "") if url else ""
    if host == "r2.dev" or host.endswith(".r2.dev"):
        return (
            f"R2_PUBLIC_BASE_URL={url} (from {source}) is Cloudflare's r2.dev development URL: "
            "rate-limited (429s at a few hundred requests/s), not for production. Serve the bucket "
            "from a custom domain, or pass --allow-r2-dev (make deploy ALLOW_R2_DEV=1) for a staging project"
        )
    return None


def main(argv: list[str] | None = None) -> int:
    from domain import veo_models

    parser = argparse.ArgumentParser(prog="python -m ops.deploy_check", description=__doc__.splitlines()[0])
    parser.add_argument("--project", required=True, help="the Firebase project id being deployed")
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="judge retirement against this date (YYYY-MM-DD; default: today)",
    )
    parser.add_argument(
        "--allow-r2-dev", action="store_true", help="accept an *.r2.dev R2_PUBLIC_BASE_URL (staging only)"
    )
    parser.add_argument("--functions-dir", type=Path, default=FUNCTIONS_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    r2_dev = r2_dev_problem(args.project, args.functions_dir)
    if r2_dev and not args.allow_r2_dev:
        print(f"deploy refused: {r2_dev}", file=sys.stderr)
        return 1
    if r2_dev:
        print(f"deploy check: WARNING {r2_dev.split(':')[0]} is r2.dev, allowed by --allow-r2-dev")

    model, source = deployed_model(args.project, args.functions_dir)
    problem = veo_models.deploy_problem(model, args.today or date.today())
    if problem:
        print(
            f'deploy refused: {problem} (from {source}; see docs/operations.md, "Moving to a new Veo model")',
            file=sys.stderr,
        )
        return 1
    # Each quality the app sells runs on its own model (veo_models.MODEL_FOR_TIER);
    # VEO_MODEL only serves start tasks queued before the options existed.
    for quality, tier_model in sorted(veo_models.MODEL_FOR_TIER.items()):
        problem = veo_models.deploy_problem(tier_model, args.today or date.today())
        if problem:
            print(
                f"deploy refused: the model of quality {quality!r} (veo_models.MODEL_FOR_TIER): "
                f'{problem.replace("VEO_MODEL=", "", 1)} (see docs/operations.md, "Moving to a new Veo model")',
                file=sys.stderr,
            )
            return 1
    print(f"deploy check: {PARAM}={model} is a current Veo model (from {source})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
