"""A local stand-in for Firebase Cloud Messaging's HTTP v1 API, as strict as FCM where our
sender could go wrong (FCM docs checked 2026-12-04: docs/notifications.md).

- OAuth 2: `POST /token` plays Google's token endpoint for a service account key (a JWT signed
  with the key, RS256, `aud` = Google's token URI, a scope list); its access tokens are the only
  bearer `messages:send` accepts (401 UNAUTHENTICATED otherwise), and only with the
  firebase.messaging or cloud-platform scope (403 PERMISSION_DENIED).
- `POST /v1/projects/{project}/messages:send`: the project must be this stand-in's
  (403 PERMISSION_DENIED otherwise); the body is `{"message": ..., "validate_only"?}` with no
  unknown field; exactly one target (token, topic, condition); data values strings only and no
  reserved key; notification, android, apns and webpush blocks with known fields and
  well-formed values; at most 4096 bytes of payload. Errors are Google's JSON error with FCM's
  FcmError/BadRequest details.
- Tokens: not of FCM's shape → 400 INVALID_ARGUMENT ("not a valid FCM registration token");
  listed through `POST /_control/unregistered` → 404 UNREGISTERED, as for an uninstalled app.
- Faults (`POST /_control/faults`, like the Veo stand-in): quota (429 QUOTA_EXCEEDED with
  Retry-After), unavailable (503), internal (500), sender_id_mismatch (403), each `times` uses,
  optionally for one token only.
- `GET /_control/messages` → {"messages": [{"token", "message"}]}: accepted sends, oldest first.

Run:  python -m standins.fcm_server --port 9015 --project demo-phoenix --credentials KEY.json
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from standins.control import CONTROL_PREFIX, ControlClient, ServedOnPort, run_until_signalled, threading_server
from standins.faults import FaultQueue, FaultSpecError, check_fields, check_kind, check_times, not_number, specs_of
from standins.json_http import JsonHandler

DEFAULT_PORT = 9015
SCOPES = frozenset(
    {"https://www.googleapis.com/auth/firebase.messaging", "https://www.googleapis.com/auth/cloud-platform"}
)
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME_S = 3600
PAYLOAD_LIMIT = 4096
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"
SEND_PATH = re.compile(r"^/v1/projects/([^/]+)/messages:send$")
# What FCM registration tokens are made of (URL-safe base64 and a colon). FCM's own check is not
# published; this is the stand-in's, strict enough to catch a truncated or mangled token.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_:\-]{20,4096}")
RESERVED_DATA_KEYS = frozenset({"from", "notification", "message_type"})
MESSAGE_FIELDS = frozenset(
    {"name", "data", "notification", "android", "webpush", "apns", "fcm_options", "token", "topic", "condition"}
)
NOTIFICATION_FIELDS = frozenset({"title", "body", "image"})
ANDROID_FIELDS = frozenset(
    {
        "collapse_key",
        "priority",
        "ttl",
        "restricted_package_name",
        "data",
        "notification",
        "fcm_options",
        "direct_boot_ok",
    }
)
ANDROID_NOTIFICATION_FIELDS = frozenset(
    {
        "title",
        "body",
        "icon",
        "color",
        "sound",
        "tag",
        "click_action",
        "body_loc_key",
        "body_loc_args",
        "title_loc_key",
        "title_loc_args",
        "channel_id",
        "ticker",
        "sticky",
        "event_time",
        "local_only",
        "notification_priority",
        "default_sound",
        "default_vibrate_timings",
        "default_light_settings",
        "vibrate_timings",
        "visibility",
        "notification_count",
        "light_settings",
        "image",
    }
)
APNS_FIELDS = frozenset({"headers", "payload", "fcm_options", "live_activity_token"})
WEBPUSH_FIELDS = frozenset({"headers", "data", "notification", "fcm_options"})
FAULT_KINDS = {
    # kind: (HTTP status, Google status, FcmError code, message)
    "quota": (429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded for quota metric 'Send requests'."),
    "unavailable": (503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable."),
    "internal": (500, "INTERNAL", "INTERNAL", "Internal error encountered."),
    "sender_id_mismatch": (403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch"),
}


class FcmError(Exception):
    def __init__(self, http: int, status: str, message: str, fcm_code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.http, self.status, self.message, self.fcm_code, self.field = http, status, message, fcm_code, field
        self.headers: dict[str, str] = {}

    def body(self) -> dict:
        details: list[dict] = []
        if self.fcm_code:
            details.append({"@type": FCM_ERROR, "errorCode": self.fcm_code})
        if self.field:
            details.append(
                {"@type": BAD_REQUEST, "fieldViolations": [{"field": self.field, "description": self.message}]}
            )
        error: dict[str, Any] = {"code": self.http, "message": self.message, "status": self.status}
        if details:
            error["details"] = details
        return {"error": error}


def invalid(message: str, field: str | None = None, fcm_code: str | None = "INVALID_ARGUMENT") -> FcmError:
    return FcmError(400, "INVALID_ARGUMENT", message, fcm_code, field)


@dataclass
class Fault:
    kind: str
    times: int = 1
    retryAfter: float = 1.0  # noqa: N815 - the control API's JSON name
    token: str | None = None


def parse_fault(spec: Any) -> Fault:
    spec = check_fields(spec, {"kind", "times", "retryAfter", "token"})
    fault = Fault(kind=check_kind(spec.get("kind"), FAULT_KINDS), times=check_times(spec.get("times", 1)))
    if "retryAfter" in spec:
        if not_number(spec["retryAfter"]) or spec["retryAfter"] < 0:
            raise FaultSpecError("fault 'retryAfter' must be a number of seconds >= 0")
        fault.retryAfter = float(spec["retryAfter"])
    if "token" in spec:
        if not isinstance(spec["token"], str):
            raise FaultSpecError("fault 'token' must be a string")
        fault.token = spec["token"]
    return fault


# ---- the message checks -----------------------------------------------------------------------


def _object(value: Any, field: str) -> dict:
    if not isinstance(value, dict):
        raise invalid(f"Invalid value at '{field}': expected an object", field, None)
    return value


def _known(value: dict, allowed: frozenset[str], field: str) -> None:
    for key in value:
        if key not in allowed:
            raise invalid(
                f"Invalid JSON payload received. Unknown name \"{key}\" at '{field}': Cannot find field.", field, None
            )


def _string_map(value: Any, field: str) -> dict:
    value = _object(value, field)
    for index, item in enumerate(value.values()):
        if not isinstance(item, str):
            shown = json.dumps(item)
            raise invalid(
                f"Invalid value at '{field}[{index}].value' (TYPE_STRING), {shown}", f"{field}[{index}].value", None
            )
    return value


def _strings(value: dict, field: str) -> None:
    for key, item in value.items():
        if not isinstance(item, str):
            raise invalid(f"Invalid value at '{field}.{key}' (TYPE_STRING), {json.dumps(item)}", f"{field}.{key}", None)


def check_message(message: Any) -> str:
    """The message's token, once it passes every check (raises FcmError)."""
    message = _object(message, "message")
    _known(message, MESSAGE_FIELDS, "message")
    targets = [key for key in ("token", "topic", "condition") if key in message]
    if len(targets) != 1:
        raise invalid("Exactly one of token, topic or condition must be specified.", "message", None)
    if "data" in message:
        data = _string_map(message["data"], "message.data")
        for key in data:
            if key in RESERVED_DATA_KEYS or key.startswith(("google.", "gcm.")):
                raise invalid(f"Invalid data payload key: {key}", "message.data", None)
    if "notification" in message:
        notification = _object(message["notification"], "message.notification")
        _known(notification, NOTIFICATION_FIELDS, "message.notification")
        _strings(notification, "message.notification")
    if "android" in message:
        _check_android(_object(message["android"], "message.android"))
    if "apns" in message:
        _check_apns(_object(message["apns"], "message.apns"))
    if "webpush" in message:
        _check_webpush(_object(message["webpush"], "message.webpush"))
    size = len(json.dumps({k: message.get(k) for k in ("data", "notification") if k in message}, separators=(",", ":")))
    if size > PAYLOAD_LIMIT:
        raise invalid(f"Message is too big: {size} bytes of payload (the limit is {PAYLOAD_LIMIT}).", "message")
    target = targets[0]
    if target != "token":
        return ""
    token = message["token"]
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        raise invalid("The registration token is not a valid FCM registration token", None, "INVALID_ARGUMENT")
    return token


