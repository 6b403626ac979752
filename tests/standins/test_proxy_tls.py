"""The fault proxy speaks HTTPS like R2 on the port where plain HTTP serves the control API."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, SSLError

from standins.fault_proxy import FaultProxy, ProxyControl
from tests.standins.proxy_support import MB, error_code, http_status, make_r2_s3, make_s3


@pytest.fixture(scope="module")
def tls_proxy(moto_endpoint, local_tls):
    with FaultProxy(
        moto_endpoint, port=0, log_requests=False, tls=(str(local_tls.cert_file), str(local_tls.key_file))
    ) as running:
        yield running


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
    control.faults(
        [
            {"kind": "slowdown", "method": "PUT"},
            {"kind": "internal", "method": "GET"},
            {"kind": "delay", "method": "HEAD", "delaySeconds": 0.5},
        ]
    )
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


def test_cli_speaks_https_given_a_certificate(moto_endpoint, unused_port, repo_root, tmp_path, local_tls):
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "standins.fault_proxy",
            "--port",
            str(unused_port),
            "--upstream",
            moto_endpoint,
            "--tls-cert",
            str(local_tls.cert_file),
            "--tls-key",
            str(local_tls.key_file),
            "--quiet",
        ],
        cwd=repo_root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
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
