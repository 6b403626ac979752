"""Which Veo models exist on Vertex AI today, what each accepts, and when Google retires them.

One table, read by the server (request checks, default model), by `make deploy` (refuses a
retired model) and by the Veo stand-in (answers a retired or unknown model with Vertex's 404,
an unsupported combination with its 400). When Google announces a retirement or a new model,
change this table, `CHECKED_ON` and the source below, then follow docs/operations.md
("Moving to a new Veo model").

Source: Google Cloud docs, "Veo 3" and "Veo 3.1" model pages (Vertex AI / Gemini Enterprise
Agent Platform), their "Discontinued endpoints" tables and per-model "Retirement date", and
the Gemini API deprecations page for the 3.1 preview ids. Checked on CHECKED_ON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

CHECKED_ON = date(2026, 11, 28)
SOURCE = (
    "cloud.google.com Vertex AI Veo model pages (veo/3-0-generate, veo/3-1-generate) and "
    "ai.google.dev/gemini-api/docs/deprecations"
)

# Google blocks new access to a model about one month before its retirement date.
NEW_ACCESS_BLOCKED_BEFORE_RETIREMENT = timedelta(days=30)


@dataclass(frozen=True)
class VeoModel:
    model_id: str
    tier: str  # "fast" | "standard": the product names the app offers
    durations_seconds: tuple[int, ...]
    aspect_ratios: tuple[str, ...]
    resolutions: tuple[str, ...]
    max_sample_count: int
    supports_audio: bool
    # Veo 3 models generate audio unless told not to; the docs call generateAudio required.
    requires_generate_audio: bool
    retires_on: date | None = None  # None: no retirement date announced when checked
    # Resolutions that only some durations allow: ((resolution, durations), ...).
    resolution_durations: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def durations_for(self, resolution: str) -> tuple[int, ...]:
        return dict(self.resolution_durations).get(resolution, self.durations_seconds)


VEO_3_1_DURATIONS = (4, 6, 8)
VEO_3_1_ASPECT_RATIOS = ("16:9", "9:16")
VEO_3_1_RESOLUTIONS = ("720p", "1080p")
# 1080p only as an 8 s video: the Gemini API's Veo 3.1 docs say so ("must be 8 when using
# 1080p"), and so do resellers of the Vertex models; Vertex's own model page lists 1080p
# without the condition. Kept as the cautious reading: refusing 1080p at 4 or 6 s costs a
# user nothing, while a start Vertex refuses would fail a paid request (checked CHECKED_ON).
VEO_3_1_RESOLUTION_DURATIONS = (("1080p", (8,)),)

CURRENT_MODELS: dict[str, VeoModel] = {
    m.model_id: m
    for m in (
        VeoModel(
            "veo-3.1-generate-001",
            "standard",
            VEO_3_1_DURATIONS,
            VEO_3_1_ASPECT_RATIOS,
            VEO_3_1_RESOLUTIONS,
            max_sample_count=4,
            supports_audio=True,
            requires_generate_audio=True,
            resolution_durations=VEO_3_1_RESOLUTION_DURATIONS,
        ),
        VeoModel(
            "veo-3.1-fast-generate-001",
            "fast",
            VEO_3_1_DURATIONS,
            VEO_3_1_ASPECT_RATIOS,
            VEO_3_1_RESOLUTIONS,
            max_sample_count=4,
            supports_audio=True,
            requires_generate_audio=True,
            resolution_durations=VEO_3_1_RESOLUTION_DURATIONS,
        ),
    )
}

# Retired ids answer 404 NOT_FOUND on Vertex. Kept so that a deploy naming one is refused
# with the date and the replacement, not with "unknown model".
RETIRED_MODELS: dict[str, tuple[date, str]] = {
    "veo-2.0-generate-001": (date(2026, 6, 30), "veo-3.1-generate-001"),
    "veo-3.0-generate-001": (date(2026, 6, 30), "veo-3.1-generate-001"),
    "veo-3.0-fast-generate-001": (date(2026, 6, 30), "veo-3.1-fast-generate-001"),
    # Vertex removed the preview endpoints on 2026-04-02 (checked 2026-12-03; 2026-10-22 is the
    # Gemini API's date for the same ids, a different service).
    "veo-3.1-generate-preview": (date(2026, 4, 2), "veo-3.1-generate-001"),
    "veo-3.1-fast-generate-preview": (date(2026, 4, 2), "veo-3.1-fast-generate-001"),
    "veo-3.1-lite-generate-preview": (date(2026, 4, 2), "veo-3.1-fast-generate-001"),
}

DEFAULT_MODEL = "veo-3.1-fast-generate-001"
MODEL_FOR_TIER = {m.tier: m.model_id for m in CURRENT_MODELS.values()}


class ModelStatus:
    CURRENT = "current"
    RETIRING_SOON = "retiring_soon"  # new access blocked: still answers, but not for long
    RETIRED = "retired"
    UNKNOWN = "unknown"


def model_status(model_id: str, today: date) -> str:
    if model_id in RETIRED_MODELS:
        return ModelStatus.RETIRED if today >= RETIRED_MODELS[model_id][0] else ModelStatus.RETIRING_SOON
    model = CURRENT_MODELS.get(model_id)
    if model is None:
        return ModelStatus.UNKNOWN
    if model.retires_on is not None:
        if today >= model.retires_on:
            return ModelStatus.RETIRED
        if today >= model.retires_on - NEW_ACCESS_BLOCKED_BEFORE_RETIREMENT:
            return ModelStatus.RETIRING_SOON
    return ModelStatus.CURRENT


def deploy_problem(model_id: str, today: date) -> str | None:
    """Why a deploy configured with `model_id` must not go out, or None when it may."""
    status = model_status(model_id, today)
    if status == ModelStatus.CURRENT:
        return None
    if status == ModelStatus.UNKNOWN:
        return (
            f"VEO_MODEL={model_id!r} is not a current Veo model on Vertex AI "
            f"(current: {', '.join(sorted(CURRENT_MODELS))}; table checked {CHECKED_ON})."
        )
    retired_on: date | None
    if model_id in RETIRED_MODELS:
        retired_on, replacement = RETIRED_MODELS[model_id]
    else:
        retired_on, replacement = CURRENT_MODELS[model_id].retires_on, ""
    verb = "was retired" if status == ModelStatus.RETIRED else "retires"
    hint = f"; use {replacement}" if replacement else ""
    return f"VEO_MODEL={model_id!r} {verb} on {retired_on}{hint} (table checked {CHECKED_ON})."


def combination_problem(
    model_id: str,
    duration_seconds: int,
    aspect_ratio: str,
    resolution: str | None = None,
    sample_count: int = 1,
    generate_audio: bool | None = None,
) -> str | None:
    """What a model refuses about a request's parameters (None when it accepts them)."""
    model = CURRENT_MODELS.get(model_id)
    if model is None:
        return f"model {model_id!r} is not available"
    if duration_seconds not in model.durations_seconds:
        return (
            f"durationSeconds {duration_seconds} is not supported by {model_id}; "
            f"supported: {', '.join(map(str, model.durations_seconds))}"
        )
    if aspect_ratio not in model.aspect_ratios:
        return f"aspectRatio {aspect_ratio!r} is not supported by {model_id}"
    if resolution is not None and resolution not in model.resolutions:
        return f"resolution {resolution!r} is not supported by {model_id}"
    if resolution is not None and duration_seconds not in model.durations_for(resolution):
        return (
            f"resolution {resolution} is only available for "
            f"{' or '.join(map(str, model.durations_for(resolution)))} s videos on {model_id}"
        )
    if not 1 <= sample_count <= model.max_sample_count:
        return f"sampleCount must be between 1 and {model.max_sample_count}"
    if generate_audio and not model.supports_audio:
        return f"generateAudio is not supported by {model_id}"
    if generate_audio is None and model.requires_generate_audio:
        return f"generateAudio is required for {model_id}"
    return None
