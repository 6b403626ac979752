"""What a finished Veo stand-in operation holds: the clips (inline or written to a
GCS server at `storageUri`: the Firebase Storage emulator locally), the filtered answer, or the failure."""

from __future__ import annotations

import base64
import threading
from typing import Any

from standins import media
from standins.veo_state import (
    FILTERED_SUPPORT_CODE,
    RESPONSE_TYPE,
    RPC_CODE_INTERNAL,
    Operation,
    _log,
    _parse_gs_uri,
    _render,
)


def prerender(operation: Operation) -> None:
    """Renders the clips while the operation "runs", as Veo does, so the poll that finds it
    done only uploads (a poll that took seconds would trip the client's timeout)."""
    try:
        for index in range(operation.sample_count):
            _render(operation, index)
    except Exception as error:  # noqa: BLE001 - the poll renders again and reports it
        _log(f"pre-render for {operation.name} failed: {error!r}")
    finally:
        operation.rendered.set()


def filtered_result(operation: Operation) -> dict[str, Any]:
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


class OutputWriter:
    """Produces a done operation's answer; `uploads` counts the clips written to GCS."""

    def __init__(self, gcs_endpoint: str | None, gcs_project: str):
        self.gcs_endpoint = gcs_endpoint
        self.gcs_project = gcs_project
        self.uploads = 0
        self._count_lock = threading.Lock()
        # One bucket lookup-or-create at a time, so two first uploads do not both create it.

    def reset_count(self) -> None:
        with self._count_lock:
            self.uploads = 0

    def finish(self, operation: Operation) -> tuple[dict[str, Any], str, list[str]]:
        if operation.forced_outcome == "operation_error":
            error = {
                "code": RPC_CODE_INTERNAL,
                "message": "Injected fault: the video generation failed (Veo stand-in).",
            }
            return {"name": operation.name, "done": True, "error": error}, "failed", []
        if operation.forced_outcome == "filtered" or operation.blocked_by_filter:
            return filtered_result(operation), "filtered", []

        videos: list[dict[str, str]] = []
        uris: list[str] = []
        for index in range(operation.sample_count):
            clip = _render(operation, index)
            if operation.storage_uri is None:
                encoded = base64.b64encode(clip).decode("ascii")
                videos.append({"bytesBase64Encoded": encoded, "mimeType": media.MIME_TYPE})
                continue
            try:
                uri = self.upload(operation, index, clip)
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

    def upload(self, operation: Operation, index: int, clip: bytes) -> str:
        # Imported here so that serving bytes-only results needs no storage library at all.
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage  # type: ignore[attr-defined]  # a namespace package to mypy

        bucket_name, prefix = _parse_gs_uri(operation.storage_uri or "")
        object_name = "/".join(part for part in (prefix, operation.operation_id, f"sample_{index}.mp4") if part)
        # A client per upload: uploads are rare and this avoids sharing one across threads.
        client = storage.Client(
            project=self.gcs_project,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.gcs_endpoint},
        )
        # No retries: the library's default retries a refused connection for two minutes, and
        # a local server that is down should fail the operation now, not hang the poll.
        calls = {"retry": None, "timeout": 10}
        # Vertex writes into a bucket that exists; the Storage emulator has no bucket-create call
        # in its GCS API and makes a bucket on its first upload, so nothing is created here.
        client.bucket(bucket_name).blob(object_name).upload_from_string(clip, content_type=media.MIME_TYPE, **calls)
        with self._count_lock:
            self.uploads += 1
        return f"gs://{bucket_name}/{object_name}"
