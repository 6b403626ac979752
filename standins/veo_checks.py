"""What Vertex AI refuses on a Veo start, with its status codes and (approximately) its words.

The stand-in must be no kinder than Vertex: a retired or unknown model, a parameter the model
does not take, a missing `generateAudio` or a burst over the per-minute quota are refused here
exactly where production would refuse them. The models and their limits come from the one
table in functions/domain/veo_models.py.

Wording: the 404 and 429 messages are Vertex's own (as quoted in public bug reports: the 404
for `veo-3.1-fast-generate-preview` after its shutdown, the 429 of other publisher models).
The 400 messages are APPROXIMATED: Google does not document them; they name the field, the
value and what is allowed, as Vertex's do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain import veo_models

MODEL_VERSIONS_URL = "https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions"
QUOTA_URL = "https://cloud.google.com/vertex-ai/docs/generative-ai/quotas-genai"

# Every parameter google-genai 3.x can send for generate_videos in Vertex mode.
KNOWN_PARAMETERS = frozenset(
    {
        "aspectRatio",
        "compressionQuality",
        "durationSeconds",
        "enhancePrompt",
        "fps",
        "generateAudio",
        "negativePrompt",
        "personGeneration",
        "pubsubTopic",
        "resolution",
        "sampleCount",
        "seed",
        "storageUri",
    }
)
PERSON_GENERATION = ("allow_adult", "dont_allow", "allow_all")
DEFAULT_DURATION_SECONDS = 8
DEFAULT_ASPECT_RATIO = "16:9"
DEFAULT_RESOLUTION = "720p"
MAX_SEED = 2**32 - 1


class ApiError(Exception):
    """An error answered in Google's JSON error shape."""

    def __init__(self, http_status: int, status: str, message: str):
        super().__init__(message)
        self.http_status = http_status
        self.status = status
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.http_status, "message": self.message, "status": self.status}}


def invalid(message: str) -> ApiError:
    return ApiError(400, "INVALID_ARGUMENT", message)


def model_not_found(project: str, location: str, model: str) -> ApiError:
    return ApiError(
        404,
        "NOT_FOUND",
        f"Publisher Model `projects/{project}/locations/{location}/publishers/google/models/{model}` "
        "was not found or your project does not have access to it. Please ensure you are using "
        f"a valid model version. For more information, see: {MODEL_VERSIONS_URL}",
    )


def check_model(project: str, location: str, model: str, today: date) -> veo_models.VeoModel:
    """The model's limits, or Vertex's 404 for a retired or unknown id."""
    known = veo_models.CURRENT_MODELS.get(model)
    status = veo_models.model_status(model, today)
    if known is None or status not in (veo_models.ModelStatus.CURRENT, veo_models.ModelStatus.RETIRING_SOON):
        raise model_not_found(project, location, model)
    return known


@dataclass(frozen=True)
class StartRequest:
    prompt: str
    duration_seconds: int
    aspect_ratio: str
    resolution: str
    sample_count: int
    generate_audio: bool
    storage_uri: str | None
    seed: int | None
    negative_prompt: str | None = None
    # The first and last frames (standins/veo_images.InputImage), when given.
    image: Any = None
    last_frame: Any = None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_start(
    body: Any, model: veo_models.VeoModel, read_gcs: Callable[[str], bytes | None] | None = None
) -> StartRequest:
    """The start request, or a 400 for anything this model does not accept. `read_gcs`
    fetches an image's gcsUri (None: no GCS to read from)."""
    prompt, parameters, image, last_frame = _instance_and_parameters(body, model, read_gcs)
    duration, aspect, resolution = video_shape(parameters, model)
    sample_count = parameters.get("sampleCount", 1)
    if not _is_int(sample_count) or not 1 <= sample_count <= model.max_sample_count:
        raise invalid(
            f"sampleCount must be between 1 and {model.max_sample_count} for model {model.model_id}, "
            f"got {sample_count}."
        )
    generate_audio = _generate_audio(parameters, model)
    seed, negative_prompt, storage_uri = _optional_parameters(parameters)
    return StartRequest(
        prompt,
        duration,
        aspect,
        resolution,
        sample_count,
        generate_audio,
        storage_uri,
        seed,
        negative_prompt,
        image,
        last_frame,
    )


def _instance_and_parameters(
    body: Any, model: veo_models.VeoModel, read_gcs: Callable[[str], bytes | None] | None
) -> tuple[str, dict, Any, Any]:
    from standins.veo_images import parse_images

    if not isinstance(body, dict):
        raise invalid("Invalid JSON payload received. Expected an object.")
    instances = body.get("instances")
    if not isinstance(instances, list) or not instances or not isinstance(instances[0], dict):
        raise invalid("instances[0] is required.")
    image, last_frame = parse_images(instances[0], model, read_gcs)
    prompt = instances[0].get("prompt")
    # Vertex: the prompt is required for text-to-video, optional with an input image.
    if image is None and (not isinstance(prompt, str) or not prompt.strip()):
        raise invalid("The text prompt is empty. Provide a prompt in instances[0].prompt.")
    prompt = prompt if isinstance(prompt, str) else ""
    parameters = body.get("parameters", {})
    if not isinstance(parameters, dict):
        raise invalid("Invalid JSON payload received. 'parameters' must be an object.")
    unknown = sorted(set(parameters) - KNOWN_PARAMETERS)
    if unknown:
        raise invalid(
            f"Invalid JSON payload received. Unknown name \"{unknown[0]}\" at 'parameters': Cannot find field."
        )
    return prompt, parameters, image, last_frame


