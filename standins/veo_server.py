"""A local stand-in for Veo on Vertex AI that the unmodified google-genai client talks to.

It answers the two REST calls the SDK makes in Vertex mode (`:predictLongRunning` to start,
`:fetchPredictOperation` to poll), finishes operations after a configurable delay with a real
MP4, writes that MP4 to a GCS-compatible server when the request names a `storageUri`, imitates
Veo's responsible-AI output filter, and lets tests inject faults through `/_control/`.

Run:  python -m standins.veo_server --port 8787 --gcs-endpoint http://127.0.0.1:9023
Use in-process:  server = VeoStandIn(port=0, ...); server.start(); ...; server.stop()
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable, Optional

from standins.control import ControlClient, ServedOnPort, run_until_signalled

from standins import media

DEFAULT_BLOCKED_TERMS = ("gore", "nsfw")
DEFAULT_DELAY_SECONDS = 3.0
DEFAULT_DURATION_SECONDS = 8
DEFAULT_ASPECT_RATIO = "16:9"
ALLOWED_DURATIONS = (4, 6, 8)
ALLOWED_ASPECT_RATIOS = tuple(media.FRAME_SIZES)
MAX_SAMPLE_COUNT = 4

RESPONSE_TYPE = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
FILTERED_SUPPORT_CODE = "42237218"

# google.rpc.Code values, used in failed operations ("error" inside a done operation).
RPC_CODE_INTERNAL = 13

HTTP_FAULTS = {
    # kind: (HTTP status, Google status name)
    "quota": (429, "RESOURCE_EXHAUSTED"),
    "unavailable": (503, "UNAVAILABLE"),
    "internal": (500, "INTERNAL"),
    "invalid_argument": (400, "INVALID_ARGUMENT"),
}
OUTCOME_FAULTS = ("operation_error", "filtered", "hang")
FAULT_KINDS = tuple(HTTP_FAULTS) + OUTCOME_FAULTS
FAULT_TRIGGERS = ("start", "poll")

_MODEL_CALL_PATH = re.compile(
    r"^/(?:v1|v1beta1)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
    r"/publishers/google/models/(?P<model>[^/:]+):(?P<method>predictLongRunning|fetchPredictOperation)$"
)


class ApiError(Exception):
    """An error answered in Google's JSON error shape."""

    def __init__(self, http_status: int, status: str, message: str):
        super().__init__(message)
        self.http_status = http_status
        self.status = status
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.http_status, "message": self.message, "status": self.status}}


def _invalid(message: str) -> ApiError:
    return ApiError(400, "INVALID_ARGUMENT", message)


@dataclass
class Fault:
    on: str
    kind: str
    times: int = 1
    match: Optional[str] = None

    @classmethod
    def from_json(cls, spec: Any) -> "Fault":
        if not isinstance(spec, dict):
            raise _invalid(f"each fault must be an object, got {spec!r}")
        unknown = set(spec) - {"on", "kind", "times", "match"}
        if unknown:
            raise _invalid(f"unknown fault fields {sorted(unknown)}")
        on, kind = spec.get("on"), spec.get("kind")
        times, match = spec.get("times", 1), spec.get("match")
        if on not in FAULT_TRIGGERS:
            raise _invalid(f"fault 'on' must be one of {list(FAULT_TRIGGERS)}, got {on!r}")
        if kind not in FAULT_KINDS:
            raise _invalid(f"fault 'kind' must be one of {list(FAULT_KINDS)}, got {kind!r}")
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise _invalid(f"fault 'times' must be a positive integer, got {times!r}")
        if match is not None and not isinstance(match, str):
            raise _invalid(f"fault 'match' must be a string or null, got {match!r}")
        return cls(on=on, kind=kind, times=times, match=match)

    def applies_to(self, trigger: str, prompt: str) -> bool:
        if self.on != trigger or self.times < 1:
            return False
        return self.match is None or self.match.lower() in prompt.lower()


