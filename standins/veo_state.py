"""The Veo stand-in's state: fault specs, operations, settings, and how a clip is chosen."""

from __future__ import annotations

import hashlib
import random
import re
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from standins import media
from standins.faults import FaultSpecError, check_fields, check_kind, check_times, not_number
from standins.veo_checks import ApiError

DEFAULT_BLOCKED_TERMS = ("gore", "nsfw")
DEFAULT_DELAY_SECONDS = 3.0
# How long a "stall" or "slow_body" fault holds the connection unless the fault says otherwise:
# longer than any client timeout in use.
DEFAULT_STALL_SECONDS = 30.0
# Longest a poll waits for a clip still being rendered before it answers "running".
RENDER_WAIT_SECONDS = 0.5

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
# Network faults: the request is read and acted on (a start does start the operation), then
# the answer is lost: "reset" closes the connection with a TCP RST, "stall" sends nothing for
# `seconds`, "slow_body" sends the headers and half the body, then waits `seconds`.
NETWORK_FAULTS = ("reset", "stall", "slow_body")
FAULT_KINDS = tuple(HTTP_FAULTS) + OUTCOME_FAULTS + NETWORK_FAULTS
FAULT_TRIGGERS = ("start", "poll")

_MODEL_CALL_PATH = re.compile(
    r"^/(?:v1|v1beta1)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
    r"/publishers/google/models/(?P<model>[^/:]+):(?P<method>predictLongRunning|fetchPredictOperation)$"
)


@dataclass
class Fault:
    on: str
    kind: str
    times: int = 1
    match: str | None = None
    seconds: float | None = None  # network faults: how long to hold the connection

    @classmethod
    def from_json(cls, spec: Any) -> Fault:
        """Raises FaultSpecError for a spec the stand-in cannot act on."""
        spec = check_fields(spec, ("on", "kind", "times", "match", "seconds"))
        on, kind = spec.get("on"), spec.get("kind")
        times, match = spec.get("times", 1), spec.get("match")
        if on not in FAULT_TRIGGERS:
            raise FaultSpecError(f"fault 'on' must be one of {list(FAULT_TRIGGERS)}, got {on!r}")
        check_kind(kind, FAULT_KINDS)
        check_times(times)
        if match is not None and not isinstance(match, str):
            raise FaultSpecError(f"fault 'match' must be a string or null, got {match!r}")
        seconds = spec.get("seconds")
        if seconds is not None and (_not_number(seconds) or seconds < 0 or kind not in ("stall", "slow_body")):
            raise FaultSpecError(f"fault 'seconds' is a number >= 0 for stall and slow_body, got {seconds!r}")
        return cls(on=on, kind=kind, times=times, match=match, seconds=seconds)

    def applies_to(self, trigger: str, prompt: str) -> bool:
        if self.on != trigger:
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
    storage_uri: str | None
    started_at: float  # time.monotonic()
    delay_seconds: float  # fixed at start, so a later config change does not move this one
    blocked_by_filter: bool
    resolution: str = "720p"
    generate_audio: bool = True
    seed: int | None = None
    negative_prompt: str | None = None
    # The start's first and last frames (veo_images.InputImage): the clip begins (and ends) with them.
    image: Any = None
    last_frame: Any = None
    # Fate forced by a fault: None (normal), "operation_error", "filtered" or "hang".
    forced_outcome: str | None = None
    # True when the fault came on a poll: that poll answers the outcome without the delay.
    outcome_is_immediate: bool = False
    result: dict[str, Any] | None = None  # the finished operation, once done
    finishing: bool = False  # its result is being produced: faults can no longer change it
    state: str = "running"  # running | hanging | succeeded | filtered | failed
    polls: int = 0
    video_uris: list[str] = field(default_factory=list)
    # Wall-clock start, so a benchmark can tell when the video was ready (start + delay).
    started_wall: float = field(default_factory=time.time)
    # Held while the result is produced, so concurrent polls finish (and upload) only once.
    finish_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Set once the clip is rendered: like Veo, an operation is not done before its video is.
    rendered: threading.Event = field(default_factory=threading.Event, repr=False)

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
            "resolution": self.resolution,
            "generateAudio": self.generate_audio,
            "seed": self.seed,
            "negativePrompt": self.negative_prompt,
            "image": _image_summary(self.image),
            "lastFrame": _image_summary(self.last_frame),
            "delaySeconds": self.delay_seconds,
            "storageUri": self.storage_uri,
            "videos": list(self.video_uris),
            "polls": self.polls,
            "rendered": self.rendered.is_set(),
            "error": (self.result or {}).get("error"),
            "startedAt": self.started_wall,
            "readyAt": None if self.forced_outcome == "hang" else self.started_wall + self.delay_seconds,
        }


