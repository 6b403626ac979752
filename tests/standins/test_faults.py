"""The fault queue both stand-ins share (standins/faults.py): order, uses, counts, threads.
Pure: starts no server."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from standins.faults import FaultQueue, FaultSpecError, check_fields, check_kind, check_times, specs_of


@dataclass
class Spec:
    kind: str
    times: int = 1
    path: str | None = None


def on_path(path: str):
    return lambda fault: fault.path is None or fault.path == path


def test_a_fault_applies_as_many_times_as_queued_then_is_gone():
    queue: FaultQueue[Spec] = FaultQueue()
    assert queue.add([Spec("slowdown", times=2)]) == 2

    taken = [queue.take(on_path("/a")) for _ in range(3)]

    assert [t.kind if t else None for t in taken] == ["slowdown", "slowdown", None]
    assert queue.pending_count() == 0 and queue.pending() == []


def test_the_first_pending_fault_that_applies_wins_and_others_wait():
    queue: FaultQueue[Spec] = FaultQueue()
    queue.add([Spec("reset", path="/b"), Spec("internal"), Spec("slowdown", path="/a")])

    first = queue.take(on_path("/a"))  # "reset" is for /b: skipped, not used up

    assert first is not None and first.kind == "internal"
    assert [f.kind for f in queue.pending()] == ["reset", "slowdown"]
    assert queue.take(on_path("/a")).kind == "slowdown"
    assert queue.take(on_path("/a")) is None
    assert queue.take(on_path("/b")).kind == "reset"


def test_a_taken_fault_is_a_copy_with_the_one_use_taken():
    queue: FaultQueue[Spec] = FaultQueue()
    queue.add([Spec("internal", times=3)])

    taken = queue.take(lambda fault: True)
    taken.times = 99  # the caller cannot change what is still queued

    assert taken is not None
    assert [f.times for f in queue.pending()] == [2]


def test_pending_is_a_snapshot_that_cannot_change_the_queue():
    queue: FaultQueue[Spec] = FaultQueue()
    queue.add([Spec("internal", times=2), Spec("reset")])

    snapshot = queue.pending()
    snapshot[0].times = 0
    snapshot.clear()

    assert queue.pending_count() == 3
    assert [(f.kind, f.times) for f in queue.pending()] == [("internal", 2), ("reset", 1)]


def test_injected_counts_each_use_by_kind_until_clear():
    queue: FaultQueue[Spec] = FaultQueue()
    queue.add([Spec("internal", times=2), Spec("reset", times=2)])
    for _ in range(3):
        queue.take(lambda fault: True)

    assert queue.injected() == 3
    assert queue.injected_by_kind() == {"internal": 2, "reset": 1}

    queue.clear()

    assert (queue.injected(), queue.injected_by_kind(), queue.pending_count()) == (0, {}, 0)


def test_a_fault_queued_n_times_is_taken_exactly_n_times_by_racing_threads():
    queue: FaultQueue[Spec] = FaultQueue()
    queue.add([Spec("internal", times=50)])
    taken: list[Spec] = []
    taken_lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(20):
            fault = queue.take(lambda f: True)
            if fault is not None:
                with taken_lock:
                    taken.append(fault)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(taken) == 50
    assert queue.pending_count() == 0 and queue.injected() == 50


def test_a_fault_with_no_use_left_is_refused_when_queued():
    queue: FaultQueue[Spec] = FaultQueue()

    with pytest.raises(FaultSpecError, match="positive integer"):
        queue.add([Spec("internal", times=0)])

    assert queue.pending_count() == 0


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (lambda: specs_of({"fault": []}), 'body must be {"faults": [...]}'),
        (lambda: specs_of([]), 'body must be {"faults": [...]}'),
        (lambda: check_fields("reset", ("kind",)), "each fault must be an object, got 'reset'"),
        (lambda: check_fields({"kind": "x", "tims": 2}, ("kind", "times")), "unknown fault fields ['tims']"),
        (lambda: check_kind("boom", ("reset", "stall")), "fault 'kind' must be one of ['reset', 'stall'], got 'boom'"),
        (lambda: check_times(True), "fault 'times' must be a positive integer, got True"),
        (lambda: check_times(1.5), "fault 'times' must be a positive integer, got 1.5"),
    ],
)
def test_a_bad_spec_is_refused_with_the_message_both_standins_answer(check, message):
    with pytest.raises(FaultSpecError) as refused:
        check()

    assert str(refused.value) == message


def test_both_standins_refuse_a_fault_with_no_use_left_over_their_control_api():
    from standins.fault_proxy import FaultProxy, ProxyControl
    from standins.veo_server import VeoControl, VeoStandIn

    with (
        VeoStandIn(port=0, log_requests=False) as veo,
        FaultProxy("http://127.0.0.1:9", port=0, log_requests=False) as proxy,
    ):
        for control, spec in (
            (VeoControl(veo.base_url), {"on": "start", "kind": "reset", "times": 0}),
            (ProxyControl(proxy.base_url), {"kind": "reset", "times": 0}),
        ):
            with pytest.raises(RuntimeError, match=r"400 .*fault 'times' must be a positive integer, got 0"):
                control.faults([spec])
            assert control.stats()["faultsPending"] == 0