@dataclass
class Operation:
    name: str
    model: str
    prompt: str
    duration_seconds: int
    aspect_ratio: str
    sample_count: int
    storage_uri: Optional[str]
    started_at: float  # time.monotonic()
    delay_seconds: float  # fixed at start, so a later config change does not move this one
    blocked_by_filter: bool
    # Fate forced by a fault: None (normal), "operation_error", "filtered" or "hang".
    forced_outcome: Optional[str] = None
    # True when the fault came on a poll: that poll answers the outcome without the delay.
    outcome_is_immediate: bool = False
    result: Optional[dict[str, Any]] = None  # the finished operation, once done
    finishing: bool = False  # its result is being produced: faults can no longer change it
    state: str = "running"  # running | hanging | succeeded | filtered | failed
    polls: int = 0
    video_uris: list[str] = field(default_factory=list)
    # Wall-clock start, so a benchmark can tell when the video was ready (start + delay).
    started_wall: float = field(default_factory=time.time)
    # Held while the result is produced, so concurrent polls finish (and upload) only once.
    finish_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def operation_id(self) -> str:
        return self.name.rsplit("/", 1)[-1]

    def summary(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "done": self.result is not None,
            "state": self.state,
            "model": self.model,
            "durationSeconds": self.duration_seconds,
            "aspectRatio": self.aspect_ratio,
            "sampleCount": self.sample_count,
            "storageUri": self.storage_uri,
            "videos": list(self.video_uris),
            "polls": self.polls,
            "error": (self.result or {}).get("error"),
            "startedAt": self.started_wall,
            "readyAt": None if self.forced_outcome == "hang" else self.started_wall + self.delay_seconds,
        }


@dataclass
class Settings:
    delay_seconds: float
    blocked_terms: tuple[str, ...]


def _parse_gs_uri(uri: str) -> tuple[str, str]:
    """gs://bucket/some/prefix/ -> ("bucket", "some/prefix")."""
    bucket, _, prefix = uri[len("gs://") :].partition("/")
    return bucket, prefix.strip("/")


def _normalise_endpoint(endpoint: Optional[str]) -> Optional[str]:
    # STORAGE_EMULATOR_HOST is often given as host:port, without a scheme.
    if not endpoint:
        return None
    endpoint = endpoint.rstrip("/")
    return endpoint if "://" in endpoint else f"http://{endpoint}"


