"""Push notifications when a creation ends (draft or failed): what is sent, to which devices,
and what an FCM answer means. Pure: the FCM adapter and the sendnotification handler act on it.

A notification starts as an outbox document, `notifications/{outbox_id}`, written by the very
transaction that makes the draft or the failure (adapters/store.py); its own trigger sends it.
The money path therefore never waits on FCM, and a notification exists if and only if the
transition committed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import ErrorCode
from .states import Status

OUTBOX = "notifications"
DEVICES = "devices"  # users/{uid}/devices/{deviceId}
# What FCM lets one app instance hold is unbounded; what we send to is not: a user's newest
# devices only (the rules cannot count documents, so the sender prunes the oldest).
MAX_DEVICES = 10
DEVICE_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
PLATFORMS = ("ios", "android", "web")
TOKEN_MAX_CHARS = 4096
NOTIFIED = frozenset({Status.DRAFT, Status.FAILED})
# FCM HTTP v1 (docs checked 2026-12-04): a message's payload is at most 4096 bytes, keys and
# values; APNs' apns-collapse-id header at most 64 bytes.
PAYLOAD_LIMIT_BYTES = 4096
APNS_COLLAPSE_ID_MAX_BYTES = 64


# ---- the outbox -------------------------------------------------------------------------------


def outbox_id(creation_id: str, status: str, incarnation: str | None) -> str:
    """One outbox document per creation document and end state: a transaction retried by the
    SDK writes the same id (a set, not a second notification), and an id deleted and created
    again (a new incarnation) gets its own."""
    tag = hashlib.sha256((incarnation or "").encode()).hexdigest()[:10]
    return f"{creation_id}_{status}_{tag}"


def outbox_document(
    creation_id: str, user_id: str, status: Status, *, error_code: str | None = None, refunded: bool = False
) -> dict:
    """What the finishing transaction writes (plus its server timestamp)."""
    doc: dict = {"creationId": creation_id, "userId": user_id, "status": status.value}
    if status == Status.FAILED:
        doc["errorCode"] = str(error_code or ErrorCode.GENERATION_FAILED.value)
        doc["refunded"] = bool(refunded)
    return doc


# ---- preferences: profiles/{uid}.notify -------------------------------------------------------


def wants(preferences: object, status: str) -> bool:
    """`profiles/{uid}.notify` is `{ready: bool, failed: bool}`; anything missing means on."""
    if not isinstance(preferences, dict):
        return True
    key = "ready" if status == Status.DRAFT else "failed"
    return preferences.get(key) is not False


# ---- devices ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Device:
    device_id: str
    token: str
    platform: str
    locale: str | None = None
    updated_at: datetime | None = None


def device_from(device_id: str, data: object) -> Device | None:
    """A usable device document, or None (the rules make malformed ones rare, the server still
    never sends to a token it cannot trust the shape of)."""
    if not isinstance(data, dict) or not DEVICE_ID_PATTERN.fullmatch(device_id or ""):
        return None
    token, platform, locale = data.get("token"), data.get("platform"), data.get("locale")
    if not isinstance(token, str) or not 1 <= len(token) <= TOKEN_MAX_CHARS or platform not in PLATFORMS:
        return None
    updated = data.get("updatedAt")
    return Device(
        device_id,
        token,
        platform,
        locale if isinstance(locale, str) else None,
        updated if isinstance(updated, datetime) else None,
    )


def keep_newest(devices: list[Device], limit: int = MAX_DEVICES) -> tuple[list[Device], list[Device]]:
    """(the devices to send to, the oldest ones beyond the limit, to delete). A device with no
    time counts as the oldest; ties go by id so two runs agree."""

    def age(device: Device) -> tuple:
        stamp = device.updated_at.timestamp() if device.updated_at else float("-inf")
        return (-stamp, device.device_id)

    ordered = sorted(devices, key=age)
    return ordered[:limit], ordered[limit:]


# ---- the texts ----------------------------------------------------------------------------------

DEFAULT_LOCALE = "en"


@dataclass(frozen=True)
class Texts:
    ready_title: str
    ready_body: str
    failed_title: str
    failed: dict[ErrorCode, str]  # one sentence per error code: every code, every locale
    refunded: str


TEXTS: dict[str, Texts] = {
    "en": Texts(
        ready_title="Your video is ready",
        ready_body="Tap to watch it.",
        failed_title="Your video could not be made",
        failed={
            ErrorCode.INSUFFICIENT_TOKENS: "You don't have enough tokens for this video.",
            ErrorCode.CONTENT_POLICY: "The prompt breaks the content policy.",
            ErrorCode.GENERATION_FAILED: "Something went wrong while generating it.",
            ErrorCode.TIMEOUT: "It took too long to generate.",
            ErrorCode.TOO_MANY_IN_FLIGHT: "You already have the maximum number of videos in progress.",
            ErrorCode.INVALID_REQUEST: "The request was not valid.",
            ErrorCode.POLICY_COOLDOWN: "Too many of your prompts were refused by the content filter: try again later.",
            ErrorCode.RATE_LIMITED: "Too many requests in a short time: try again later.",
            ErrorCode.INVALID_NAME: "This name can't be used.",
            ErrorCode.NAME_TAKEN: "Another creator already uses this name.",
        },
        refunded="Your tokens were refunded.",
    ),
    "fr": Texts(
        ready_title="Votre vidéo est prête",
        ready_body="Touchez pour la regarder.",
        failed_title="Votre vidéo n'a pas pu être créée",
        failed={
            ErrorCode.INSUFFICIENT_TOKENS: "Vous n'avez pas assez de jetons pour cette vidéo.",
            ErrorCode.CONTENT_POLICY: "La description enfreint la politique de contenu.",
            ErrorCode.GENERATION_FAILED: "Un problème est survenu pendant la génération.",
            ErrorCode.TIMEOUT: "La génération a pris trop de temps.",
            ErrorCode.TOO_MANY_IN_FLIGHT: "Vous avez déjà le nombre maximal de vidéos en cours.",
            ErrorCode.INVALID_REQUEST: "La demande n'était pas valide.",
            ErrorCode.POLICY_COOLDOWN: "Trop de vos descriptions ont été refusées par le filtre : réessayez plus tard.",
            ErrorCode.RATE_LIMITED: "Trop de demandes en peu de temps : réessayez plus tard.",
            ErrorCode.INVALID_NAME: "Ce nom ne peut pas être utilisé.",
            ErrorCode.NAME_TAKEN: "Un autre créateur utilise déjà ce nom.",
        },
        refunded="Vos jetons ont été remboursés.",
    ),
    "es": Texts(
        ready_title="Tu vídeo está listo",
        ready_body="Toca para verlo.",
        failed_title="No se pudo crear tu vídeo",
        failed={
            ErrorCode.INSUFFICIENT_TOKENS: "No tienes suficientes tokens para este vídeo.",
            ErrorCode.CONTENT_POLICY: "La descripción incumple la política de contenido.",
            ErrorCode.GENERATION_FAILED: "Algo falló durante la generación.",
            ErrorCode.TIMEOUT: "La generación tardó demasiado.",
            ErrorCode.TOO_MANY_IN_FLIGHT: "Ya tienes el número máximo de vídeos en curso.",
            ErrorCode.INVALID_REQUEST: "La solicitud no era válida.",
            ErrorCode.POLICY_COOLDOWN: "El filtro rechazó demasiadas de tus descripciones: inténtalo más tarde.",
            ErrorCode.RATE_LIMITED: "Demasiadas solicitudes en poco tiempo: inténtalo más tarde.",
            ErrorCode.INVALID_NAME: "Este nombre no se puede usar.",
            ErrorCode.NAME_TAKEN: "Otro creador ya usa este nombre.",
        },
        refunded="Se te han devuelto los tokens.",
    ),
}


def language_of(locale: str | None) -> str:
    """The shipped language of a BCP 47 tag ("fr-CA" → "fr"), English otherwise."""
    if not isinstance(locale, str):
        return DEFAULT_LOCALE
    language = locale.replace("_", "-").split("-", 1)[0].lower()
    return language if language in TEXTS else DEFAULT_LOCALE


def title_and_body(status: str, locale: str | None, error_code: str | None = None, refunded: bool = False):
    texts = TEXTS[language_of(locale)]
    if status == Status.DRAFT:
        return texts.ready_title, texts.ready_body
    try:
        code = ErrorCode(str(error_code))
    except ValueError:
        code = ErrorCode.GENERATION_FAILED
    body = texts.failed[code]
    if refunded:
        body = f"{body} {texts.refunded}"
    return texts.failed_title, body


# ---- the FCM HTTP v1 message ------------------------------------------------------------------


def collapse_id(creation_id: str) -> str:
    """One per creation: a repeated send replaces the shown notification instead of adding one.
    A creation id fits APNs' 64-byte limit unless it is very long: then a digest of it."""
    if len(creation_id.encode()) <= APNS_COLLAPSE_ID_MAX_BYTES:
        return creation_id
    return hashlib.sha256(creation_id.encode()).hexdigest()[:APNS_COLLAPSE_ID_MAX_BYTES]


