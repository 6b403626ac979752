"""Veo on Vertex AI through the google-genai client (or a stand-in at VEO_BASE_URL)."""

from __future__ import annotations

from adapters.shared_clients import one_per_config
from domain.errors import ExternalServiceError
from domain.generation import OutcomeKind, VeoCall, VeoOutcome, is_safe_to_retry, is_transient_status
from domain.uploads import ImageInput

SERVICE = "veo"
# Per network operation (connect, each read, each write), not for the whole call: the SDK
# hands it to httpx2 as one number. Vertex answers a start or a poll in a second or two; four
# start attempts that each hit it still fit the 120 s of the start function.
DEFAULT_HTTP_TIMEOUT_S = 20.0


@one_per_config
def _client(project: str, location: str, base_url: str, timeout_s: float):
    from google import genai
    from google.genai import types

    # HttpOptions.timeout is in MILLISECONDS (google-genai _api_client.get_timeout_in_seconds
    # divides by 1000 before handing it to httpx2). Without it a stalled call waits for ever.
    http_options = types.HttpOptions(timeout=max(1, round(timeout_s * 1000)))
    if not base_url:
        return genai.Client(vertexai=True, project=project, location=location, http_options=http_options)
    # A stand-in needs no Google credentials, but the SDK insists on some; project and
    # location must be explicit or the SDK treats a custom URL as a gateway.
    import google.oauth2.credentials

    http_options.base_url = base_url
    return genai.Client(
        vertexai=True,
        project=project,
        location=location,
        credentials=google.oauth2.credentials.Credentials(token="local"),
        http_options=http_options,
    )


class Veo:
    def __init__(
        self,
        project: str,
        location: str,
        model: str,
        base_url: str = "",
        http_timeout_s: float = DEFAULT_HTTP_TIMEOUT_S,
    ):
        self._args = (project, location, base_url, float(http_timeout_s))
        self._model = model

    def start(
        self,
        prompt: str,
        aspect_ratio: str,
        duration_seconds: int,
        output_gcs_uri: str | None,
        *,
        audio: bool = True,
        resolution: str = "720p",
        negative_prompt: str | None = None,
        seed: int | None = None,
        model: str | None = None,
        image: ImageInput | None = None,
        last_frame: ImageInput | None = None,
    ) -> str:
        """Starts a generation; returns the full operation name (all a later poll needs).

        `image` / `last_frame`: the first and last frames, sent inline (bytesBase64Encoded
        with their mimeType, as Vertex expects): they are our cleaned copies, never the
        user's upload, so no gs:// URI of ours would do.

        `model` is the request's (its quality's GA id); None: the configured VEO_MODEL.
        Not idempotent: an error this raises is transient only when Vertex cannot have
        started a generation (see domain.generation.is_safe_to_retry)."""
        from google.genai import types

        config = types.GenerateVideosConfig(
            number_of_videos=1,
            duration_seconds=duration_seconds,
            aspect_ratio=aspect_ratio,
            # Veo 3.x requires generateAudio; the product (and its price) is video with sound.
            generate_audio=audio,
            resolution=resolution,
            negative_prompt=negative_prompt,
            seed=seed,
            output_gcs_uri=output_gcs_uri or None,
            last_frame=_image(last_frame),
        )
        source = types.GenerateVideosSource(prompt=prompt, image=_image(image))
        with _translated_errors(VeoCall.START):
            operation = _client(*self._args).models.generate_videos(
                model=model or self._model, source=source, config=config
            )
        return operation.name

    def poll(self, operation_name: str) -> VeoOutcome:
        from google.genai import types

        with _translated_errors(VeoCall.POLL):
            # The SDK's pydantic models take their fields as keywords; its stubs do not say so.
            operation = types.GenerateVideosOperation(name=operation_name)  # type: ignore[call-arg]
            op = _client(*self._args).operations.get(operation)
        if not op.done:
            return VeoOutcome(OutcomeKind.RUNNING)
        if op.error:
            message = op.error.get("message") if isinstance(op.error, dict) else str(op.error)
            return VeoOutcome(OutcomeKind.FAILED, reason=message or "Veo reported an error.")
        response = op.response
        videos = (response.generated_videos or []) if response else []
        if not videos:
            reasons = (response.rai_media_filtered_reasons or []) if response else []
            if response and (response.rai_media_filtered_count or reasons):
                return VeoOutcome(OutcomeKind.FILTERED, reason=" ".join(reasons) or None)
            return VeoOutcome(OutcomeKind.FAILED, reason="Veo finished without a video.")
        video = videos[0].video
        return VeoOutcome(OutcomeKind.READY, video_uri=video.uri, video_bytes=video.video_bytes)


def _image(image: ImageInput | None):
    if image is None:
        return None
    from google.genai import types

    return types.Image(image_bytes=image.data, mime_type=image.mime_type)


class _translated_errors:
    """Turns SDK and network exceptions into ExternalServiceError(transient=...), where
    transient means "calling again is safe and may succeed" for this kind of call."""

    def __init__(self, call: VeoCall):
        self._call = call

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, ExternalServiceError):
            return False
        from google.genai import errors as genai_errors

        if isinstance(exc, genai_errors.APIError):
            status = getattr(exc, "code", None)
            raise ExternalServiceError(
                SERVICE, str(exc), status=status, transient=self._transient(status, sent=True)
            ) from exc
        network = _network_error_kind(exc)
        if network is not None:
            raise ExternalServiceError(
                SERVICE,
                f"{type(exc).__module__}.{type(exc).__name__}: {exc}",
                transient=self._transient(None, sent=network == "sent"),
            ) from exc
        return False

    def _transient(self, status: int | None, sent: bool) -> bool:
        if self._call == VeoCall.START:
            return is_safe_to_retry(status, request_sent=sent)
        return is_transient_status(status)


def _network_error_kind(exc: BaseException) -> str | None:
    """ "unsent" when the request cannot have reached Vertex (no connection was made), "sent"
    for any other transport failure (it may have been received and acted on), None when the
    exception is not a transport error at all.

    google-genai 3.x sends with httpx2 (httpx when httpx2 is missing, `requests` through
    google-auth for mTLS); httpx2's exceptions derive neither from httpx's nor from OSError,
    so each family is named here."""
    for module_name in ("httpx2", "httpx"):
        module = _optional_module(module_name)
        if module is None:
            continue
        if isinstance(
            exc,
            (
                module.ConnectError,
                module.ConnectTimeout,
                module.PoolTimeout,
                module.UnsupportedProtocol,
                module.ProxyError,
            ),
        ):
            return "unsent"
        if isinstance(exc, module.RequestError):  # read/write errors and timeouts, protocol errors
            return "sent"
    if isinstance(exc, ConnectionRefusedError):
        return "unsent"
    requests_exceptions = _optional_module("requests.exceptions")
    if requests_exceptions is not None and isinstance(exc, requests_exceptions.ConnectTimeout):
        return "unsent"
    if isinstance(exc, (ConnectionError, TimeoutError, OSError)):  # includes requests' errors
        return "sent"
    return None


def _optional_module(name: str):
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        return None
