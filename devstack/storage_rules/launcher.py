"""Builds the jar that firebase-tools runs as the Storage rules runtime (offline only).

The jar holds `Launcher.class` (compiled from Launcher.java with the machine's `javac`,
`--release 17` so any Java 17+ runs it) and `command.txt`: this venv's Python running
`devstack.storage_rules.runtime`. Rebuilt when the source or the command changes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "Launcher.java"


def command() -> list[str]:
    return [sys.executable, "-m", "devstack.storage_rules.runtime"]


def build(work_dir: Path) -> Path:
    jar = work_dir / "storage-rules-runtime.jar"
    cmd_text = "\n".join(command()) + "\n"
    stamp = work_dir / "storage-rules-runtime.stamp"
    wanted = SOURCE.read_text() + cmd_text
    if jar.exists() and stamp.exists() and stamp.read_text() == wanted:
        return jar
    javac = shutil.which("javac")
    if javac is None:
        raise SystemExit("the Storage emulator needs `javac` (Debian package openjdk-17-jdk-headless) offline")
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([javac, "--release", "17", "-d", tmp, str(SOURCE)], check=True)
        manifest = "Manifest-Version: 1.0\r\nMain-Class: Launcher\r\n\r\n"
        with zipfile.ZipFile(jar, "w") as out:
            out.writestr("META-INF/MANIFEST.MF", manifest)
            out.write(Path(tmp) / "Launcher.class", "Launcher.class")
            out.writestr("command.txt", cmd_text)
    stamp.write_text(wanted)
    return jar