def message_for(device: Device, outbox: dict) -> dict:
    """The `message` of an FCM HTTP v1 `messages:send` for one device: a visible notification,
    data `{creationId, status}` (FCM takes string values only) and one collapse key per creation
    on each platform."""
    creation_id, status = str(outbox["creationId"]), str(outbox["status"])
    title, body = title_and_body(status, device.locale, outbox.get("errorCode"), bool(outbox.get("refunded")))
    key = collapse_id(creation_id)
    return {
        "token": device.token,
        "notification": {"title": title, "body": body},
        "data": {"creationId": creation_id, "status": status},
        "android": {"collapse_key": key, "priority": "HIGH", "notification": {"tag": key}},
        "apns": {"headers": {"apns-collapse-id": key}, "payload": {"aps": {"thread-id": "creations"}}},
        "webpush": {"notification": {"tag": key}},
    }


# ---- what an FCM answer means -------------------------------------------------------------------


class SendKind(StrEnum):
    SENT = "sent"
    STALE_TOKEN = "stale_token"  # unregistered or not a valid token: the device document goes
    RETRY = "retry"  # quota (429), unavailable or internal (5xx), a network error
    REFUSED = "refused"  # anything else: our message or credentials; retrying cannot help


@dataclass(frozen=True)
class SendResult:
    kind: SendKind
    code: str = ""  # FCM's errorCode (UNREGISTERED, QUOTA_EXCEEDED...) or the HTTP status name
    retry_after_s: float | None = None
    message_name: str | None = None
    detail: str = ""


