"""Structured logs (JSON via the firebase-functions logger) an operator can filter on."""
from __future__ import annotations

from firebase_functions import logger


def info(message: str, **fields) -> None:
    logger.info(message, **_clean(fields))


def warn(message: str, **fields) -> None:
    logger.warn(message, **_clean(fields))


def error(message: str, **fields) -> None:
    logger.error(message, **_clean(fields))


def state_change(creation_id: str, user_id: str | None, from_state: str | None, to_state: str,
                 duration_ms: int | None = None, error_code: str | None = None, **extra) -> None:
    info("creation state change", creationId=creation_id, userId=user_id, **{"from": from_state},
         to=to_state, durationMs=duration_ms, errorCode=error_code, **extra)


def ledger_movement(creation_id: str | None, user_id: str, kind: str, amount: int,
                    balance_after: int | None = None) -> None:
    info("ledger movement", creationId=creation_id, userId=user_id, type=kind, amount=amount,
         balanceAfter=balance_after)


def _clean(fields: dict) -> dict:
    return {k: v for k, v in fields.items() if v is not None}