class VeoStandIn(ServedOnPort):
    """The stand-in server. `start()` serves from a background thread; `stop()` ends it."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        delay_seconds: float = DEFAULT_DELAY_SECONDS,
        gcs_endpoint: Optional[str] = None,
        blocked_terms: Iterable[str] = DEFAULT_BLOCKED_TERMS,
        log_requests: bool = True,
        gcs_project: str = "demo-veo-standin",
    ):
        self.host = host
        self.requested_port = port
        self.gcs_endpoint = _normalise_endpoint(gcs_endpoint)
        self.gcs_project = gcs_project
        self.log_requests = log_requests
        self._initial_settings = Settings(float(delay_seconds), _clean_terms(blocked_terms))
        self._settings = Settings(self._initial_settings.delay_seconds, self._initial_settings.blocked_terms)
        self._lock = threading.Lock()  # guards everything below and the settings
        self._operations: dict[str, Operation] = {}
        self._faults: list[Fault] = []
        self._starts = 0
        self._polls = 0
        self._uploads = 0
        self._bucket_lock = threading.Lock()
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # ----- lifecycle

    def start(self) -> "VeoStandIn":
        if self._httpd is not None:
            raise RuntimeError("already started")
        handler = _make_handler(self)
        self._httpd = ThreadingHTTPServer((self.host, self.requested_port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},  # stop() waits up to one interval
            name=f"veo-standin-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    # ----- Veo API

    def start_operation(self, project: str, location: str, model: str, body: Any) -> dict[str, Any]:
        with self._lock:
            self._starts += 1
        _check_model(model)
        prompt, duration, aspect, sample_count, storage_uri = _validate_start_body(body)
        if storage_uri is not None and self.gcs_endpoint is None:
            raise ApiError(
                400,
                "FAILED_PRECONDITION",
                "storageUri was given but this Veo stand-in has no GCS endpoint: "
                "start it with --gcs-endpoint (or STORAGE_EMULATOR_HOST).",
            )

        with self._lock:
            fault = self._take_fault("start", prompt)
            if fault is not None and fault.kind in HTTP_FAULTS:
                raise _fault_error(fault, "start")
            name = (
                f"projects/{project}/locations/{location}/publishers/google/models/{model}"
                f"/operations/{uuid.uuid4()}"
            )
            operation = Operation(
                name=name,
                model=model,
                prompt=prompt,
                duration_seconds=duration,
                aspect_ratio=aspect,
                sample_count=sample_count,
                storage_uri=storage_uri,
                started_at=time.monotonic(),
                delay_seconds=self._settings.delay_seconds,
                blocked_by_filter=_contains_blocked_term(prompt, self._settings.blocked_terms),
                forced_outcome=fault.kind if fault is not None else None,
            )
            if operation.forced_outcome == "hang":
                operation.state = "hanging"
            self._operations[name] = operation
        return {"name": name}

    def poll_operation(self, body: Any) -> dict[str, Any]:
        with self._lock:
            self._polls += 1
        if not isinstance(body, dict) or not isinstance(body.get("operationName"), str):
            raise _invalid("operationName is required")
        name = body["operationName"]

        with self._lock:
            operation = self._operations.get(name)
            if operation is None:
                raise ApiError(404, "NOT_FOUND", f"Operation {name} not found.")
            operation.polls += 1
            if operation.finishing:
                # A finished operation never changes; outcome faults wait for another operation.
                fault = self._take_fault("poll", operation.prompt, http_only=True)
            else:
                fault = self._take_fault("poll", operation.prompt)
            if fault is not None:
                if fault.kind in HTTP_FAULTS:
                    raise _fault_error(fault, "poll")
                # An outcome fault on a poll decides what this very poll answers.
                operation.forced_outcome = fault.kind
                operation.outcome_is_immediate = True
                if fault.kind == "hang":
                    operation.state = "hanging"

        return self._current_view(operation)

    def _current_view(self, operation: Operation) -> dict[str, Any]:
        with operation.finish_lock:
            if operation.result is not None:
                return operation.result
            if operation.forced_outcome == "hang":
                return {"name": operation.name, "done": False}
            elapsed = time.monotonic() - operation.started_at
            if not operation.outcome_is_immediate and elapsed < operation.delay_seconds:
                return {"name": operation.name, "done": False}
            with self._lock:
                operation.finishing = True
            # Produced outside self._lock: rendering and uploading take a moment, and other
            # operations and the control API should not wait for it.
            result, state, uris = self._finish(operation)
            with self._lock:
                operation.result, operation.state, operation.video_uris = result, state, uris
            return result

    def _finish(self, operation: Operation) -> tuple[dict[str, Any], str, list[str]]:
        if operation.forced_outcome == "operation_error":
            error = {
                "code": RPC_CODE_INTERNAL,
                "message": "Injected fault: the video generation failed (Veo stand-in).",
            }
            return {"name": operation.name, "done": True, "error": error}, "failed", []
        if operation.forced_outcome == "filtered" or operation.blocked_by_filter:
            return self._filtered_result(operation), "filtered", []

        clip = media.render_mp4(operation.duration_seconds, operation.aspect_ratio)
        videos: list[dict[str, str]] = []
        uris: list[str] = []
        for index in range(operation.sample_count):
            if operation.storage_uri is None:
                encoded = base64.b64encode(clip).decode("ascii")
                videos.append({"bytesBase64Encoded": encoded, "mimeType": media.MIME_TYPE})
                continue
            try:
                uri = self._upload(operation, index, clip)
            except Exception as upload_error:  # noqa: BLE001 - any storage failure fails the operation
                _log(f"upload for {operation.name} failed: {upload_error!r}")
                error = {
                    "code": RPC_CODE_INTERNAL,
                    "message": f"Failed to write the output to {operation.storage_uri}: {upload_error}",
                }
                return {"name": operation.name, "done": True, "error": error}, "failed", uris
            uris.append(uri)
            videos.append({"gcsUri": uri, "mimeType": media.MIME_TYPE})
        response = {"@type": RESPONSE_TYPE, "raiMediaFilteredCount": 0, "videos": videos}
        return {"name": operation.name, "done": True, "response": response}, "succeeded", uris

    def _filtered_result(self, operation: Operation) -> dict[str, Any]:
        count = operation.sample_count
        reason = (
            f"Veo could not generate {count} videos based on the prompt provided. You will not be "
            "charged for this request. Try rephrasing your prompt. If you think this was an "
            f"error, send feedback. Support codes: {FILTERED_SUPPORT_CODE}"
        )
        response = {
            "@type": RESPONSE_TYPE,
            "raiMediaFilteredCount": count,
            "raiMediaFilteredReasons": [reason],
        }
        return {"name": operation.name, "done": True, "response": response}

    def _upload(self, operation: Operation, index: int, clip: bytes) -> str:
        # Imported here so that serving bytes-only results needs no storage library at all.
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage

        bucket_name, prefix = _parse_gs_uri(operation.storage_uri or "")
        object_name = "/".join(
            part for part in (prefix, operation.operation_id, f"sample_{index}.mp4") if part
        )
        # A client per upload: uploads are rare and this avoids sharing one across threads.
        client = storage.Client(
            project=self.gcs_project,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.gcs_endpoint},
        )
        # No retries: the library's default retries a refused connection for two minutes, and
        # a local server that is down should fail the operation now, not hang the poll.
        calls = {"retry": None, "timeout": 10}
        with self._bucket_lock:
            bucket = client.lookup_bucket(bucket_name, **calls)
            if bucket is None:
                bucket = client.create_bucket(bucket_name, **calls)
        bucket.blob(object_name).upload_from_string(clip, content_type=media.MIME_TYPE, **calls)
        with self._lock:
            self._uploads += 1
        return f"gs://{bucket_name}/{object_name}"

    def _take_fault(self, trigger: str, prompt: str, http_only: bool = False) -> Optional[Fault]:
        """Consumes one use of the first pending fault for this call, if any. Needs self._lock."""
        for fault in self._faults:
            if http_only and fault.kind not in HTTP_FAULTS:
                continue
            if fault.applies_to(trigger, prompt):
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault
        return None

    # ----- control API

    def add_faults(self, body: Any) -> dict[str, Any]:
        specs = body.get("faults") if isinstance(body, dict) else None
        if not isinstance(specs, list):
            raise _invalid('body must be {"faults": [...]}')
        faults = [Fault.from_json(spec) for spec in specs]
        with self._lock:
            self._faults.extend(faults)
            return {"faultsPending": self._pending_fault_count()}

    def configure(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise _invalid("body must be a JSON object")
        unknown = set(body) - {"delaySeconds", "blockedTerms"}
        if unknown:
            raise _invalid(f"unknown config fields {sorted(unknown)}")
        delay = body.get("delaySeconds")
        terms = body.get("blockedTerms")
        if delay is not None and (isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0):
            raise _invalid(f"delaySeconds must be a number >= 0, got {delay!r}")
        if terms is not None and (not isinstance(terms, list) or not all(isinstance(t, str) for t in terms)):
            raise _invalid(f"blockedTerms must be a list of strings, got {terms!r}")
        with self._lock:
            if delay is not None:
                self._settings.delay_seconds = float(delay)
            if terms is not None:
                self._settings.blocked_terms = _clean_terms(terms)
            return self._settings_json()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "starts": self._starts,
                "polls": self._polls,
                "uploads": self._uploads,
                "operations": {name: op.summary() for name, op in self._operations.items()},
                "faultsPending": self._pending_fault_count(),
                "config": self._settings_json(),
            }

    def reset(self) -> dict[str, Any]:
        with self._lock:
            self._operations.clear()
            self._faults.clear()
            self._starts = self._polls = self._uploads = 0
            self._settings = Settings(self._initial_settings.delay_seconds, self._initial_settings.blocked_terms)
            return self._settings_json()

    def _pending_fault_count(self) -> int:
        return sum(fault.times for fault in self._faults)

    def _settings_json(self) -> dict[str, Any]:
        return {
            "delaySeconds": self._settings.delay_seconds,
            "blockedTerms": list(self._settings.blocked_terms),
            "gcsEndpoint": self.gcs_endpoint,
        }


def _clean_terms(terms: Iterable[str]) -> tuple[str, ...]:
    return tuple(term.strip() for term in terms if term and term.strip())


def _contains_blocked_term(prompt: str, terms: Iterable[str]) -> bool:
    # Whole words only, like a word list would: "gore" blocks "Gore!" but not "gorest".
    return any(
        re.search(rf"(?<!\w){re.escape(term)}(?!\w)", prompt, flags=re.IGNORECASE) for term in terms
    )


def _check_model(model: str) -> None:
    # Any Veo model name is accepted; anything else is most likely a typo in the caller.
    if not model.startswith("veo-"):
        raise ApiError(
            404,
            "NOT_FOUND",
            f"Publisher Model `publishers/google/models/{model}` was not found or your project "
            "does not have access to it.",
        )


def _validate_start_body(body: Any) -> tuple[str, int, str, int, Optional[str]]:
    if not isinstance(body, dict):
        raise _invalid("request body must be a JSON object")
    instances = body.get("instances")
    if not isinstance(instances, list) or not instances or not isinstance(instances[0], dict):
        raise _invalid("instances[0] is required")
    prompt = instances[0].get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise _invalid("instances[0].prompt must be a non-empty string")

    parameters = body.get("parameters", {})
    if not isinstance(parameters, dict):
        raise _invalid("parameters must be an object")
    duration = parameters.get("durationSeconds", DEFAULT_DURATION_SECONDS)
    if isinstance(duration, bool) or duration not in ALLOWED_DURATIONS:
        raise _invalid(
            f"Unsupported durationSeconds {duration!r}: supported values are {list(ALLOWED_DURATIONS)}."
        )
    aspect = parameters.get("aspectRatio", DEFAULT_ASPECT_RATIO)
    if aspect not in ALLOWED_ASPECT_RATIOS:
        raise _invalid(
            f"Unsupported aspectRatio {aspect!r}: supported values are {list(ALLOWED_ASPECT_RATIOS)}."
        )
    sample_count = parameters.get("sampleCount", 1)
    if isinstance(sample_count, bool) or not isinstance(sample_count, int) or not 1 <= sample_count <= MAX_SAMPLE_COUNT:
        raise _invalid(f"sampleCount must be between 1 and {MAX_SAMPLE_COUNT}, got {sample_count!r}.")
    storage_uri = parameters.get("storageUri")
    if storage_uri is not None:
        if not isinstance(storage_uri, str) or not storage_uri.startswith("gs://") or not _parse_gs_uri(storage_uri)[0]:
            raise _invalid(f"storageUri must be a gs://bucket/path URI, got {storage_uri!r}.")
    return prompt, int(duration), aspect, sample_count, storage_uri


def _fault_error(fault: Fault, call: str) -> ApiError:
    http_status, status = HTTP_FAULTS[fault.kind]
    return ApiError(http_status, status, f"Injected fault on {call}: {fault.kind} (Veo stand-in).")


def _log(message: str) -> None:
    print(f"veo-standin: {message}", file=sys.stderr, flush=True)


def _make_handler(server: VeoStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "VeoStandIn/1.0"

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def _dispatch(self, method: str) -> None:
            path = self.path.split("?", 1)[0]
            try:
                status, payload = self._route(method, path)
            except ApiError as error:
                status, payload = error.http_status, error.body()
            except Exception as error:  # noqa: BLE001 - answer 500 instead of dropping the connection
                _log(f"unexpected error for {method} {path}: {error!r}")
                status, payload = 500, ApiError(500, "INTERNAL", f"stand-in bug: {error!r}").body()
            # Logged before answering, so the line belongs to the caller's time (and test output).
            if server.log_requests:
                _log(f"{method} {path} {status}")
            self._send_json(status, payload)

        def _route(self, method: str, path: str) -> tuple[int, Any]:
            if path.startswith("/_control/"):
                return self._control(method, path[len("/_control/") :])
            match = _MODEL_CALL_PATH.match(path)
            if match is None or method != "POST":
                raise ApiError(404, "NOT_FOUND", f"No such method: {method} {path}")
            body = self._read_json()
            if match["method"] == "predictLongRunning":
                return 200, server.start_operation(match["project"], match["location"], match["model"], body)
            return 200, server.poll_operation(body)

        def _control(self, method: str, action: str) -> tuple[int, Any]:
            if method == "GET" and action == "health":
                return 200, {"status": "ok"}
            if method == "GET" and action == "stats":
                return 200, server.stats()
            if method == "POST" and action == "faults":
                return 200, server.add_faults(self._read_json())
            if method == "POST" and action == "config":
                return 200, server.configure(self._read_json())
            if method == "POST" and action == "reset":
                self._read_json()
                return 200, server.reset()
            raise ApiError(404, "NOT_FOUND", f"No such control call: {method} /_control/{action}")

        def _read_json(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if not raw.strip():
                return {}
            try:
                return json.loads(raw)
            except json.JSONDecodeError as error:
                raise _invalid(f"Invalid JSON payload received: {error}") from error

        def _send_json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            # The one line per request is written by _dispatch; silence the default access log.
            pass

    return Handler


class VeoControl(ControlClient):
    """Client for the stand-in's control API, for tests (standard library only)."""

    def config(self, **settings: Any) -> dict[str, Any]:
        """config(delaySeconds=0.5, blockedTerms=["gore"]); snake_case names work too."""
        names = {"delay_seconds": "delaySeconds", "blocked_terms": "blockedTerms"}
        return self._call("POST", "config", {names.get(k, k): v for k, v in settings.items()})


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m standins.veo_server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787, help="0 picks a free port")
    parser.add_argument(
        "--delay-seconds",
        type=float,
        default=DEFAULT_DELAY_SECONDS,
        help="time from the start call until an operation is done",
    )
    parser.add_argument(
        "--gcs-endpoint",
        default=os.environ.get("STORAGE_EMULATOR_HOST"),
        help="GCS JSON API endpoint for storageUri output (default: $STORAGE_EMULATOR_HOST)",
    )
    parser.add_argument(
        "--blocked-terms",
        default=",".join(DEFAULT_BLOCKED_TERMS),
        help="comma-separated prompt words that end as filtered ('' for none)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log one line per request")
    args = parser.parse_args(argv)

    server = VeoStandIn(
        host=args.host,
        port=args.port,
        delay_seconds=args.delay_seconds,
        gcs_endpoint=args.gcs_endpoint,
        blocked_terms=args.blocked_terms.split(","),
        log_requests=not args.quiet,
    )
    stopping = run_until_signalled(server)
    _log(
        f"listening on {server.base_url} (delay {args.delay_seconds}s, "
        f"gcs {server.gcs_endpoint or 'none'}, blocked terms {list(_clean_terms(args.blocked_terms.split(',')))})"
    )
    stopping.wait()
    server.stop()


if __name__ == "__main__":
    main()
