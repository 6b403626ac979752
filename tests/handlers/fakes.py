"""In-memory stand-ins for the ports (functions/ports.py), for the fast handler tier: the
clock, Cloud Tasks, Veo, GCS and R2 here; Firestore (store and feed, on the ledger's own
plans) in fake_store.py, re-exported below.

Races are staged with `before(method, fn)`: fn runs once, just before the next call of that
method (another finalizer, the sweep or a delete getting there first); failures with
`fail(method, exc)`: the next call raises exc.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from domain.errors import ErrorCode, ExternalServiceError
from domain.generation import OutcomeKind, VeoOutcome
from domain.shards import queue_for

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class Scripted:
    """Queued failures and interleavings per method name."""

    def __init__(self) -> None:
        self._faults: dict[str, list[BaseException]] = defaultdict(list)
        self._before: dict[str, list[Callable[[], object]]] = defaultdict(list)
        self.calls: Counter[str] = Counter()

    def fail(self, method: str, *errors: BaseException) -> None:
        self._faults[method].extend(errors)

    def before(self, method: str, fn: Callable[[], object]) -> None:
        self._before[method].append(fn)

    def _enter(self, method: str) -> None:
        self.calls[method] += 1
        if self._before[method]:
            self._before[method].pop(0)()
        if self._faults[method]:
            raise self._faults[method].pop(0)


def transient(service: str = "r2") -> ExternalServiceError:
    return ExternalServiceError(service, f"{service} unavailable (503)", transient=True, status=503)


def permanent(service: str = "r2", status: int = 403, text: str = "denied") -> ExternalServiceError:
    return ExternalServiceError(service, text, transient=False, status=status)


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self._now = now
        self._mono = 1000.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds


# ---- Cloud Tasks, Veo, GCS, R2 ------------------------------------------------------------------


class FakeTasks(Scripted):
    """Both queues; a task id is refused a second time, as Cloud Tasks (and its emulator) do."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        super().__init__()
        self.clock = clock
        self.enqueued: list[tuple[str, dict | None, float]] = []  # finalize polls
        self.starts: list[tuple[str, dict]] = []  # startveo tasks
        self.ids: set[tuple[str, str]] = set()  # (queue, task id): Cloud Tasks names are per queue

    def _new_id(self, queue: str, task_id: str | None) -> bool:
        if task_id is None:
            return True
        if (queue, task_id) in self.ids:
            return False
        self.ids.add((queue, task_id))
        return True

    def enqueue_start(self, creation_id: str, job: dict, task_id: str) -> bool:
        self._enter("enqueue_start")
        if not self._new_id("start", task_id):
            return False
        self.starts.append((creation_id, job))
        return True

    def enqueue_finalize(
        self, creation_id: str, job: dict | None = None, delay_seconds: float = 0, task_id: str | None = None
    ) -> bool:
        self._enter("enqueue_finalize")
        if not self._new_id(queue_for(creation_id), task_id):
            return False
        if job is not None and delay_seconds and self.clock is not None:
            # As adapters/tasks.py does: the due time travels in the payload.
            job = {**job, "eta": (self.clock.now() + timedelta(seconds=delay_seconds)).isoformat()}
        self.enqueued.append((creation_id, job, delay_seconds))
        return True


RUNNING = VeoOutcome(OutcomeKind.RUNNING)


def video_at(uri: str) -> VeoOutcome:
    return VeoOutcome(OutcomeKind.READY, video_uri=uri)


