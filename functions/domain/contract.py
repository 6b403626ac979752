"""The generation request a client writes, checked again on the server (never trust the client)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from . import uploads, veo_models
from .errors import ErrorCode, Failure, failure
from .pricing import (
    ASPECT_RATIOS,
    DEFAULT_AUDIO,
    DEFAULT_QUALITY,
    DEFAULT_RESOLUTION,
    DURATIONS_SECONDS,
    QUALITIES,
    RESOLUTIONS,
    Options,
)
from .states import Status

CLIENT_FIELDS = frozenset({"userId", "prompt", "aspectRatio", "duration", "status", "createdAt"})
# Veo's choices: each optional, its absence meaning the default in domain/pricing.py.
OPTION_FIELDS = frozenset({"quality", "audio", "resolution", "negativePrompt", "seed"})
# Start from a photo: `uploads/{uid}/{uploadId}` objects of the requester's, the
# first frame and (only with it) the last frame. Optional; the price does not depend on them.
INPUT_FIELDS = frozenset(uploads.IMAGE_FIELDS)
NEGATIVE_PROMPT_MAX_CHARS = 500
SEED_MAX = 2**32 - 1
SERVER_FIELDS = frozenset(
    {
        "tokenCost",
        "status",
        "progress",
        "error",
        "refunded",
        "mediaUrl",
        "startedAt",
        "queuedAt",
        "queuePosition",
        "estimatedStartAt",
        "completedAt",
        "updatedAt",
        "operationName",
        "mediaKey",
        "publishedAt",
        "startClaim",
        "startClaimedAt",
    }
)
# The draft's poster, and the moderation state its owner is shown (taken down or
# under review). Server-written only.
FEED_SERVER_FIELDS = frozenset({"posterUrl", "moderation", "firstPublishedAt"})
SERVER_FIELDS = SERVER_FIELDS | FEED_SERVER_FIELDS
PROMPT_MAX_CHARS = 2000
CREATION_ID_MAX_CHARS = 128
# Firestore's auto-id alphabet: an id can never change the meaning of an object key or a URL.
CREATION_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
USER_ID_MAX_CHARS = 128


def is_valid_creation_id(creation_id: object) -> bool:
    return isinstance(creation_id, str) and CREATION_ID_PATTERN.fullmatch(creation_id) is not None


def is_safe_user_id(user_id: object) -> bool:
    """A userId the server may build document paths from (Auth uids are shorter and plainer)."""
    return (
        isinstance(user_id, str)
        and 0 < len(user_id) <= USER_ID_MAX_CHARS
        and "/" not in user_id
        and user_id not in (".", "..")
        and not user_id.startswith("__")
    )


@dataclass(frozen=True)
class GenerationRequest:
    creation_id: str
    user_id: str
    prompt: str
    aspect_ratio: str
    duration_seconds: int
    quality: str = DEFAULT_QUALITY
    resolution: str = DEFAULT_RESOLUTION
    audio: bool = DEFAULT_AUDIO
    negative_prompt: str | None = None
    seed: int | None = None
    image: str | None = None  # uploads/{uid}/{uploadId}: the first frame
    last_frame: str | None = None  # the same, the last frame (only with image)

    @property
    def images(self) -> list[tuple[str, str]]:
        """(field, upload path) of each image the request names, first frame first."""
        named = (("image", self.image), ("lastFrame", self.last_frame))
        return [(field, path) for field, path in named if path is not None]

    @property
    def options(self) -> Options:
        """What the price depends on."""
        return Options(self.quality, self.resolution, self.audio)

    @property
    def model(self) -> str:
        return veo_models.MODEL_FOR_TIER[self.quality]


def parse_request(creation_id: str, data: dict) -> GenerationRequest | Failure:
    """The request, or the reason it breaks the contract (as an invalid_request failure)."""
    problem = _contract_problem(creation_id, data)
    if problem:
        return failure(ErrorCode.INVALID_REQUEST, problem)
    return GenerationRequest(
        creation_id=creation_id,
        user_id=data["userId"],
        prompt=data["prompt"],
        aspect_ratio=data["aspectRatio"],
        duration_seconds=data["duration"],
        quality=data.get("quality", DEFAULT_QUALITY),
        resolution=data.get("resolution", DEFAULT_RESOLUTION),
        audio=data.get("audio", DEFAULT_AUDIO),
        negative_prompt=data.get("negativePrompt"),
        seed=data.get("seed"),
        image=data.get("image"),
        last_frame=data.get("lastFrame"),
    )


def _contract_problem(creation_id: str, data: dict) -> str | None:
    if not is_valid_creation_id(creation_id):
        return f"The creation id must be 1 to {CREATION_ID_MAX_CHARS} characters among A-Z, a-z, 0-9, _ and -."
    keys = set(data)
    allowed = CLIENT_FIELDS | OPTION_FIELDS | INPUT_FIELDS
    if not CLIENT_FIELDS <= keys <= allowed:
        extra, missing = sorted(keys - allowed), sorted(CLIENT_FIELDS - keys)
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if extra:
            parts.append("unexpected " + ", ".join(extra))
        return "Fields: " + "; ".join(parts) + "."
    if not is_safe_user_id(data["userId"]):
        return "userId must be the signed-in user's id."
    prompt = data["prompt"]
    if not isinstance(prompt, str) or not prompt.strip():
        return "The prompt must be non-empty text."
    if len(prompt) > PROMPT_MAX_CHARS:
        return f"The prompt must be at most {PROMPT_MAX_CHARS} characters."
    if data["aspectRatio"] not in ASPECT_RATIOS:
        return "aspectRatio must be one of " + ", ".join(ASPECT_RATIOS) + "."
    duration = data["duration"]
    # bool is an int in Python; a float 4.0 is not what the contract allows either
    if type(duration) is not int or duration not in DURATIONS_SECONDS:
        return "duration must be one of " + ", ".join(map(str, DURATIONS_SECONDS)) + " seconds."
    if data["status"] != Status.PENDING:
        return 'status must be "pending" on create.'
    return _options_problem(data) or _inputs_problem(data)


def _inputs_problem(data: dict) -> str | None:
    """The images named: well-formed paths of the requester's own uploads, lastFrame only
    with image, and a model that takes them. Whether the objects exist and are images is the
    handler's to check (it reads them)."""
    if "lastFrame" in data and "image" not in data:
        return "lastFrame needs image (the first frame)."
    for name in uploads.IMAGE_FIELDS:
        if name in data:
            problem = uploads.path_problem(data[name], data["userId"])
            if problem:
                return f"{name} {problem}"
    if "image" in data:
        model = veo_models.MODEL_FOR_TIER[data.get("quality", DEFAULT_QUALITY)]
        problem = veo_models.input_problem(model, image=True, last_frame="lastFrame" in data)
        if problem:
            return f"This combination is not available: {problem}."
    return None


