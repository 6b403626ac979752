"""The fault-injecting reverse proxy, driven by the real boto3 S3 client against moto: requests
are forwarded, queued faults hit what they name as often as they say, the control API and the
command line. The relay's framing and R2's refusals: test_proxy_relay.py; HTTPS: test_proxy_tls.py."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError, ConnectionClosedError

from standins.fault_proxy import FaultProxy, ProxyControl
from tests.standins.proxy_support import MB, PART_SIZE, error_code, http_status, make_s3

# ----- fixtures (moto_endpoint is in conftest.py; `control` here is the proxy's, not the Veo one)


@pytest.fixture(scope="module")
def proxy(moto_endpoint):
    with FaultProxy(moto_endpoint, port=0, log_requests=False) as running:
        yield running


@pytest.fixture
def control(proxy) -> ProxyControl:
    """Control client; every test starts with no faults and zeroed stats."""
    proxy_control = ProxyControl(proxy.base_url, timeout=5)
    proxy_control.reset()
    return proxy_control


@pytest.fixture(scope="module")
def s3(proxy):
    return make_s3(proxy.base_url)


@pytest.fixture
def bucket(s3, control) -> str:
    name = f"phoenix-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    control.reset()  # the bucket creation is not part of what the test counts
    return name


# ----- forwarding, with boto3 against moto


def test_bucket_and_object_calls_round_trip_through_the_proxy(s3, control, bucket):
    s3.put_object(Bucket=bucket, Key="videos/a.mp4", Body=b"\x00mp4 bytes\xff", ContentType="video/mp4")

    got = s3.get_object(Bucket=bucket, Key="videos/a.mp4")
    assert got["Body"].read() == b"\x00mp4 bytes\xff"
    assert got["ContentType"] == "video/mp4"
    head = s3.head_object(Bucket=bucket, Key="videos/a.mp4")
    assert head["ContentLength"] == 11
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="videos/")
    assert [item["Key"] for item in listed["Contents"]] == ["videos/a.mp4"]
    s3.delete_object(Bucket=bucket, Key="videos/a.mp4")
    with pytest.raises(ClientError) as missing:
        s3.get_object(Bucket=bucket, Key="videos/a.mp4")
    assert error_code(missing.value) == "NoSuchKey"  # upstream errors pass through unchanged

    stats = control.stats()
    assert stats["requests"] == stats["forwarded"] == 6
    assert stats["byMethod"] == {"PUT": 1, "GET": 3, "HEAD": 1, "DELETE": 1}
    assert stats["faultsInjected"] == 0


def test_12mb_multipart_upload_round_trips_byte_identical(s3, control, bucket):
    data = os.urandom(12 * MB)
    s3.upload_fileobj(
        io.BytesIO(data),
        bucket,
        "big.mp4",
        Config=TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=2),
    )

    body = s3.get_object(Bucket=bucket, Key="big.mp4")["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
    assert s3.head_object(Bucket=bucket, Key="big.mp4")["ETag"].endswith('-2"')  # really multipart
    # create + complete (POST), two parts (PUT), then the GET and the HEAD above
    assert control.stats()["byMethod"] == {"POST": 2, "PUT": 2, "GET": 1, "HEAD": 1}


# ----- faults, as boto3 sees them


def test_slowdown_fault_answers_503_slowdown_without_reaching_upstream(s3, control, bucket):
    control.faults([{"kind": "slowdown"}])

    with pytest.raises(ClientError) as raised:
        # A 3 MB body: the proxy must drain it before answering, or this call would hang.
        s3.put_object(Bucket=bucket, Key="slow.mp4", Body=os.urandom(3 * MB))

    assert error_code(raised.value) == "SlowDown"
    assert http_status(raised.value) == 503
    assert raised.value.response["Error"]["Message"] == "Please reduce your request rate."
    with pytest.raises(ClientError) as missing:
        s3.head_object(Bucket=bucket, Key="slow.mp4")
    assert http_status(missing.value) == 404  # the PUT never reached the upstream
    stats = control.stats()
    assert (stats["requests"], stats["forwarded"], stats["faultsInjected"]) == (2, 1, 1)


def test_internal_fault_answers_500_internal_error(s3, control, bucket):
    control.faults([{"kind": "internal", "method": "GET"}])

    with pytest.raises(ClientError) as raised:
        s3.list_objects_v2(Bucket=bucket)

    assert error_code(raised.value) == "InternalError"
    assert http_status(raised.value) == 500
    assert control.stats()["forwarded"] == 0


def test_reset_fault_drops_the_connection_so_boto3_sees_connection_closed(s3, control, bucket):
    control.faults([{"kind": "reset", "method": "PUT"}])

    with pytest.raises(ConnectionClosedError):
        s3.put_object(Bucket=bucket, Key="reset.mp4", Body=os.urandom(2 * MB))

    # The fault is spent: the same client (new connection) succeeds right away.
    s3.put_object(Bucket=bucket, Key="reset.mp4", Body=b"second try")
    assert s3.get_object(Bucket=bucket, Key="reset.mp4")["Body"].read() == b"second try"
    stats = control.stats()
    assert (stats["requests"], stats["forwarded"], stats["faultsInjected"]) == (3, 2, 1)


def test_reset_fault_sends_no_response_bytes_at_all(proxy, control):
    control.faults([{"kind": "reset"}])
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as client:
        client.sendall(b"PUT /any/key HTTP/1.1\r\nHost: example\r\nContent-Length: 5\r\n\r\nhello")
        try:
            received = client.recv(65536)
        except ConnectionResetError:
            received = b""
    assert received == b""


def test_times_is_honoured_and_the_next_request_succeeds(s3, control, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert control.faults([{"kind": "slowdown", "method": "GET", "times": 2}]) == {"faultsPending": 2}

    for pending_after in (1, 0):
        with pytest.raises(ClientError) as raised:
            s3.get_object(Bucket=bucket, Key="k")
        assert error_code(raised.value) == "SlowDown"
        assert control.stats()["faultsPending"] == pending_after

    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert control.stats()["faultsInjected"] == 2


def test_method_filter_only_hits_requests_with_that_method(s3, control, bucket):
    control.faults([{"kind": "internal", "method": "put"}])  # case does not matter

    s3.list_objects_v2(Bucket=bucket)
    s3.head_bucket(Bucket=bucket)
    assert control.stats()["faultsPending"] == 1  # GET and HEAD passed untouched
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert error_code(raised.value) == "InternalError"
    assert control.stats()["faultsPending"] == 0


def test_path_contains_filter_only_hits_matching_paths(s3, control, bucket):
    control.faults([{"kind": "slowdown", "pathContains": "/victim"}])

    s3.put_object(Bucket=bucket, Key="bystander", Body=b"fine")
    assert control.stats()["faultsPending"] == 1
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket=bucket, Key="victim", Body=b"nope")
    assert error_code(raised.value) == "SlowDown"
    s3.put_object(Bucket=bucket, Key="victim", Body=b"now fine")


def test_path_contains_matches_the_query_so_one_multipart_part_can_fail(s3, control, bucket):
    control.faults([{"kind": "internal", "method": "PUT", "pathContains": "partNumber=2"}])

    with pytest.raises(Exception) as raised:
        s3.upload_fileobj(
            io.BytesIO(os.urandom(12 * MB)),
            bucket,
            "partly.mp4",
            Config=TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=2),
        )

    assert "InternalError" in str(raised.value)
    stats = control.stats()
    assert stats["faultsInjected"] == 1 and stats["faultsPending"] == 0
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0  # no object appeared


def test_delay_fault_holds_the_request_then_forwards_it(s3, control, bucket):
    control.faults([{"kind": "delay", "delaySeconds": 0.6, "pathContains": "/slow"}])

    started = time.monotonic()
    s3.put_object(Bucket=bucket, Key="slow", Body=b"late but fine")
    delayed = time.monotonic() - started
    started = time.monotonic()
    s3.put_object(Bucket=bucket, Key="quick", Body=b"on time")
    undelayed = time.monotonic() - started

    assert delayed >= 0.6
    assert undelayed < 0.5
    assert s3.get_object(Bucket=bucket, Key="slow")["Body"].read() == b"late but fine"
    stats = control.stats()
    assert stats["faultsInjected"] == 1 and stats["forwarded"] == stats["requests"] == 3
    assert stats["faultsByKind"] == {"delay": 1}


def test_first_matching_fault_is_used_first(s3, control, bucket):
    control.faults([{"kind": "internal", "method": "GET"}, {"kind": "slowdown"}])
    codes = []
    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            s3.list_objects_v2(Bucket=bucket)
        codes.append(error_code(raised.value))
    assert codes == ["InternalError", "SlowDown"]


def test_head_request_fault_has_status_but_no_body(s3, control, bucket):
    control.faults([{"kind": "slowdown", "method": "HEAD"}])
    with pytest.raises(ClientError) as raised:
        s3.head_bucket(Bucket=bucket)
    assert http_status(raised.value) == 503
    s3.head_bucket(Bucket=bucket)  # the kept-alive connection is still in step


def test_stats_count_and_reset_clears_faults_and_counters(s3, control, bucket):
    control.faults(
        [{"kind": "slowdown", "method": "DELETE", "times": 3}, {"kind": "reset", "pathContains": "never-used"}]
    )
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    with pytest.raises(ClientError):
        s3.delete_object(Bucket=bucket, Key="k")

    assert control.stats() == {
        "requests": 2,
        "forwarded": 1,
        "faultsInjected": 1,
        "faultsPending": 3,
        "upstreamErrors": 0,
        "refused": 0,
        "byMethod": {"PUT": 1, "DELETE": 1},
        "faultsByKind": {"slowdown": 1},
        "upstream": control.health()["upstream"],
    }
    assert [fault["times"] for fault in control.pending()] == [2, 1]

    after_reset = control.reset()
    assert after_reset["requests"] == after_reset["faultsPending"] == 0
    assert after_reset["byMethod"] == {}
    s3.delete_object(Bucket=bucket, Key="k")  # no fault left
    assert control.stats()["forwarded"] == 1


def test_proxy_counts_botocore_retries_and_max_attempts_1_means_one_retry(proxy, control, bucket):
    # The production adapter's setting: botocore reads max_attempts as *retries*, so a single
    # injected fault is retried away, and the proxy sees two requests for one call.
    retrying = make_s3(proxy.base_url, max_attempts=1, mode="standard")
    control.faults([{"kind": "slowdown", "method": "PUT"}])

    retrying.put_object(Bucket=bucket, Key="k", Body=b"v")

    stats = control.stats()
    assert (stats["requests"], stats["faultsInjected"], stats["forwarded"]) == (2, 1, 1)


# ----- control API


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "explode"},
        {"kind": "slowdown", "times": 0},
        {"kind": "slowdown", "times": True},
        {"kind": "delay"},
        {"kind": "delay", "delaySeconds": -1},
        {"kind": "internal", "delaySeconds": 1},
        {"kind": "slowdown", "path": "/typo"},
        {"kind": "slowdown", "method": 7},
    ],
)
def test_control_rejects_invalid_fault_specs_and_queues_none(control, spec):
    with pytest.raises(RuntimeError, match="400"):
        control.faults([{"kind": "slowdown"}, spec])
    assert control.stats()["faultsPending"] == 0


# ----- command line


def test_cli_serves_control_api_and_forwards_until_sigterm(moto_endpoint, unused_port, repo_root, tmp_path):
    stderr_path = tmp_path / "stderr.log"
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "standins.fault_proxy",
                "--port",
                str(unused_port),
                "--upstream",
                moto_endpoint,
                "--host",
                "127.0.0.1",
            ],
            cwd=repo_root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        proxy_control = ProxyControl(f"http://127.0.0.1:{unused_port}", timeout=2)
        deadline = time.monotonic() + 10
        while True:
            try:
                assert proxy_control.health() == {"status": "ok", "upstream": moto_endpoint}
                break
            except (OSError, RuntimeError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        proxy_control.faults([{"kind": "slowdown", "method": "GET"}])
        cli_s3 = make_s3(f"http://127.0.0.1:{unused_port}")
        with pytest.raises(ClientError) as raised:
            cli_s3.list_buckets()
        assert error_code(raised.value) == "SlowDown"
        cli_s3.list_buckets()  # forwarded to moto
        assert proxy_control.stats()["forwarded"] == 1
    finally:
        process.terminate()
        exit_code = process.wait(timeout=10)

    assert exit_code == 0  # SIGTERM stops it cleanly
    log = stderr_path.read_text()
    assert f"listening on http://127.0.0.1:{unused_port}, forwarding to {moto_endpoint}" in log
    assert "GET / -> fault slowdown (503)" in log
    assert "GET / -> 200" in log