class FakeVeo(Scripted):
    """start() names an operation; poll() answers from `answers` (the last one repeats)."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[tuple[str, str, int, str | None]] = []
        self.options: list[dict] = []  # the keyword options of each start
        self.answers: list[VeoOutcome] = [VeoOutcome(OutcomeKind.READY, video_bytes=b"video")]

    def start(
        self, prompt: str, aspect_ratio: str, duration_seconds: int, output_gcs_uri: str | None, **options
    ) -> str:
        self._enter("start")
        _refuse_as_the_stand_in_does(aspect_ratio, duration_seconds, options)
        self.started.append((prompt, aspect_ratio, duration_seconds, output_gcs_uri))
        self.options.append(options)
        return f"projects/p/locations/l/operations/op{len(self.started)}"

    def poll(self, operation_name: str) -> VeoOutcome:
        self._enter("poll")
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def _refuse_as_the_stand_in_does(aspect_ratio: str, duration_seconds: int, options: dict) -> None:
    """What Vertex refuses of a start's model and shape, with the Veo stand-in's own checks
    (tests/contracts/test_video_generator_contract.py holds the fake and the adapter to it)."""
    from domain import veo_models
    from standins import veo_checks

    try:
        model = veo_checks.check_model("p", "l", options.get("model") or veo_models.DEFAULT_MODEL, date.today())
        shape = {"durationSeconds": duration_seconds, "aspectRatio": aspect_ratio}
        veo_checks.video_shape({**shape, "resolution": options.get("resolution", "720p")}, model)
    except veo_checks.ApiError as exc:
        raise permanent("veo", exc.http_status, exc.message) from exc


class FakeUploads(Scripted):
    """The uploads bucket: path -> (bytes, created)."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        super().__init__()
        self.clock = clock
        self.objects: dict[str, tuple[bytes, datetime | None]] = {}
        self.deleted: list[str] = []

    def put(self, path: str, data: bytes, created: datetime | None = None) -> str:
        self.objects[path] = (data, created or (self.clock.now() if self.clock else None))
        return path

    def read(self, path: str, max_bytes: int):
        from ports import Upload

        self._enter("read")
        if path not in self.objects:
            return None
        data, created = self.objects[path]
        return Upload(path=path, data=data[: max_bytes + 1], created=created)

    def delete(self, path: str) -> bool:
        self._enter("delete")
        self.deleted.append(path)
        return self.objects.pop(path, None) is not None

    def page(self, after: str | None, limit: int) -> list[tuple[str, datetime | None]]:
        self._enter("page")
        names = sorted(p for p in self.objects if after is None or p > after)[:limit]
        return [(p, self.objects[p][1]) for p in names]


class FakeTempStorage(Scripted):
    def __init__(self) -> None:
        super().__init__()
        self.objects: dict[str, bytes] = {}

    def open_read(self, uri: str) -> io.BytesIO:
        self._enter("open_read")
        if uri not in self.objects:
            raise permanent("gcs", 404, f"no object {uri}")
        return io.BytesIO(self.objects[uri])

    def delete_prefix(self, uri: str) -> int:
        self._enter("delete_prefix")
        doomed = [u for u in self.objects if u.startswith(uri)]
        for u in doomed:
            del self.objects[u]
        return len(doomed)


@dataclass
class FakeMediaBucket(Scripted):
    clock: FakeClock
    objects: dict[str, tuple[bytes, datetime]] = field(default_factory=dict)
    content_types: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        Scripted.__init__(self)

    def public_url(self, key: str) -> str:
        return f"https://media.test/{key}"

    def upload_stream(self, reader, key: str) -> None:
        self._enter("upload_stream")
        self.objects[key] = (reader.read(), self.clock.now())
        self.content_types[key] = "video/mp4"  # as adapters/r2.py streams a video

    def upload_bytes(self, data: bytes, key: str, *, content_type: str = "video/mp4") -> None:
        self._enter("upload_bytes")
        self.objects[key] = (data, self.clock.now())
        self.content_types[key] = content_type

    def download_to(self, key: str, writer) -> None:
        self._enter("download_to")
        if key not in self.objects:
            raise permanent("r2", 404, f"no object {key}")
        writer.write(self.objects[key][0])

    def copy(self, source_key: str, target_key: str, *, content_type: str = "video/mp4") -> None:
        self._enter("copy")
        if source_key not in self.objects:
            raise permanent("r2", 404, f"no object {source_key}")
        self.objects[target_key] = (self.objects[source_key][0], self.clock.now())
        self.content_types[target_key] = content_type  # set on the copy, never inherited (R2's REPLACE)

    def delete(self, key: str) -> None:
        self._enter("delete")
        self.objects.pop(key, None)

    def list_keys(self, prefix: str = "") -> list[tuple[str, datetime]]:
        self._enter("list_keys")
        return sorted((k, when) for k, (_, when) in self.objects.items() if k.startswith(prefix))

    def put(self, key: str, data: bytes = b"video", modified: datetime | None = None) -> None:
        """An object already in the bucket (not part of the port)."""
        self.objects[key] = (data, modified or self.clock.now())


__all__ = [
    "ErrorCode",
    "FakeClock",
    "FakeFeed",
    "FakeMediaBucket",
    "FakeStore",
    "FakeTasks",
    "FakeTempStorage",
    "FakeVeo",
    "RUNNING",
    "T0",
    "permanent",
    "transient",
    "video_at",
]


from tests.handlers.fake_store import FakeFeed, FakeStore  # noqa: E402  (it builds on Scripted)