def _options_problem(data: dict) -> str | None:
    """The optional choices: each well-typed and known, and together a combination the
    model of the chosen quality makes (the catalog the Veo stand-in also reads)."""
    quality = data.get("quality", DEFAULT_QUALITY)
    if not isinstance(quality, str) or quality not in QUALITIES:
        return "quality must be one of " + ", ".join(QUALITIES) + "."
    resolution = data.get("resolution", DEFAULT_RESOLUTION)
    if not isinstance(resolution, str) or resolution not in RESOLUTIONS:
        return "resolution must be one of " + ", ".join(RESOLUTIONS) + "."
    audio = data.get("audio", DEFAULT_AUDIO)
    if type(audio) is not bool:
        return "audio must be true or false."
    if "negativePrompt" in data:
        negative = data["negativePrompt"]
        if not isinstance(negative, str) or not negative.strip():
            return "negativePrompt must be non-empty text (leave the field out for none)."
        if len(negative) > NEGATIVE_PROMPT_MAX_CHARS:
            return f"negativePrompt must be at most {NEGATIVE_PROMPT_MAX_CHARS} characters."
    if "seed" in data:
        seed = data["seed"]
        # bool is an int in Python, and a float is not what the contract allows
        if type(seed) is not int or not 0 <= seed <= SEED_MAX:
            return f"seed must be an integer from 0 to {SEED_MAX}."
    problem = veo_models.combination_problem(
        veo_models.MODEL_FOR_TIER[quality],
        data["duration"],
        data["aspectRatio"],
        resolution,
        generate_audio=audio,
    )
    if problem:
        return f"This combination is not available: {problem}."
    return None


# Look-alike letters (Cyrillic and Greek) that NFKC leaves alone, mapped to the Latin letter
# they imitate, so that "gоre" with a Cyrillic "о" is still "gore".
CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "ѕ": "s",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "һ": "h",
        "ӏ": "l",
        "ɡ": "g",
        # Greek
        "α": "a",
        "β": "b",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "γ": "y",
        "ω": "w",
        "ϲ": "c",
        "ѵ": "v",
        # Latin small capitals and other stand-ins
        "ı": "i",
        "ſ": "s",
    }
)


def normalize_for_matching(text: str) -> str:
    """What the blocked-term check compares: compatibility forms folded (NFKC: fullwidth,
    ligatures, superscripts), case folded, invisible format characters (zero-width joiners,
    soft hyphens: Unicode category Cf) and combining marks dropped, look-alikes mapped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) not in ("Cf", "Mn", "Me"))
    return unicodedata.normalize("NFC", kept).translate(CONFUSABLES)


def veo_texts(request: GenerationRequest) -> list[str]:
    """Every text field of a request that is sent to Veo: each is checked for blocked terms."""
    return [request.prompt] + ([request.negative_prompt] if request.negative_prompt else [])


def find_blocked_in(request: GenerationRequest, blocked_terms: list[str] | tuple[str, ...]) -> str | None:
    for text in veo_texts(request):
        found = find_blocked_term(text, blocked_terms)
        if found:
            return found
    return None


def find_blocked_term(prompt: str, blocked_terms: list[str] | tuple[str, ...]) -> str | None:
    """Our own content pre-check: the first blocked term found as a whole word, after both
    are normalised (see normalize_for_matching)."""
    text = normalize_for_matching(prompt)
    for term in blocked_terms:
        term = term.strip()
        wanted = normalize_for_matching(term)
        if wanted and re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", text):
            return term
    return None
