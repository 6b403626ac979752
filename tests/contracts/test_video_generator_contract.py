"""The VideoGenerator port's contract, asserted on the handler tier's FakeVeo and on
adapters/veo.py (the real google-genai client) against an in-process Veo stand-in alike: what
a start may ask for, and that a started operation polls to a video."""

from __future__ import annotations

import pytest

from domain.errors import ExternalServiceError
from domain.generation import OutcomeKind
from domain.veo_models import DEFAULT_MODEL
from tests.handlers.fakes import FakeVeo
from tests.support.waiting import wait_until


@pytest.fixture(scope="module")
def server():
    from standins.veo_server import VeoStandIn

    with VeoStandIn(port=0, delay_seconds=0.2, log_requests=False) as running:
        yield running


@pytest.fixture(params=["fake", "stand-in"])
def veo(request):
    if request.param == "fake":
        return FakeVeo()
    from adapters.veo import Veo

    server = request.getfixturevalue("server")
    return Veo("demo-phoenix", "us-central1", DEFAULT_MODEL, server.base_url, http_timeout_s=10)


def test_a_started_generation_polls_to_a_video(veo):
    name = veo.start("a paper boat", "16:9", 4, None, audio=True, resolution="720p")

    outcome = wait_until(lambda: (o := veo.poll(name)).kind != OutcomeKind.RUNNING and o)

    assert name and outcome.kind == OutcomeKind.READY
    assert outcome.video_bytes or outcome.video_uri


@pytest.mark.parametrize(
    ("shape", "options"),
    [
        (("16:9", 5), {}),  # a duration no model takes
        (("4:3", 4), {}),  # an aspect ratio Veo does not make
        (("16:9", 4), {"resolution": "1080p"}),  # 1080p only at 8 s
        (("16:9", 4), {"model": "veo-3.0-fast-generate-001"}),  # retired
    ],
)
def test_what_vertex_refuses_is_a_permanent_error(veo, shape, options):
    aspect, seconds = shape
    with pytest.raises(ExternalServiceError) as refused:
        veo.start("a paper boat", aspect, seconds, None, **options)
    assert not refused.value.transient and refused.value.status in (400, 404)
