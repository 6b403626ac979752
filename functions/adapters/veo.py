"""Veo on Vertex AI through the google-genai client (or a stand-in at VEO_BASE_URL)."""
from __future__ import annotations


from adapters.shared_clients import one_per_config
from domain.errors import ExternalServiceError
from domain.generation import OutcomeKind, VeoOutcome, is_transient_status

SERVICE = "veo"


@one_per_config
def _client(project: str, location: str, base_url: str):
    from google import genai
    from google.genai import types

    if not base_url:
        return genai.Client(vertexai=True, project=project, location=location)
    # A stand-in needs no Google credentials, but the SDK insists on some; project and
    # location must be explicit or the SDK treats a custom URL as a gateway.
    import google.oauth2.credentials

    return genai.Client(
        vertexai=True,
        project=project,
        location=location,
        credentials=google.oauth2.credentials.Credentials(token="local"),
        http_options=types.HttpOptions(base_url=base_url),
    )


class Veo:
    def __init__(self, project: str, location: str, model: str, base_url: str = ""):
        self._args = (project, location, base_url)
        self._model = model

    def start(self, prompt: str, aspect_ratio: str, duration_seconds: int, output_gcs_uri: str | None) -> str:
        """Starts a generation; returns the full operation name (all a later poll needs)."""
        from google.genai import types

        config = types.GenerateVideosConfig(
            number_of_videos=1,
            duration_seconds=duration_seconds,
            aspect_ratio=aspect_ratio,
            output_gcs_uri=output_gcs_uri or None,
        )
        with _translated_errors():
            operation = _client(*self._args).models.generate_videos(
                model=self._model, source=types.GenerateVideosSource(prompt=prompt), config=config
            )
        return operation.name

    def poll(self, operation_name: str) -> VeoOutcome:
        from google.genai import types

        with _translated_errors():
            op = _client(*self._args).operations.get(types.GenerateVideosOperation(name=operation_name))
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


class _translated_errors:
    """Turns SDK and network exceptions into ExternalServiceError(transient=...)."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, ExternalServiceError):
            return False
        from google.genai import errors as genai_errors

        if isinstance(exc, genai_errors.APIError):
            status = getattr(exc, "code", None)
            raise ExternalServiceError(SERVICE, str(exc), transient=is_transient_status(status),
                                       status=status) from exc
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)) or _is_httpx_error(exc):
            raise ExternalServiceError(SERVICE, repr(exc), transient=True) from exc
        return False


def _is_httpx_error(exc: BaseException) -> bool:
    try:
        import httpx
    except ImportError:
        return False
    return isinstance(exc, httpx.TransportError)
