"""Runs a command (the suite) several times in a row while CPU burners keep the machine busy.

    python -m tests.support.load --runs 3 --burners 2 -- python -m pytest

A test that only passes when it wins a race against the clock fails here; one that waits on
states and events does not. Prints each run's exit code and wall time, and the load average;
exits non-zero unless every run passed. `make test-under-load` is this over the whole suite.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time


def _burn() -> None:
    while True:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.load")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--burners", type=int, default=2, help="processes that spin a CPU each")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run")
    burners = [multiprocessing.Process(target=_burn, daemon=True) for _ in range(args.burners)]
    for burner in burners:
        burner.start()
    results = []
    try:
        for run in range(1, args.runs + 1):
            started = time.monotonic()
            code = subprocess.run(command).returncode
            seconds = time.monotonic() - started
            load = os.getloadavg()[0]
            results.append(code)
            print(f"load run {run}/{args.runs}: exit {code} in {seconds:.0f} s (load average {load:.1f})", flush=True)
    finally:
        for burner in burners:
            burner.terminate()
            burner.join(timeout=5)
    print(f"under load: {sum(c == 0 for c in results)}/{len(results)} runs passed")
    return 0 if all(c == 0 for c in results) else 1


if __name__ == "__main__":
    sys.exit(main())
