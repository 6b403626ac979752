"""The fault proxy's relay (standins/http_relay.py) against a recording upstream: request line,
headers, chunked bodies and responses cross it byte for byte, control paths are never
forwarded, an unreachable upstream is a 502; and what R2 refuses (standins/r2_compat.py) gets
R2's error without reaching upstream."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request

import pytest

from standins.fault_proxy import FaultProxy, ProxyControl
from tests.standins.proxy_support import raw_request
from tests.support.ports import free_port


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
    dead_port = free_port()  # nothing listens here once the probe closes
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
        (
            "PUT",
            "/b/k",
            [
                ("Transfer-Encoding", "chunked"),
                ("Content-Encoding", "aws-chunked"),
                ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                ("x-amz-trailer", "x-amz-checksum-crc32"),
                ("x-amz-decoded-content-length", "5"),
            ],
            AWS_CHUNKED_HELLO,
            UNAUTHORIZED,
        ),
        (
            "PUT",
            "/b/k?partNumber=1&uploadId=u",
            [("Content-Length", "5"), ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")],
            b"hello",
            UNAUTHORIZED,
        ),
        (
            "PUT",
            "/b/k",
            [("Content-Length", "5"), ("x-amz-checksum-md5", "XUFAKrxLKna5cZ2REBfFkg==")],
            b"hello",
            not_implemented("x-amz-checksum-md5", "XUFAKrxLKna5cZ2REBfFkg=="),
        ),
        (
            "PUT",
            "/b/k",
            [
                ("Content-Length", "5"),
                ("x-amz-sdk-checksum-algorithm", "MD5"),
                ("x-amz-checksum-crc32", CRC32_OF_HELLO),
            ],
            b"hello",
            not_implemented("x-amz-sdk-checksum-algorithm", "MD5"),
        ),
        (
            "POST",
            "/b/k?uploads",
            [("x-amz-checksum-algorithm", "CRC32"), ("x-amz-checksum-type", "FULL_OBJECT")],
            None,
            not_implemented("x-amz-checksum-type", "FULL_OBJECT"),
        ),
        (
            "POST",
            "/b/k?uploads",
            [("x-amz-checksum-algorithm", "CRC64NVME"), ("x-amz-checksum-type", "COMPOSITE")],
            None,
            not_implemented("x-amz-checksum-type", "COMPOSITE"),
        ),
    ],
    ids=[
        "aws-chunked-trailer",
        "unsigned-trailer-payload",
        "unknown-algorithm",
        "unknown-sdk-algorithm",
        "crc32-full-object",
        "crc64nvme-composite",
    ],
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
    status, _, _, _ = raw_request(
        proxy.port, method, "/b/k", [("Host", "h"), ("Content-Length", "5"), *headers], b"hello"
    )
    assert status == 200
    assert len(upstream.requests) == 1 and upstream.requests[0]["body"] == b"hello"