def classify(http_status: int, status: str, fcm_code: str | None, message: str, retry_after_s: float | None):
    """An FCM HTTP v1 error answer as a SendResult (https://firebase.google.com/docs/reference/
    fcm/rest/v1/ErrorCode, checked 2026-12-04)."""
    code = fcm_code or status or str(http_status)
    if fcm_code == "UNREGISTERED" or http_status == 404:
        return SendResult(SendKind.STALE_TOKEN, code or "UNREGISTERED", detail=message)
    if http_status == 400 and "registration token" in message.lower():
        # INVALID_ARGUMENT on the token itself; any other INVALID_ARGUMENT is our message's fault.
        return SendResult(SendKind.STALE_TOKEN, "INVALID_ARGUMENT", detail=message)
    if http_status == 429 or http_status >= 500:
        return SendResult(SendKind.RETRY, code, retry_after_s=retry_after_s, detail=message)
    return SendResult(SendKind.REFUSED, code, detail=message)


@dataclass(frozen=True)
class SendRetryPolicy:
    attempts: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    # Time one run may spend before it stops retrying (tries included): sendnotification's
    # timeout is 300 s, and a last try per device (10 s at most each) must still fit.
    budget_s: float = 180.0


def next_wait(result: SendResult, attempt: int, elapsed_s: float, policy: SendRetryPolicy) -> float | None:
    """Seconds to wait before try `attempt + 1`, or None to give up (`elapsed_s`: since the run
    began). FCM's Retry-After is honoured as given (never shortened); without it, exponential
    backoff."""
    if result.kind != SendKind.RETRY or attempt >= policy.attempts:
        return None
    if result.retry_after_s is not None and result.retry_after_s >= 0:
        wait = result.retry_after_s
    else:
        wait = min(policy.max_delay_s, policy.base_delay_s * 2 ** (attempt - 1))
    if elapsed_s + wait > policy.budget_s:
        return None
    return wait


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (FCM sends seconds; an HTTP date is not used by it)."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
