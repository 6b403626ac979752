"""A local stand-in for Veo on Vertex AI that the unmodified google-genai client talks to.

It answers the two REST calls the SDK makes in Vertex mode (`:predictLongRunning` to start,
`:fetchPredictOperation` to poll), finishes operations after a delay drawn from a configurable
range with an MP4 shaped like Veo's (H.264 + AAC at the requested resolution and a realistic
size), writes it to GCS (locally the Firebase Storage emulator) when the request names a
`storageUri`, imitates Veo's responsible-AI output filter, and lets tests inject faults through `/_control/`.

It is as strict as Vertex (standins/veo_checks.py): retired and unknown models answer 404,
what a model does not accept answers 400, and an optional per-project per-minute quota
answers 429. Network faults (reset, stall, slow body) break the connection the way a real
network does, so the client's own transport errors and timeouts are exercised.

Layout: this file holds the operations' lifecycle, the control methods and the CLI; faults are
queued in standins/faults.py (shared with the fault proxy), the HTTP side is veo_http.py, request
checks veo_checks.py, specs and state veo_state.py, a finished operation's output veo_output.py.

Run:  python -m standins.veo_server --port 8787 --gcs-endpoint http://127.0.0.1:9199
Use in-process:  server = VeoStandIn(port=0, ...); server.start(); ...; server.stop()
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import date
from http.server import ThreadingHTTPServer
from typing import Any

from standins.control import ControlClient, ServedOnPort, run_until_signalled, threading_server
from standins.faults import FaultQueue, FaultSpecError, specs_of
from standins.veo_checks import ApiError, MinuteQuota, check_model, parse_start
from standins.veo_checks import invalid as _invalid
from standins.veo_http import make_handler
from standins.veo_output import OutputWriter, prerender
from standins.veo_state import (
    DEFAULT_BLOCKED_TERMS,
    DEFAULT_DELAY_SECONDS,
    HTTP_FAULTS,
    NETWORK_FAULTS,
    OUTCOME_FAULTS,
    RENDER_WAIT_SECONDS,
    Fault,
    Operation,
    Settings,
    _clean_terms,
    _contains_blocked_term,
    _fault_error,
    _log,
    _normalise_endpoint,
    _not_number,
)

# What `POST /_control/config` takes. quotaWindowSeconds: Vertex's window is a minute (the
# default, and what reset restores); tests shorten it to prove the same rule faster.
CONFIG_FIELDS = frozenset({"delaySeconds", "delayMaxSeconds", "blockedTerms", "quotaPerMinute", "quotaWindowSeconds"})


class VeoStandIn(ServedOnPort):
    """The stand-in server. `start()` serves from a background thread; `stop()` ends it."""

    thread_name = "veo-standin"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        delay_seconds: float = DEFAULT_DELAY_SECONDS,
        gcs_endpoint: str | None = None,
        blocked_terms: Iterable[str] = DEFAULT_BLOCKED_TERMS,
        log_requests: bool = True,
        gcs_project: str = "demo-veo-standin",
        delay_max_seconds: float | None = None,
        quota_per_minute: int = 0,
        quota_window_seconds: float = 60.0,
        today: date | None = None,
    ):
        self.host = host
        self.requested_port = port
        self.gcs_endpoint = _normalise_endpoint(gcs_endpoint)
        self.gcs_project = gcs_project
        self.log_requests = log_requests
        self._initial_settings = Settings(
            float(delay_seconds),
            _clean_terms(blocked_terms),
            None if delay_max_seconds is None else float(delay_max_seconds),
            int(quota_per_minute),
        )
        self._settings = self._initial_settings.copy()
        self._quota = MinuteQuota(int(quota_per_minute), quota_window_seconds)
        # The window is Vertex's minute; tests may shorten it (control `quotaWindowSeconds`).
        self._initial_quota_window = float(quota_window_seconds)
        # Which models are retired is decided against this date (tests may pin it).
        self._today = today
        # Set on stop(), so connections held by network faults are let go at once.
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # guards everything below and the settings
        self._operations: dict[str, Operation] = {}
        self._faults: FaultQueue[Fault] = FaultQueue()
        self._starts = 0
        self._polls = 0
        self._output = OutputWriter(self.gcs_endpoint, gcs_project)

    # ----- lifecycle

    def _make_httpd(self) -> ThreadingHTTPServer:
        return threading_server(self.host, self.requested_port, make_handler(self))

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stopping.set()
        super().stop()
        self._stopping.clear()

    def hold(self, seconds: float) -> None:
        """Waits like a stalled network, but lets go when the server stops."""
        self._stopping.wait(seconds)

    # ----- Veo API

    def start_operation(
        self, project: str, location: str, model: str, body: Any
    ) -> tuple[dict[str, Any], Fault | None]:
        """The answer to a start, and the network fault (if any) that must spoil its delivery."""
        with self._lock:
            self._starts += 1
        limits = check_model(project, location, model, self._today or date.today())
        self._quota.take(project, model)
        request = parse_start(body, limits, self._output.read_gcs if self.gcs_endpoint else None)
        if request.storage_uri is not None and self.gcs_endpoint is None:
            raise ApiError(
                400,
                "FAILED_PRECONDITION",
                "storageUri was given but this Veo stand-in has no GCS endpoint: "
                "start it with --gcs-endpoint (or STORAGE_EMULATOR_HOST).",
            )

        with self._lock:
            fault = self._take_fault("start", request.prompt)
            if fault is not None and fault.kind in HTTP_FAULTS:
                raise _fault_error(fault, "start")
            name = f"projects/{project}/locations/{location}/publishers/google/models/{model}/operations/{uuid.uuid4()}"
            outcome = fault.kind if fault is not None and fault.kind in OUTCOME_FAULTS else None
            operation = Operation(
                name=name,
                model=model,
                prompt=request.prompt,
                duration_seconds=request.duration_seconds,
                aspect_ratio=request.aspect_ratio,
                sample_count=request.sample_count,
                storage_uri=request.storage_uri,
                started_at=time.monotonic(),
                resolution=request.resolution,
                generate_audio=request.generate_audio,
                seed=request.seed,
                negative_prompt=request.negative_prompt,
                image=request.image,
                last_frame=request.last_frame,
                delay_seconds=self._settings.draw_delay(),
                blocked_by_filter=_contains_blocked_term(request.prompt, self._settings.blocked_terms),
                forced_outcome=outcome,
            )
            if operation.forced_outcome == "hang":
                operation.state = "hanging"
            # Registered before the answer goes out: a network fault loses the answer, not the
            # generation (Vertex has started it and will bill it).
            self._operations[name] = operation
        if operation.forced_outcome is None and not operation.blocked_by_filter:
            # Rendered while the operation "runs", then completed at its time by itself, as
            # Veo does: the video object lands in the bucket when the generation ends, whether
            # or not anyone polls (its finalize event is what finishes a video in production).
            threading.Thread(target=self._complete_when_ready, args=(operation,), daemon=True).start()
        else:
            operation.rendered.set()
        network = fault if fault is not None and fault.kind in NETWORK_FAULTS else None
        return {"name": name}, network

    def poll_operation(self, body: Any) -> tuple[dict[str, Any], Fault | None]:
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
                # A finished operation never changes; outcome faults wait for another operation
                # (HTTP and network faults still hit this poll).
                fault = self._take_fault("poll", operation.prompt, http_only=True)
            else:
                fault = self._take_fault("poll", operation.prompt)
            network = None
            if fault is not None and fault.kind in NETWORK_FAULTS:
                network, fault = fault, None
            if fault is not None:
                if fault.kind in HTTP_FAULTS:
                    raise _fault_error(fault, "poll")
                # An outcome fault on a poll decides what this very poll answers.
                operation.forced_outcome = fault.kind
                operation.outcome_is_immediate = True
                if fault.kind == "hang":
                    operation.state = "hanging"

        return self._current_view(operation), network

    def _current_view(self, operation: Operation) -> dict[str, Any]:
        if (
            operation.result is None
            and not operation.outcome_is_immediate
            and time.monotonic() - operation.started_at >= operation.delay_seconds
        ):
            # A clip that is nearly rendered gets a moment; a slow one (the first of its shape
            # on a busy machine) leaves the operation running, as a poll of Veo never blocks.
            operation.rendered.wait(RENDER_WAIT_SECONDS)
        return self._finish_if_due(operation)

    def _complete_when_ready(self, operation: Operation) -> None:
        prerender(operation)
        remaining = operation.started_at + operation.delay_seconds - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
        with self._lock:
            current = self._operations.get(operation.name) is operation  # not dropped by a reset
        if not current or not operation.rendered.is_set():
            return  # a render that failed is retried by the next poll, which reports it
        try:
            self._finish_if_due(operation)
        except Exception as error:  # noqa: BLE001 - the next poll produces (and reports) it
            _log(f"completing {operation.name} failed: {error!r}")

    def _finish_if_due(self, operation: Operation) -> dict[str, Any]:
        """The operation's answer now: its result once produced, else produced here if its
        time has come (once: concurrent callers wait on the operation's lock)."""
        with operation.finish_lock:
            if operation.result is not None:
                return operation.result
            if operation.forced_outcome == "hang":
                return {"name": operation.name, "done": False}
            elapsed = time.monotonic() - operation.started_at
            if not operation.outcome_is_immediate and (
                elapsed < operation.delay_seconds or not operation.rendered.is_set()
            ):
                return {"name": operation.name, "done": False}
            with self._lock:
                operation.finishing = True
            # Produced outside self._lock: rendering and uploading take a moment, and other
            # operations and the control API should not wait for it.
            result, state, uris = self._output.finish(operation)
            with self._lock:
                operation.result, operation.state, operation.video_uris = result, state, uris
            return result

    def _take_fault(self, trigger: str, prompt: str, http_only: bool = False) -> Fault | None:
        """Consumes one use of the first pending fault for this call, if any. Called under
        self._lock, so a fault and the operation it decides are one step for other threads."""
        return self._faults.take(
            lambda fault: not (http_only and fault.kind in OUTCOME_FAULTS) and fault.applies_to(trigger, prompt)
        )

    # ----- control API

    def add_faults(self, body: Any) -> dict[str, Any]:
        try:
            faults = [Fault.from_json(spec) for spec in specs_of(body)]
        except FaultSpecError as error:
            raise _invalid(str(error)) from error
        return {"faultsPending": self._faults.add(faults)}

    def configure(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise _invalid("body must be a JSON object")
        unknown = set(body) - CONFIG_FIELDS
        if unknown:
            raise _invalid(f"unknown config fields {sorted(unknown)}")
        delay = body.get("delaySeconds")
        delay_max = body.get("delayMaxSeconds")
        terms = body.get("blockedTerms")
        quota = body.get("quotaPerMinute")
        window = body.get("quotaWindowSeconds")
        if delay is not None and (_not_number(delay) or delay < 0):
            raise _invalid(f"delaySeconds must be a number >= 0, got {delay!r}")
        if delay_max is not None and (_not_number(delay_max) or delay_max < 0):
            raise _invalid(f"delayMaxSeconds must be a number >= 0 or null, got {delay_max!r}")
        if terms is not None and (not isinstance(terms, list) or not all(isinstance(t, str) for t in terms)):
            raise _invalid(f"blockedTerms must be a list of strings, got {terms!r}")
        if quota is not None and (isinstance(quota, bool) or not isinstance(quota, int) or quota < 0):
            raise _invalid(f"quotaPerMinute must be an integer >= 0 (0: no quota), got {quota!r}")
        if window is not None and (_not_number(window) or window <= 0):
            raise _invalid(f"quotaWindowSeconds must be a number > 0, got {window!r}")
        with self._lock:
            if delay is not None:
                self._settings.delay_seconds = float(delay)
            if "delayMaxSeconds" in body:
                self._settings.delay_max_seconds = None if delay_max is None else float(delay_max)
            if terms is not None:
                self._settings.blocked_terms = _clean_terms(terms)
            if quota is not None or window is not None:
                if quota is not None:
                    self._settings.quota_per_minute = quota
                # A new quota, or a new window length, starts a new window.
                self._quota.reset(self._settings.quota_per_minute, None if window is None else float(window))
            return self._settings_json()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "starts": self._starts,
                "polls": self._polls,
                "uploads": self._output.uploads,
                "operations": {name: op.summary() for name, op in self._operations.items()},
                "faultsPending": self._faults.pending_count(),
                "quotaRefused": self._quota.refused,
                "config": self._settings_json(),
            }

    def reset(self) -> dict[str, Any]:
        with self._lock:
            self._operations.clear()
            self._faults.clear()
            self._starts = self._polls = 0
            self._output.reset_count()
            self._settings = self._initial_settings.copy()
            self._quota.reset(self._settings.quota_per_minute, self._initial_quota_window)
            return self._settings_json()

    def _settings_json(self) -> dict[str, Any]:
        return {
            "delaySeconds": self._settings.delay_seconds,
            "delayMaxSeconds": self._settings.delay_max_seconds,
            "blockedTerms": list(self._settings.blocked_terms),
            "quotaPerMinute": self._settings.quota_per_minute,
            "quotaWindowSeconds": self._quota.window_seconds,
            "gcsEndpoint": self.gcs_endpoint,
        }


class VeoControl(ControlClient):
    """Client for the stand-in's control API, for tests (standard library only)."""

    def config(self, **settings: Any) -> dict[str, Any]:
        """config(delaySeconds=0.5, delayMaxSeconds=2, blockedTerms=["gore"], quotaPerMinute=50,
        quotaWindowSeconds=60);
        snake_case names work too."""
        names = {
            "delay_seconds": "delaySeconds",
            "blocked_terms": "blockedTerms",
            "delay_max_seconds": "delayMaxSeconds",
            "quota_per_minute": "quotaPerMinute",
            "quota_window_seconds": "quotaWindowSeconds",
        }
        return self._call("POST", "config", {names.get(k, k): v for k, v in settings.items()})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m standins.veo_server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787, help="0 picks a free port")
    parser.add_argument(
        "--delay-seconds",
        type=float,
        default=DEFAULT_DELAY_SECONDS,
        help="time from the start call until an operation is done (the low end of the range "
        "when --delay-max-seconds is given)",
    )
    parser.add_argument(
        "--delay-max-seconds",
        type=float,
        default=None,
        help="draw each operation's generation time from [--delay-seconds, this] (Veo: 30-120 s)",
    )
    parser.add_argument(
        "--quota-per-minute",
        type=int,
        default=0,
        help="starts per project per minute before 429 RESOURCE_EXHAUSTED, like Vertex "
        "(about 50 for Veo 3.1); 0: no quota",
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
        delay_max_seconds=args.delay_max_seconds,
        quota_per_minute=args.quota_per_minute,
    )
    stopping = run_until_signalled(server)
    _log(
        f"listening on {server.base_url} (delay {args.delay_seconds}s"
        f"{'' if args.delay_max_seconds is None else f'-{args.delay_max_seconds}s'}, "
        f"quota {args.quota_per_minute or 'off'}/min, "
        f"gcs {server.gcs_endpoint or 'none'}, blocked terms {list(_clean_terms(args.blocked_terms.split(',')))})"
    )
    stopping.wait()
    server.stop()


if __name__ == "__main__":
    main()
