"""The Veo stand-in, driven through the real google-genai client in Vertex mode: generation,
the output filter, request checks, the control API and the command line. Queued faults:
test_veo_faults.py; network faults: test_veo_network_faults.py; Vertex refusals: test_veo_refusals.py."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
import uuid
import warnings

import av
import pytest
from google.genai import errors, types

from standins.veo_server import VeoControl, VeoStandIn
from tests.standins.veo_support import (
    BUCKET,
    MODEL,
    SLOW_DELAY_SECONDS,
    download,
    fresh_prefix,
    gcs_object_names,
    poll,
    probe_mp4,
    raw_post,
    start,
    wait_until_done,
)
from tests.support.waiting import wait_until

# ----- normal generation


def test_operation_stays_running_until_the_delay_has_passed_then_is_done(client, control):
    control.config(delaySeconds=SLOW_DELAY_SECONDS)
    started = time.monotonic()
    name = start(client).name

    first = poll(client, name)
    assert not first.done and first.response is None
    operation = wait_until_done(client, name)

    assert time.monotonic() - started >= SLOW_DELAY_SECONDS
    assert operation.error is None
    assert control.stats()["operations"][name]["state"] == "succeeded"


@pytest.mark.parametrize(("duration", "aspect_ratio"), [(4, "16:9"), (6, "16:9"), (8, "9:16")])
def test_gcs_output_is_a_playable_h264_mp4_with_requested_duration_and_aspect(
    client, control, gcs, duration, aspect_ratio
):
    storage_uri = fresh_prefix()
    name = start(client, duration_seconds=duration, aspect_ratio=aspect_ratio, output_gcs_uri=storage_uri).name
    assert name.startswith(f"projects/demo-phoenix/locations/us-central1/publishers/google/models/{MODEL}/operations/")

    operation = wait_until_done(client, name)

    videos = operation.response.generated_videos
    assert len(videos) == 1 and operation.response.rai_media_filtered_count == 0
    operation_id = name.rsplit("/", 1)[1]
    assert videos[0].video.uri == f"{storage_uri}{operation_id}/sample_0.mp4"
    assert videos[0].video.mime_type == "video/mp4"
    assert videos[0].video.video_bytes is None

    clip = probe_mp4(download(gcs, videos[0].video.uri))
    assert clip["codec"] == "h264"
    assert abs(clip["duration"] - duration) <= 0.2
    assert clip["fps"] == 24 and clip["decoded_frames"] == duration * 24
    if aspect_ratio == "16:9":
        assert clip["width"] > clip["height"]
    else:
        assert clip["width"] < clip["height"]


def test_without_output_gcs_uri_the_video_comes_back_as_bytes_that_decode(client, control):
    operation = wait_until_done(client, start(client, duration_seconds=4, aspect_ratio="9:16").name)

    video = operation.response.generated_videos[0].video
    assert video.uri is None and video.mime_type == "video/mp4"
    clip = probe_mp4(video.video_bytes)
    assert clip["codec"] == "h264" and abs(clip["duration"] - 4) <= 0.2
    assert clip["width"] < clip["height"]
    assert control.stats()["uploads"] == 0


def test_rendered_clip_has_a_bar_moving_across_and_a_colour_that_drifts(client, control):
    operation = wait_until_done(client, start(client, duration_seconds=4).name)

    data = operation.response.generated_videos[0].video.video_bytes
    with av.open(io.BytesIO(data)) as container:
        frames = list(container.decode(video=0))

    def brightest_column(frame) -> int:
        luma = frame.planes[0]
        middle_row = bytes(luma)[luma.line_size * (luma.height // 2) :][: luma.width]
        return max(range(luma.width), key=middle_row.__getitem__)

    def mean_u(frame) -> float:
        chroma = bytes(frame.planes[1])
        return sum(chroma) / len(chroma)

    # The clip repeats one encoded second (standins/media.py): the bar sweeps once a second.
    first, middle, last = frames[0], frames[12], frames[23]
    assert brightest_column(first) < brightest_column(middle) < brightest_column(last)
    assert abs(mean_u(first) - mean_u(frames[6])) > 20


def test_number_of_videos_two_uploads_two_samples(client, control, gcs):
    storage_uri = fresh_prefix()
    operation = wait_until_done(client, start(client, number_of_videos=2, output_gcs_uri=storage_uri).name)

    uris = [video.video.uri for video in operation.response.generated_videos]
    assert [uri.rsplit("/", 1)[1] for uri in uris] == ["sample_0.mp4", "sample_1.mp4"]
    assert sorted(gcs_object_names(gcs, storage_uri)) == sorted(uri[len(f"gs://{BUCKET}/") :] for uri in uris)


def test_prompt_argument_and_v1_api_version_work_like_the_production_call(veo_server, control, make_client):
    client_v1 = make_client(veo_server.base_url, api_version="v1")
    # The brief's exact call shape: prompt= (deprecated in google-genai 3.x in favour of source=).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        operation = client_v1.models.generate_videos(
            model=MODEL,
            prompt="a cat",
            config=types.GenerateVideosConfig(
                number_of_videos=1, duration_seconds=4, aspect_ratio="16:9", generate_audio=False
            ),
        )
    done = wait_until_done(client_v1, operation.name)

    assert done.response.generated_videos[0].video.video_bytes
    assert control.stats()["operations"][operation.name]["prompt"] == "a cat"


def test_concurrent_polls_after_the_delay_upload_the_video_exactly_once(client, control, gcs, delay_seconds):
    storage_uri = fresh_prefix()
    name = start(client, duration_seconds=4, output_gcs_uri=storage_uri).name
    time.sleep(delay_seconds + 0.05)
    # The operation is done once its clip is rendered too (in the background, like Veo).
    deadline = time.monotonic() + 10
    while not control.stats()["operations"][name]["rendered"] and time.monotonic() < deadline:
        time.sleep(0.02)

    barrier = threading.Barrier(8)
    results: list = []

    def poll_once():
        barrier.wait()
        results.append(poll(client, name))

    threads = [threading.Thread(target=poll_once) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(results) == 8 and all(result.done for result in results)
    assert len({result.response.generated_videos[0].video.uri for result in results}) == 1
    assert control.stats()["uploads"] == 1
    assert len(gcs_object_names(gcs, storage_uri)) == 1


def test_the_video_object_lands_in_the_bucket_at_its_time_without_any_poll(client, control, gcs, delay_seconds):
    # Vertex writes the output when the generation ends, not when someone asks: the object's
    # finalize event is what finishes a video (finishgeneration)
    storage_uri = fresh_prefix()
    name = start(client, duration_seconds=4, output_gcs_uri=storage_uri).name
    wait_until(lambda: gcs_object_names(gcs, storage_uri), what="the output object")
    # The object is written a moment before the operation is marked done (a busy machine widens
    # that moment): both happen with nobody polling.
    wait_until(lambda: control.stats()["operations"][name]["done"], what="the operation done")
    assert control.stats()["operations"][name]["polls"] == 0
    # and a poll then answers done with that very object
    assert poll(client, name).response.generated_videos[0].video.uri.endswith(gcs_object_names(gcs, storage_uri)[0])
    assert control.stats()["uploads"] == 1


# ----- responsible-AI filter


def test_blocked_term_prompt_finishes_filtered_with_no_video_and_nothing_in_gcs(client, control, gcs):
    control.config(delaySeconds=SLOW_DELAY_SECONDS)
    storage_uri = fresh_prefix()
    name = start(client, prompt="A scene full of GORE.", output_gcs_uri=storage_uri).name

    assert not poll(client, name).done  # filtered only when it finishes, like Veo
    operation = wait_until_done(client, name)

    assert operation.error is None
    assert operation.response.rai_media_filtered_count == 1
    assert "Support codes: 42237218" in operation.response.rai_media_filtered_reasons[0]
    assert not operation.response.generated_videos
    assert gcs_object_names(gcs, storage_uri) == []
    assert control.stats()["operations"][name]["state"] == "filtered"


def test_blocked_terms_match_whole_words_only_and_can_be_changed_at_run_time(client, control):
    passes = wait_until_done(client, start(client, prompt="gorest forest at dawn").name)
    assert passes.response.generated_videos

    control.config(blockedTerms=["dragon"])
    filtered = wait_until_done(client, start(client, prompt="a Dragon flies").name)
    no_longer_blocked = wait_until_done(client, start(client, prompt="gore").name)

    assert filtered.response.rai_media_filtered_count == 1
    assert no_longer_blocked.response.generated_videos


# ----- request validation and unknown things


def test_unknown_operation_poll_answers_404_not_found(client, control):
    unknown = f"projects/demo-phoenix/locations/us-central1/publishers/google/models/{MODEL}/operations/{uuid.uuid4()}"
    with pytest.raises(errors.ClientError) as raised:
        poll(client, unknown)
    assert (raised.value.code, raised.value.status) == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("prompt", "config"),
    [
        ("a cat", {"duration_seconds": 5}),
        ("a cat", {"aspect_ratio": "4:3"}),
        ("a cat", {"number_of_videos": 5}),
        ("a cat", {"number_of_videos": 0}),
        ("", {}),
        ("a cat", {"output_gcs_uri": "s3://not-gcs/"}),
    ],
)
def test_invalid_request_is_rejected_with_400_invalid_argument(client, control, prompt, config):
    with pytest.raises(errors.ClientError) as raised:
        start(client, prompt=prompt, **config)
    assert (raised.value.code, raised.value.status) == (400, "INVALID_ARGUMENT")
    assert control.stats()["operations"] == {}


def test_errors_use_veos_json_error_shape(veo_server, control):
    path = f"/v1beta1/projects/p/locations/us-central1/publishers/google/models/{MODEL}:predictLongRunning"
    status, body = raw_post(
        veo_server.base_url,
        path,
        {"instances": [{"prompt": "a cat"}], "parameters": {"durationSeconds": 7, "generateAudio": True}},
    )
    assert status == 400
    assert set(body) == {"error"}
    assert body["error"]["code"] == 400 and body["error"]["status"] == "INVALID_ARGUMENT"
    assert "duration 7 seconds" in body["error"]["message"]


def test_non_veo_model_answers_404_not_found(client, control):
    with pytest.raises(errors.ClientError) as raised:
        client.models.generate_videos(
            model="imagen-3.0-generate-002",
            source=types.GenerateVideosSource(prompt="a cat"),
        )
    assert raised.value.code == 404


def test_storage_uri_is_refused_when_the_stand_in_has_no_gcs_endpoint(make_client):
    with (
        VeoStandIn(port=0, delay_seconds=0, gcs_endpoint=None, log_requests=False) as server,
        pytest.raises(errors.ClientError) as raised,
    ):
        start(make_client(server.base_url), output_gcs_uri=fresh_prefix())
    assert (raised.value.code, raised.value.status) == (400, "FAILED_PRECONDITION")


def test_unreachable_gcs_ends_the_operation_with_an_error_instead_of_hanging(make_client, unused_port):
    with VeoStandIn(
        port=0, delay_seconds=0, gcs_endpoint=f"http://127.0.0.1:{unused_port}", log_requests=False
    ) as server:
        client = make_client(server.base_url)
        # Done once the clip is rendered and the upload failed: a hanging operation fails the wait.
        operation = wait_until_done(client, start(client, output_gcs_uri=fresh_prefix()).name)

    assert operation.done and operation.response is None
    assert operation.error["code"] == 13 and "gs://" in operation.error["message"]


# ----- control API


def test_new_delay_applies_to_operations_started_afterwards(client, control):
    control.config(delaySeconds=0)
    name = start(client).name
    assert control.stats()["operations"][name]["delaySeconds"] == 0
    assert wait_until_done(client, name).done


def test_reset_clears_operations_faults_counters_and_restores_settings(client, control, delay_seconds):
    name = start(client).name
    poll(client, name)
    control.faults([{"on": "poll", "kind": "quota", "times": 3}])
    control.config(delaySeconds=9, blockedTerms=["cat"])

    control.reset()

    stats = control.stats()
    assert (stats["starts"], stats["polls"], stats["faultsPending"], stats["operations"]) == (0, 0, 0, {})
    assert stats["config"]["delaySeconds"] == delay_seconds
    assert stats["config"]["blockedTerms"] == ["gore", "nsfw"]
    with pytest.raises(errors.ClientError):
        poll(client, name)  # the old operation is gone


# ----- command line


def test_module_runs_as_a_cli_server_that_answers_health_and_logs_requests(repo_root, tmp_path, unused_port):
    port = unused_port
    stderr_path = tmp_path / "stderr.log"
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "standins.veo_server",
                "--port",
                str(port),
                "--delay-seconds",
                "0",
                "--blocked-terms",
                "gore,nsfw",
            ],
            cwd=repo_root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        control = VeoControl(f"http://127.0.0.1:{port}", timeout=2)
        deadline = time.monotonic() + 10
        while True:
            try:
                assert control.health() == {"status": "ok"}
                break
            except (OSError, RuntimeError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        assert control.stats()["config"]["delaySeconds"] == 0
    finally:
        process.terminate()
        exit_code = process.wait(timeout=10)

    assert exit_code == 0  # SIGTERM stops it cleanly
    log = stderr_path.read_text()
    assert "listening on http://127.0.0.1:" in log
    assert "GET /_control/health 200" in log
