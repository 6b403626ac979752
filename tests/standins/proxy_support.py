"""Helpers the fault proxy's tests share: the boto3 clients (plain S3 and R2's settings), a
recording upstream that checks the relay byte for byte, and raw requests. The fixtures built on
them are in conftest.py."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from standins.control import ServiceHTTPServer

MB = 1024 * 1024
PART_SIZE = 8 * MB  # what the production adapter uses


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

        self.httpd = ServiceHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


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


# ----- HTTPS, like R2


def make_r2_s3(endpoint: str, ca_file):
    """A client configured as R2 needs (functions/adapters/r2.py): no default checksums."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="auto",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        verify=str(ca_file) if ca_file else None,
        config=Config(
            retries={"total_max_attempts": 1},
            connect_timeout=5,
            read_timeout=10,
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )
