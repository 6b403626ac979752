"""The operator CLI (`python -m ops`) called in-process: its `main` with the given argv, what it
printed and its exit status, shaped like subprocess.run's result.

A new interpreter per call costs seconds of imports (the Google SDKs) on a busy machine and
proves nothing a test of the CLI's behaviour needs. The real entry point (`python -m ops`, the
module's `sys.exit(main())`) is proven by the few tests that still run it as a subprocess
(tests/ops/test_cli.py).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from unittest import mock


def run_ops(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python -m ops *args` as the shell would see it: stdout, stderr and the exit status.

    `env`, when given, is the whole environment of the call (as for subprocess.run); either
    way the CLI's own changes to os.environ (its project, the emulator hosts) end with it."""
    from ops.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    environ = dict(env) if env is not None else dict(os.environ)
    with (
        mock.patch.dict(os.environ, environ, clear=True),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's refusals, and sys.exit("message") as Python shows it
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
                code = 1
            else:
                code = exc.code or 0
    return subprocess.CompletedProcess(["python", "-m", "ops", *args], int(code or 0), out.getvalue(), err.getvalue())