def _check_android(android: dict) -> None:
    _known(android, ANDROID_FIELDS, "message.android")
    if "priority" in android and android["priority"] not in ("NORMAL", "HIGH"):
        raise invalid(
            f"Invalid value at 'message.android.priority', {json.dumps(android['priority'])}",
            "message.android.priority",
            None,
        )
    if "ttl" in android and not (isinstance(android["ttl"], str) and re.fullmatch(r"\d+(\.\d{1,9})?s", android["ttl"])):
        raise invalid(
            "Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration)",
            "message.android.ttl",
            None,
        )
    for key in ("collapse_key", "restricted_package_name"):
        if key in android and not isinstance(android[key], str):
            raise invalid(f"Invalid value at 'message.android.{key}' (TYPE_STRING)", f"message.android.{key}", None)
    if "data" in android:
        _string_map(android["data"], "message.android.data")
    if "notification" in android:
        notification = _object(android["notification"], "message.android.notification")
        _known(notification, ANDROID_NOTIFICATION_FIELDS, "message.android.notification")
        color = notification.get("color")
        if color is not None and not (isinstance(color, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", color)):
            raise invalid("Invalid value at 'message.android.notification.color'", "message.android.notification.color")


def _check_apns(apns: dict) -> None:
    _known(apns, APNS_FIELDS, "message.apns")
    headers = _string_map(apns.get("headers", {}), "message.apns.headers")
    if headers.get("apns-priority", "10") not in ("5", "10", "1"):
        raise invalid("Invalid APNs priority", "message.apns.headers")
    if len(headers.get("apns-collapse-id", "").encode()) > 64:
        raise invalid("apns-collapse-id must be at most 64 bytes", "message.apns.headers")
    if "payload" in apns:
        payload = _object(apns["payload"], "message.apns.payload")
        if "aps" in payload:
            _object(payload["aps"], "message.apns.payload.aps")


def _check_webpush(webpush: dict) -> None:
    _known(webpush, WEBPUSH_FIELDS, "message.webpush")
    if "headers" in webpush:
        _string_map(webpush["headers"], "message.webpush.headers")
    if "data" in webpush:
        _string_map(webpush["data"], "message.webpush.data")
    if "notification" in webpush:
        _object(webpush["notification"], "message.webpush.notification")
    link = _object(webpush.get("fcm_options", {}), "message.webpush.fcm_options").get("link")
    if link is not None and not (isinstance(link, str) and link.startswith("https://")):
        raise invalid("The link must be an HTTPS URL", "message.webpush.fcm_options.link")


# ---- OAuth: the token endpoint of a service account key -----------------------------------------


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class Credentials:
    """The service account keys the stand-in trusts (their public halves), by key id."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[str, Any]] = {}  # kid -> (client_email, public key)

    def trust_file(self, path: str) -> None:
        with open(path) as f:
            info = json.load(f)
        private = serialization.load_pem_private_key(info["private_key"].encode(), password=None)
        self.keys[info["private_key_id"]] = (info["client_email"], private.public_key())

    def verify(self, assertion: str, token_uri: str) -> set[str]:
        """The scopes of a valid grant; raises ValueError with OAuth's error description."""
        try:
            head_b64, body_b64, sig_b64 = assertion.split(".")
            header, claims = json.loads(_b64(head_b64)), json.loads(_b64(body_b64))
        except (ValueError, TypeError) as exc:
            raise ValueError("Invalid JWT: malformed") from exc
        if header.get("alg") != "RS256" or header.get("kid") not in self.keys:
            raise ValueError("Invalid JWT Signature.")
        email, public = self.keys[header["kid"]]
        try:
            public.verify(_b64(sig_b64), f"{head_b64}.{body_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature as exc:
            raise ValueError("Invalid JWT Signature.") from exc
        now = time.time()
        # Google's token endpoint requires its own URL as the audience, whatever URL the grant
        # was posted to (google-auth always signs that one).
        if claims.get("iss") != email or claims.get("aud") not in (GOOGLE_TOKEN_URI, token_uri):
            raise ValueError("Invalid JWT: iss or aud")
        if not (claims.get("iat", 0) - 300 <= now <= claims.get("exp", 0)) or claims["exp"] - claims["iat"] > 3600:
            raise ValueError(
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."
            )
        return set(str(claims.get("scope", "")).split())


def make_service_account_key(path: str, project: str, token_uri: str) -> dict:
    """A service account key file (Google's JSON format) with a fresh RSA key, for local stacks."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": f"phoenix-functions@{project}.iam.gserviceaccount.com",
        "client_id": str(secrets.randbelow(10**20)),
        "token_uri": token_uri,
    }
    with open(path, "w") as f:
        json.dump(info, f)
    return info


# ---- the server -------------------------------------------------------------------------------


class FcmStandIn(ServedOnPort):
    thread_name = "fcm-standin"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, project: str = "demo-phoenix", quiet: bool = True):
        self.host, self.requested_port, self.project, self.quiet = host, port, project, quiet
        self.credentials = Credentials()
        self.faults: FaultQueue[Fault] = FaultQueue()
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[float, set[str]]] = {}
        self._unregistered: set[str] = set()
        self._messages: list[dict] = []
        self._refused: dict[str, int] = {}

    def _make_httpd(self) -> ThreadingHTTPServer:
        return threading_server(self.host, self.requested_port, _handler(self))

    @property
    def token_uri(self) -> str:
        return f"{self.base_url}/token"

    # -- the API --

    def issue_token(self, form: dict[str, list[str]]) -> dict:
        if form.get("grant_type", [""])[0] != JWT_GRANT:
            raise ValueError("unsupported_grant_type")
        scopes = self.credentials.verify(form.get("assertion", [""])[0], self.token_uri)
        token = "ya29.local-" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (time.time() + TOKEN_LIFETIME_S, scopes)
        return {"access_token": token, "expires_in": TOKEN_LIFETIME_S, "token_type": "Bearer"}

    def send(self, project: str, bearer: str | None, raw: bytes) -> dict:
        with self._lock:
            granted = self._tokens.get(bearer or "")
        if granted is None or granted[0] < time.time():
            raise FcmError(
                401,
                "UNAUTHENTICATED",
                "Request is missing required authentication credential. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential.",
            )
        if not granted[1] & SCOPES:
            raise FcmError(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.")
        if project != self.project:
            raise FcmError(
                403,
                "PERMISSION_DENIED",
                f"Permission 'cloudmessaging.messages.create' denied on resource "
                f"'//cloudresourcemanager.googleapis.com/projects/{project}' (or it may not exist).",
            )
        try:
            body = json.loads(raw or b"null")
        except ValueError as exc:
            raise invalid("Invalid JSON payload received.", None, None) from exc
        body = _object(body, "")
        _known(body, frozenset({"message", "validate_only"}), "")
        if "message" not in body:
            raise invalid("Request contains an invalid argument: message is required.", "message", None)
        token = check_message(body["message"])
        if body.get("validate_only") is True:
            return {"name": f"projects/{self.project}/messages/fake_message_id"}
        fault = self.faults.take(lambda f: f.token is None or f.token == token)
        if fault is not None:
            http, status, code, text = FAULT_KINDS[fault.kind]
            error = FcmError(http, status, text, code)
            if fault.kind == "quota":
                error.headers["Retry-After"] = f"{fault.retryAfter:g}"
            raise error
        with self._lock:
            if token in self._unregistered:
                raise FcmError(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
            self._messages.append({"token": token, "message": body["message"]})
            number = len(self._messages)
        return {"name": f"projects/{self.project}/messages/0:{number}%{secrets.token_hex(8)}"}

    # -- control --

    def control(self, method: str, action: str, body: Any) -> dict:
        if method == "GET" and action == "health":
            return {"ok": True}
        if method == "GET" and action == "messages":
            with self._lock:
                return {"messages": json.loads(json.dumps(self._messages))}
        if method == "GET" and action == "stats":
            with self._lock:
                return {
                    "messages": len(self._messages),
                    "refused": dict(self._refused),
                    "faults": self.faults.injected(),
                }
        if method == "POST" and action == "unregistered":
            tokens = body.get("tokens") if isinstance(body, dict) else None
            if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
                raise FaultSpecError('body must be {"tokens": ["..."]}')
            with self._lock:
                self._unregistered.update(tokens)
                return {"unregistered": len(self._unregistered)}
        if method == "POST" and action == "faults":
            return {"pending": self.faults.add(parse_fault(spec) for spec in specs_of(body))}
        if method == "POST" and action == "reset":
            with self._lock:
                self._messages.clear()
                self._unregistered.clear()
                self._refused.clear()
            self.faults.clear()
            return {"ok": True}
        raise KeyError(action)

    def note_refused(self, status: str) -> None:
        with self._lock:
            self._refused[status] = self._refused.get(status, 0) + 1


class _Handler(JsonHandler):
    stand_in: FcmStandIn  # bound by _handler
    protocol_version = "HTTP/1.1"
    content_type = "application/json; charset=UTF-8"

    def route(self, method: str) -> None:
        path = urlsplit(self.path).path
        raw = self.raw_body() if method == "POST" else b""
        if path.startswith(CONTROL_PREFIX):
            self._control(method, path[len(CONTROL_PREFIX) :], raw)
        elif method == "POST" and path == "/token":
            self._token(raw)
        elif method == "POST" and (match := SEND_PATH.match(path)) is not None:
            self._send(match.group(1), raw)
        else:
            self.error(404, "NOT_FOUND", "The requested URL was not found.")

    def _control(self, method: str, action: str, raw: bytes) -> None:
        try:
            body = json.loads(raw) if raw else {}
            self.answer(200, self.stand_in.control(method, action, body))
        except (FaultSpecError, ValueError) as exc:
            self.answer(400, {"error": str(exc)})
        except KeyError:
            self.answer(404, {"error": f"no control {method} {CONTROL_PREFIX}{action}"})

    def _token(self, raw: bytes) -> None:
        try:
            self.answer(200, self.stand_in.issue_token(parse_qs(raw.decode())))
        except ValueError as exc:
            self.answer(400, {"error": "invalid_grant", "error_description": str(exc)})

    def _send(self, project: str, raw: bytes) -> None:
        try:
            self.answer(200, self.stand_in.send(project, self.bearer(), raw))
        except FcmError as exc:
            self.stand_in.note_refused(exc.fcm_code or exc.status)
            self.answer(exc.http, exc.body(), exc.headers)


def _handler(server: FcmStandIn) -> type[_Handler]:
    return type("Handler", (_Handler,), {"stand_in": server, "quiet": server.quiet})


class FcmControl(ControlClient):
    def messages(self) -> list[dict]:
        return self._call("GET", "messages")["messages"]

    def unregister(self, tokens: list[str]) -> dict:
        return self._call("POST", "unregistered", {"tokens": tokens})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m standins.fcm_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--project", default="demo-phoenix")
    parser.add_argument("--credentials", action="append", default=[], help="a service account key file to trust")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    server = FcmStandIn(args.host, args.port, args.project, quiet=args.quiet)
    for path in args.credentials:
        server.credentials.trust_file(path)
    stopping = run_until_signalled(server)
    print(f"FCM stand-in on {server.base_url} (project {args.project})", flush=True)
    stopping.wait()
    server.stop()


if __name__ == "__main__":
    main()
