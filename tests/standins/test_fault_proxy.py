"""The fault-injecting reverse proxy, driven by the real boto3 S3 client against moto, plus a
recording upstream that checks the relay is byte for byte; R2's refusals; HTTPS like R2."""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, SSLError
from moto.server import ThreadedMotoServer

from standins.fault_proxy import FaultProxy, ProxyControl
from standins.tls import make_local_tls

MB = 1024 * 1024
PART_SIZE = 8 * MB  # what the production adapter uses


# ----- fixtures


@pytest.fixture(scope="module")
def moto_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


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


def make_s3(endpoint: str, **retries):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        # One attempt in total: botocore must not retry a fault away. (Its "max_attempts" counts
        # retries, not attempts: max_attempts=1 would allow a second request.)
        config=Config(retries=retries or {"total_max_attempts": 1}, connect_timeout=5, read_timeout=10),
    )


@pytest.fixture(scope="module")
def s3(proxy):
    return make_s3(proxy.base_url)


@pytest.fixture
def bucket(s3, control) -> str:
    name = f"phoenix-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    control.reset()  # the bucket creation is not part of what the test counts
    return name


def error_code(error: ClientError) -> str:
    return error.response["Error"]["Code"]


def http_status(error: ClientError) -> int:
    return error.response["ResponseMetadata"]["HTTPStatusCode"]


# ----- a recording upstream, for checking the relay byte for byte


class RecordingUpstream:
    """Records each request (request line, headers in order, raw body bytes) and answers by path."""

    def __init__(self):
        self.requests: list[dict] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    raw = b""
                    while True:  # keep the framing: the test checks it came through unchanged
                        line = self.rfile.readline()
                        raw += line
                        size = int(line.split(b";")[0], 16)
                        if size == 0:
                            while True:
                                trailer = self.rfile.readline()
                                raw += trailer
                                if trailer == b"\r\n":
                                    break
                            break
                        raw += self.rfile.read(size + 2)
                else:
                    raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": list(self.headers.items()),
                        "body": raw,
                    }
                )
                if self.path.startswith("/teapot"):
                    body = b"short and stout"
                    self.send_response(418, "I'm a teapot")
                    self.send_header("X-Upstream", "one")
                    self.send_header("X-Upstream", "two")
                    self.send_header("ETag", '"abc"')
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(body)
                elif self.path.startswith("/chunked"):
                    self.send_response(200)
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for piece in (b"first,", b"second,", b"third"):
                        self.wfile.write(b"%x\r\n%b\r\n" % (len(piece), piece))
                    self.wfile.write(b"0\r\n\r\n")
                elif self.path.startswith("/until-close"):
                    self.send_response(200)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(b"read me until the connection closes")
                    self.close_connection = True
                else:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture(scope="module")
def recording_upstream():
    upstream = RecordingUpstream()
    upstream.thread.start()
    yield upstream
    upstream.httpd.shutdown()
    upstream.httpd.server_close()


@pytest.fixture
def relay(recording_upstream):
    """A proxy in front of the recording upstream, and the upstream (emptied)."""
    recording_upstream.requests.clear()
    with FaultProxy(recording_upstream.url, port=0, log_requests=False) as running:
        yield running, recording_upstream


