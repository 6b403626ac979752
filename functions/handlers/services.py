"""Kept for the callers that wire handlers by hand (the emulator tests): the wiring itself
is bootstrap.py."""
from __future__ import annotations

from bootstrap import Services, bootstrap

from config import Settings

__all__ = ["Services", "build"]


def build(settings: Settings, r2_keys: tuple[str, str] | None = None) -> Services:
    return bootstrap(settings, r2_keys=r2_keys)