@dataclass
class Settings:
    delay_seconds: float
    blocked_terms: tuple[str, ...]
    # Generation time is drawn from [delay_seconds, delay_max_seconds] (Veo: 30-120 s).
    delay_max_seconds: float | None = None
    quota_per_minute: int = 0  # starts per project per minute; 0: no quota

    def copy(self) -> Settings:
        return Settings(self.delay_seconds, self.blocked_terms, self.delay_max_seconds, self.quota_per_minute)

    def draw_delay(self) -> float:
        high = self.delay_max_seconds
        if high is None or high <= self.delay_seconds:
            return self.delay_seconds
        return random.uniform(self.delay_seconds, high)


def _parse_gs_uri(uri: str) -> tuple[str, str]:
    """gs://bucket/some/prefix/ -> ("bucket", "some/prefix")."""
    bucket, _, prefix = uri[len("gs://") :].partition("/")
    return bucket, prefix.strip("/")


def _normalise_endpoint(endpoint: str | None) -> str | None:
    # STORAGE_EMULATOR_HOST is often given as host:port, without a scheme.
    if not endpoint:
        return None
    endpoint = endpoint.rstrip("/")
    return endpoint if "://" in endpoint else f"http://{endpoint}"


def _clean_terms(terms: Iterable[str]) -> tuple[str, ...]:
    return tuple(term.strip() for term in terms if term and term.strip())


def _contains_blocked_term(prompt: str, terms: Iterable[str]) -> bool:
    # Whole words only, like a word list would: "gore" blocks "Gore!" but not "gorest".
    return any(re.search(rf"(?<!\w){re.escape(term)}(?!\w)", prompt, flags=re.IGNORECASE) for term in terms)


_not_number = not_number  # the name veo_server's configure() uses


def _image_summary(image: Any) -> dict[str, Any] | None:
    if image is None:
        return None
    return {"mimeType": image.mime_type, "bytes": len(image.data), "sha256": hashlib.sha256(image.data).hexdigest()}


def _render(operation: Operation, sample_index: int) -> bytes:
    return media.render_mp4(
        operation.duration_seconds,
        operation.aspect_ratio,
        operation.resolution,
        operation.generate_audio,
        _fingerprint(operation, sample_index),
        first_frame=operation.image,
        last_frame=operation.last_frame,
    )


def _fingerprint(operation: Operation, sample_index: int) -> str:
    """Same prompt and seed, same video (as Veo promises for a seed); without a seed every
    generation differs. The model and the negative prompt steer the result too."""
    seed = operation.seed if operation.seed is not None else operation.operation_id
    pictures = "".join(hashlib.sha256(i.data).hexdigest() for i in (operation.image, operation.last_frame) if i)
    steering = f"{operation.prompt}\n{seed}\n{sample_index}\n{operation.model}\n{operation.negative_prompt}\n{pictures}"
    digest = hashlib.sha256(steering.encode()).hexdigest()[:16]
    return f"veo-standin {digest} model={operation.model} seed={operation.seed} sample={sample_index}"


def _fault_error(fault: Fault, call: str) -> ApiError:
    http_status, status = HTTP_FAULTS[fault.kind]
    return ApiError(http_status, status, f"Injected fault on {call}: {fault.kind} (Veo stand-in).")


def _log(message: str) -> None:
    print(f"veo-standin: {message}", file=sys.stderr, flush=True)