def raw_request(port: int, method: str, target: str, headers: list[tuple[str, str]], body=None):
    """Sends exactly these headers (Host included) and body; returns (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        if body:
            connection.send(body)
        response = connection.getresponse()
        return response.status, response.reason, response.msg, response.read()
    finally:
        connection.close()


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


def test_control_paths_are_answered_by_the_proxy_never_forwarded(relay):
    proxy, upstream = relay
    proxy_control = ProxyControl(proxy.base_url)
    assert proxy_control.health()["status"] == "ok"
    with pytest.raises(urllib.error.HTTPError) as unknown:
        urllib.request.urlopen(f"{proxy.base_url}/_control/nope", timeout=5)
    assert unknown.value.code == 404
    assert upstream.requests == []
    assert proxy_control.stats()["requests"] == 0


# ----- the relay is byte for byte (recording upstream)


def test_request_line_headers_and_host_are_forwarded_unchanged(relay):
    proxy, upstream = relay
    target = "/bucket/key%20with%2Fodd?partNumber=3&uploadId=a%2Bb&x-id=UploadPart"
    headers = [
        ("Host", "phoenix-media.abc123.r2.cloudflarestorage.com"),
        ("X-Amz-Date", "20260101T000000Z"),
        ("x-amz-meta-Mixed-Case", "Value  with  spaces"),
        ("X-Repeated", "one"),
        ("X-Repeated", "two"),
        ("Content-Encoding", "aws-chunked"),
        ("Content-Length", "11"),
        ("Connection", "keep-alive"),
    ]

    status, _, _, body = raw_request(proxy.port, "PUT", target, headers, b"hello world")

    assert (status, body) == (200, b"ok")
    [seen] = upstream.requests
    assert (seen["method"], seen["path"], seen["body"]) == ("PUT", target, b"hello world")
    # Same headers, same order, same case; only the hop-by-hop Connection header stays behind.
    assert seen["headers"] == [header for header in headers if header[0] != "Connection"]


def test_chunked_request_body_is_relayed_with_its_framing(relay):
    proxy, upstream = relay
    framed = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-amz-checksum-crc32: AAAAAA==\r\n\r\n"
    headers = [("Host", "h"), ("Transfer-Encoding", "chunked"), ("Content-Encoding", "aws-chunked")]

    status, _, _, _ = raw_request(proxy.port, "PUT", "/b/k", headers, framed)

    assert status == 200
    assert upstream.requests[0]["body"] == framed
    assert ("Transfer-Encoding", "chunked") in upstream.requests[0]["headers"]


def test_upstream_status_headers_and_body_come_back_unchanged(relay):
    proxy, _ = relay
    status, reason, headers, body = raw_request(proxy.port, "GET", "/teapot", [("Host", "h")])
    assert (status, reason, body) == (418, "I'm a teapot", b"short and stout")
    assert headers.get_all("X-Upstream") == ["one", "two"]
    assert headers["ETag"] == '"abc"'

    status, _, headers, body = raw_request(proxy.port, "HEAD", "/teapot", [("Host", "h")])
    assert (status, body, headers["Content-Length"]) == (418, b"", "15")


def test_chunked_and_close_delimited_responses_arrive_whole(relay):
    proxy, _ = relay
    assert raw_request(proxy.port, "GET", "/chunked", [("Host", "h")])[3] == b"first,second,third"
    assert raw_request(proxy.port, "GET", "/until-close", [("Host", "h")])[3] == (
        b"read me until the connection closes"
    )


def test_unreachable_upstream_answers_502_and_counts_an_upstream_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]  # nothing listens here once the probe closes
    with FaultProxy(f"http://127.0.0.1:{dead_port}", port=0, log_requests=False) as proxy:
        status, _, _, _ = raw_request(proxy.port, "GET", "/b/k", [("Host", "h")])
        stats = ProxyControl(proxy.base_url).stats()
    assert status == 502
    assert (stats["requests"], stats["forwarded"], stats["upstreamErrors"]) == (1, 0, 1)


# ----- what R2 refuses (standins/r2_compat.py), answered as R2 answers it

CRC32_OF_HELLO = "NhCmhg=="
AWS_CHUNKED_HELLO = f"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:{CRC32_OF_HELLO}\r\n\r\n".encode()
UNAUTHORIZED = (401, "Unauthorized", "Unauthorized")


def not_implemented(header: str, value: str) -> tuple[int, str, str]:
    return 501, "NotImplemented", f"Header '{header}' with value '{value}' not implemented"


@pytest.mark.parametrize(
    "method, target, headers, body, refused",
    [
        # boto3 >= 1.36's default upload over HTTPS: a CRC32 in an aws-chunked trailer
        ("PUT", "/b/k", [("Transfer-Encoding", "chunked"), ("Content-Encoding", "aws-chunked"),
                         ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                         ("x-amz-trailer", "x-amz-checksum-crc32"), ("x-amz-decoded-content-length", "5")],
         AWS_CHUNKED_HELLO, UNAUTHORIZED),
        ("PUT", "/b/k?partNumber=1&uploadId=u", [("Content-Length", "5"),
                                                 ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")],
         b"hello", UNAUTHORIZED),
        ("PUT", "/b/k", [("Content-Length", "5"), ("x-amz-checksum-md5", "XUFAKrxLKna5cZ2REBfFkg==")], b"hello",
         not_implemented("x-amz-checksum-md5", "XUFAKrxLKna5cZ2REBfFkg==")),
        ("PUT", "/b/k", [("Content-Length", "5"), ("x-amz-sdk-checksum-algorithm", "MD5"),
                         ("x-amz-checksum-crc32", CRC32_OF_HELLO)], b"hello",
         not_implemented("x-amz-sdk-checksum-algorithm", "MD5")),
        ("POST", "/b/k?uploads", [("x-amz-checksum-algorithm", "CRC32"), ("x-amz-checksum-type", "FULL_OBJECT")],
         None, not_implemented("x-amz-checksum-type", "FULL_OBJECT")),
        ("POST", "/b/k?uploads", [("x-amz-checksum-algorithm", "CRC64NVME"), ("x-amz-checksum-type", "COMPOSITE")],
         None, not_implemented("x-amz-checksum-type", "COMPOSITE")),
    ],
    ids=["aws-chunked-trailer", "unsigned-trailer-payload", "unknown-algorithm", "unknown-sdk-algorithm",
         "crc32-full-object", "crc64nvme-composite"],
)
def test_what_r2_refuses_gets_r2s_error_and_never_reaches_upstream(relay, method, target, headers, body, refused):
    proxy, upstream = relay
    connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=5)
    try:
        for _ in range(2):  # the body was drained: the kept-alive line is still in step
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in [("Host", "h"), *headers]:
                connection.putheader(name, value)
            connection.endheaders()
            if body:
                connection.send(body)
            response = connection.getresponse()
            error = response.read().decode()
            assert response.status == refused[0]
            assert f"<Code>{refused[1]}</Code><Message>{refused[2]}</Message>" in error
    finally:
        connection.close()
    assert upstream.requests == []
    stats = ProxyControl(proxy.base_url).stats()
    assert (stats["requests"], stats["refused"], stats["forwarded"]) == (2, 2, 0)


@pytest.mark.parametrize(
    "method, headers",
    [
        ("PUT", [("x-amz-checksum-crc32", CRC32_OF_HELLO), ("x-amz-sdk-checksum-algorithm", "CRC32")]),
        ("PUT", [("x-amz-checksum-sha256", "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=")]),
        ("POST", [("x-amz-checksum-algorithm", "CRC64NVME"), ("x-amz-checksum-type", "FULL_OBJECT")]),
        ("POST", [("x-amz-checksum-algorithm", "SHA256")]),  # composite, the default for SHA256
        ("GET", [("x-amz-checksum-mode", "ENABLED")]),
        ("PUT", [("x-amz-content-sha256", "UNSIGNED-PAYLOAD")]),
    ],
)
def test_what_r2_implements_is_forwarded(relay, method, headers):
    proxy, upstream = relay
    status, _, _, _ = raw_request(proxy.port, method, "/b/k", [("Host", "h"), ("Content-Length", "5"), *headers],
                                  b"hello")
    assert status == 200
    assert len(upstream.requests) == 1 and upstream.requests[0]["body"] == b"hello"


# ----- HTTPS, like R2 (plain HTTP on the same port serves the control API only)


@pytest.fixture(scope="module")
def local_tls(tmp_path_factory):
    return make_local_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_proxy(moto_endpoint, local_tls):
    with FaultProxy(moto_endpoint, port=0, log_requests=False,
                    tls=(str(local_tls.cert_file), str(local_tls.key_file))) as running:
        yield running


def make_r2_s3(endpoint: str, ca_file):
    """A client configured as R2 needs (functions/adapters/r2.py): no default checksums."""
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="auto", aws_access_key_id="testing",
        aws_secret_access_key="testing", verify=str(ca_file) if ca_file else None,
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=10,
                      s3={"addressing_style": "path"}, request_checksum_calculation="when_required",
                      response_checksum_validation="when_required"),
    )


@pytest.fixture
def tls_bucket(moto_endpoint, tls_proxy) -> str:
    name = f"phoenix-{uuid.uuid4().hex[:12]}"
    make_s3(moto_endpoint).create_bucket(Bucket=name)  # straight to moto, as devstack does
    ProxyControl(tls_proxy.base_url).reset()
    return name


def test_one_port_serves_s3_over_https_and_the_control_api_over_plain_http(tls_proxy, local_tls, tls_bucket):
    assert tls_proxy.s3_url == f"https://127.0.0.1:{tls_proxy.port}"
    r2 = make_r2_s3(tls_proxy.s3_url, local_tls.ca_file)
    r2.put_object(Bucket=tls_bucket, Key="k", Body=b"over tls")
    assert r2.get_object(Bucket=tls_bucket, Key="k")["Body"].read() == b"over tls"

    plain = ProxyControl(tls_proxy.base_url)  # http://: control calls need no certificate
    assert plain.health()["status"] == "ok"
    with pytest.raises(ClientError) as refused:  # S3 over plain HTTP would hide what R2 refuses
        make_s3(tls_proxy.base_url).list_objects_v2(Bucket=tls_bucket)
    assert http_status(refused.value) == 400
    stats = plain.stats()
    assert (stats["requests"], stats["forwarded"]) == (3, 2)


def test_https_needs_the_local_ca(tls_proxy, tls_bucket):
    untrusting = make_r2_s3(tls_proxy.s3_url, None)  # the system CAs, which do not know ours
    with pytest.raises(Exception) as raised:
        untrusting.list_objects_v2(Bucket=tls_bucket)
    assert "certificate verify failed" in str(raised.value).lower()


def test_every_fault_kind_works_over_https(tls_proxy, local_tls, tls_bucket):
    r2 = make_r2_s3(tls_proxy.s3_url, local_tls.ca_file)
    control = ProxyControl(tls_proxy.base_url)
    control.faults([{"kind": "slowdown", "method": "PUT"}, {"kind": "internal", "method": "GET"},
                    {"kind": "delay", "method": "HEAD", "delaySeconds": 0.5}])
    with pytest.raises(ClientError) as slow:
        r2.put_object(Bucket=tls_bucket, Key="k", Body=os.urandom(2 * MB))
    assert (error_code(slow.value), http_status(slow.value)) == ("SlowDown", 503)
    with pytest.raises(ClientError) as internal:
        r2.list_objects_v2(Bucket=tls_bucket)
    assert (error_code(internal.value), http_status(internal.value)) == ("InternalError", 500)
    r2.put_object(Bucket=tls_bucket, Key="k", Body=b"v")
    started = time.monotonic()
    r2.head_object(Bucket=tls_bucket, Key="k")
    assert time.monotonic() - started >= 0.5

    control.faults([{"kind": "reset", "method": "PUT"}])
    with pytest.raises((ConnectionClosedError, EndpointConnectionError, SSLError)):
        r2.put_object(Bucket=tls_bucket, Key="reset", Body=os.urandom(MB))
    r2.put_object(Bucket=tls_bucket, Key="reset", Body=b"second try")  # new connection, fault spent
    assert r2.get_object(Bucket=tls_bucket, Key="reset")["Body"].read() == b"second try"
    assert control.stats()["faultsByKind"] == {"slowdown": 1, "internal": 1, "delay": 1, "reset": 1}


# ----- command line


def test_cli_serves_control_api_and_forwards_until_sigterm(moto_endpoint, unused_port, repo_root, tmp_path):
    stderr_path = tmp_path / "stderr.log"
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "standins.fault_proxy", "--port", str(unused_port),
             "--upstream", moto_endpoint, "--host", "127.0.0.1"],
            cwd=repo_root, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
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


def test_cli_speaks_https_given_a_certificate(moto_endpoint, unused_port, repo_root, tmp_path, local_tls):
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    process = subprocess.Popen(
        [sys.executable, "-m", "standins.fault_proxy", "--port", str(unused_port), "--upstream", moto_endpoint,
         "--tls-cert", str(local_tls.cert_file), "--tls-key", str(local_tls.key_file), "--quiet"],
        cwd=repo_root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        proxy_control = ProxyControl(f"http://127.0.0.1:{unused_port}", timeout=2)
        deadline = time.monotonic() + 10
        while True:
            try:
                proxy_control.health()
                break
            except (OSError, RuntimeError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        make_r2_s3(f"https://127.0.0.1:{unused_port}", local_tls.ca_file).list_buckets()
        assert proxy_control.stats()["forwarded"] == 1
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert f"(S3 over HTTPS: https://127.0.0.1:{unused_port})" in stderr.decode()