def video_shape(parameters: dict, model: veo_models.VeoModel) -> tuple[int, str, str]:
    mid = model.model_id

    duration = parameters.get("durationSeconds", DEFAULT_DURATION_SECONDS)
    if not _is_int(duration) or duration not in model.durations_seconds:
        raise invalid(
            f"Unsupported output video duration {duration} seconds for model {mid}, "
            f"supported durations are [{','.join(map(str, model.durations_seconds))}]."
        )
    aspect = parameters.get("aspectRatio", DEFAULT_ASPECT_RATIO)
    if aspect not in model.aspect_ratios:
        raise invalid(
            f"Unsupported aspect ratio {aspect!r} for model {mid}, supported aspect "
            f"ratios are [{','.join(model.aspect_ratios)}]."
        )
    resolution = parameters.get("resolution", DEFAULT_RESOLUTION)
    if resolution not in model.resolutions:
        raise invalid(
            f"Unsupported resolution {resolution!r} for model {mid}, supported "
            f"resolutions are [{','.join(model.resolutions)}]."
        )
    if duration not in model.durations_for(resolution):
        raise invalid(
            f"Unsupported output video duration {duration} seconds at resolution {resolution} for model "
            f"{mid}, supported durations are [{','.join(map(str, model.durations_for(resolution)))}]."
        )
    return duration, aspect, resolution


def _generate_audio(parameters: dict, model: veo_models.VeoModel) -> bool:
    mid = model.model_id
    if "generateAudio" not in parameters and model.requires_generate_audio:
        raise invalid(f"generateAudio is required for model {mid}. Set parameters.generateAudio to true or false.")
    generate_audio = parameters.get("generateAudio", False)
    if not isinstance(generate_audio, bool):
        raise invalid(f"generateAudio must be a boolean, got {generate_audio!r}.")
    if generate_audio and not model.supports_audio:
        raise invalid(f"Audio generation is not supported by model {mid}.")
    return generate_audio


def _optional_parameters(parameters: dict) -> tuple[int | None, str | None, str | None]:
    seed = parameters.get("seed")
    if seed is not None and (not _is_int(seed) or not 0 <= seed <= MAX_SEED):
        raise invalid(f"seed must be an integer between 0 and {MAX_SEED}, got {seed!r}.")
    negative_prompt = parameters.get("negativePrompt")
    if negative_prompt is not None and not isinstance(negative_prompt, str):
        raise invalid(f"negativePrompt must be a string, got {negative_prompt!r}.")
    person = parameters.get("personGeneration")
    if person is not None and person not in PERSON_GENERATION:
        raise invalid(f"Unsupported personGeneration {person!r}, supported values are [{','.join(PERSON_GENERATION)}].")
    storage_uri = parameters.get("storageUri")
    if storage_uri is not None and (
        not isinstance(storage_uri, str)
        or not storage_uri.startswith("gs://")
        or not storage_uri[len("gs://") :].partition("/")[0]
    ):
        raise invalid(f"storageUri must be a gs://bucket/path URI, got {storage_uri!r}.")
    return seed, negative_prompt, storage_uri


def base_model_name(model_id: str) -> str:
    """veo-3.1-fast-generate-001 -> veo-3.1-fast-generate (how Vertex names quota buckets)."""
    head, _, version = model_id.rpartition("-")
    return head if version.isdigit() else model_id


class MinuteQuota:
    """Vertex's per-project per-minute request quota: once a project has used `limit` starts
    in a window, every start answers 429 until the window (opened by its first start) ends.
    limit 0 means no quota (the default in dev and tests)."""

    def __init__(self, limit: int = 0, window_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # project -> (opened at, used)
        self.refused = 0

    def take(self, project: str, model_id: str) -> None:
        if self.limit <= 0:
            return
        now = self._clock()
        with self._lock:
            opened, used = self._windows.get(project, (now, 0))
            if now - opened >= self.window_seconds:
                opened, used = now, 0
            if used >= self.limit:
                self.refused += 1
                raise ApiError(
                    429,
                    "RESOURCE_EXHAUSTED",
                    "Quota exceeded for aiplatform.googleapis.com/"
                    "online_prediction_requests_per_base_model with base model: "
                    f"{base_model_name(model_id)}. Please submit a quota increase request. {QUOTA_URL}.",
                )
            self._windows[project] = (opened, used + 1)

    def reset(self, limit: int, window_seconds: float | None = None) -> None:
        """A new limit (and, given, a new window length) starts a new window."""
        with self._lock:
            self.limit = limit
            if window_seconds is not None:
                self.window_seconds = window_seconds
            self._windows.clear()
            self.refused = 0
