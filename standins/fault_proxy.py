"""A fault-injecting HTTP reverse proxy: lets R2 (S3) fail the ways a real network service fails.

The backend's boto3 client is pointed at the proxy and the proxy forwards every request, byte for
byte, to the real (or moto) S3 endpoint behind it. Tests queue faults through `/_control/`:
`slowdown` (503 SlowDown), `internal` (500 InternalError), `reset` (the connection is dropped
with no response) and `delay` (the request is held, then forwarded). Standard library only.

It is also where the local R2 is as strict as R2: requests R2 refuses (aws-chunked trailing
checksums, checksum algorithms R2 does not implement) get R2's error and never reach moto
(see standins/r2_compat.py). Given a certificate (`tls=(cert, key)`), the port speaks HTTPS
like R2 does, because boto3 sends its checksums differently over HTTPS; plain HTTP on the
same port then serves only the control API (so `http://host:port/_control/...` keeps working).

Layout: this file holds the proxy's state, fault specs, control methods and CLI; the faults are
queued in standins/faults.py (shared with the Veo stand-in), each request is decided in
standins/proxy_http.py (fault, R2 refusal or relay), and standins/http_relay.py frames the relay.

Run:  python -m standins.fault_proxy --port 9010 --upstream http://127.0.0.1:9000 \
          [--tls-cert cert.pem --tls-key key.pem]
Use in-process:  proxy = FaultProxy("http://127.0.0.1:9000", port=0); proxy.start(); ...; proxy.stop()
"""

from __future__ import annotations

import argparse
import ssl
import threading
from dataclasses import dataclass
from typing import Any

from standins.control import ControlClient, ServedOnPort, run_until_signalled
from standins.faults import FaultQueue, FaultSpecError, check_fields, check_kind, check_times, not_number, specs_of
from standins.http_relay import RelayServer, Upstream
from standins.proxy_http import ERROR_FAULTS, ControlError, _log, make_handler

DEFAULT_PORT = 9010
DEFAULT_UPSTREAM = "http://127.0.0.1:9000"
DEFAULT_UPSTREAM_TIMEOUT = 120.0

FAULT_KINDS = tuple(ERROR_FAULTS) + ("reset", "delay")


@dataclass
class Fault:
    """A queued proxy fault: what it does (`kind`) to which requests (method, path), how often."""

    kind: str
    method: str | None = None  # upper case; None matches any method
    path_contains: str | None = None  # matched against path + query as the client sent them
    times: int = 1
    delay_seconds: float = 0.0

    @classmethod
    def from_json(cls, spec: Any) -> Fault:
        """Raises FaultSpecError for a spec the proxy cannot act on."""
        spec = check_fields(spec, ("kind", "method", "pathContains", "times", "delaySeconds"))
        kind, method, path_contains = spec.get("kind"), spec.get("method"), spec.get("pathContains")
        times, delay = spec.get("times", 1), spec.get("delaySeconds")
        check_kind(kind, FAULT_KINDS)
        if method is not None and (not isinstance(method, str) or not method.strip()):
            raise FaultSpecError(f"fault 'method' must be an HTTP method or null, got {method!r}")
        if path_contains is not None and not isinstance(path_contains, str):
            raise FaultSpecError(f"fault 'pathContains' must be a string or null, got {path_contains!r}")
        check_times(times)
        if kind == "delay":
            if not_number(delay) or delay < 0:
                raise FaultSpecError(f"a delay fault needs 'delaySeconds' >= 0, got {delay!r}")
        elif delay is not None:
            raise FaultSpecError(f"'delaySeconds' only applies to kind 'delay', not {kind!r}")
        return cls(
            kind=kind,
            method=method.strip().upper() if method is not None else None,
            path_contains=path_contains,
            times=times,
            delay_seconds=float(delay or 0.0),
        )

    def matches(self, method: str, target: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        return self.path_contains is None or self.path_contains in target

    def to_json(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "kind": self.kind,
            "method": self.method,
            "pathContains": self.path_contains,
            "times": self.times,
        }
        if self.kind == "delay":
            spec["delaySeconds"] = self.delay_seconds
        return spec


class FaultProxy(ServedOnPort):
    """The proxy. `start()` serves from a background thread; `stop()` ends it."""

    thread_name = "fault-proxy"

    def __init__(
        self,
        upstream: str = DEFAULT_UPSTREAM,
        host: str = "127.0.0.1",
        port: int = 0,
        log_requests: bool = True,
        upstream_timeout: float = DEFAULT_UPSTREAM_TIMEOUT,
        tls: tuple[str, str] | None = None,
    ):
        """`tls`: (certificate chain file, key file) to speak HTTPS on the same port."""
        self.upstream = upstream.rstrip("/")
        self._tls_context: ssl.SSLContext | None = None
        if tls is not None:
            self._tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls_context.load_cert_chain(*tls)
        self.upstream_server = Upstream(upstream, upstream_timeout)
        self.host = host
        self.requested_port = port
        self.log_requests = log_requests
        self.upstream_timeout = upstream_timeout
        self._faults: FaultQueue[Fault] = FaultQueue()
        self._lock = threading.Lock()  # guards the counters below
        self._requests = 0
        self._forwarded = 0
        self._upstream_errors = 0
        self._refused = 0
        self._by_method: dict[str, int] = {}
        self._httpd: RelayServer | None = None

    # ----- lifecycle

    def _make_httpd(self) -> RelayServer:
        httpd = RelayServer((self.host, self.requested_port), make_handler(self))
        httpd.tls_context = self._tls_context
        return httpd

    def stop(self) -> None:
        httpd = self._httpd
        super().stop()
        if httpd is not None:
            httpd.close_connections()  # the relayed connections a fault still holds

    @property
    def s3_url(self) -> str:
        """Where S3 clients go: https:// when the proxy has a certificate."""
        return self.base_url.replace("http://", "https://", 1) if self._tls_context else self.base_url

    @property
    def speaks_tls(self) -> bool:
        return self._tls_context is not None

    # ----- faults and counters

    def take_fault(self, method: str, target: str, consume: bool = True) -> Fault | None:
        """Counts the request and consumes one use of the first pending fault that matches it
        (a copy with times=1, so the caller sees the fault as it was consumed)."""
        with self._lock:
            self._requests += 1
            self._by_method[method] = self._by_method.get(method, 0) + 1
        if not consume:
            return None
        return self._faults.take(lambda fault: fault.matches(method, target))

    def count_forwarded(self) -> None:
        with self._lock:
            self._forwarded += 1

    def count_upstream_error(self) -> None:
        with self._lock:
            self._upstream_errors += 1

    def count_refused(self) -> None:
        with self._lock:
            self._refused += 1

    # ----- control API

    def add_faults(self, body: Any) -> dict[str, Any]:
        try:
            faults = [Fault.from_json(spec) for spec in specs_of(body)]
        except FaultSpecError as error:
            raise ControlError(str(error)) from error
        return {"faultsPending": self._faults.add(faults)}

    def pending_faults(self) -> dict[str, Any]:
        return {"faults": [fault.to_json() for fault in self._faults.pending()]}

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self._requests,
                "forwarded": self._forwarded,
                "faultsInjected": self._faults.injected(),
                "faultsPending": self._faults.pending_count(),
                "upstreamErrors": self._upstream_errors,
                "refused": self._refused,
                "byMethod": dict(self._by_method),
                "faultsByKind": self._faults.injected_by_kind(),
                "upstream": self.upstream,
            }

    def reset(self) -> dict[str, Any]:
        with self._lock:
            self._faults.clear()
            self._requests = self._forwarded = self._upstream_errors = 0
            self._refused = 0
            self._by_method.clear()
        return self.stats()


class ProxyControl(ControlClient):
    """Client for the proxy's control API: faults are e.g.
    [{"kind": "slowdown", "method": "PUT", "pathContains": "/bucket/", "times": 2}]."""

    def pending(self) -> list[dict[str, Any]]:
        return self._call("GET", "faults")["faults"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m standins.fault_proxy", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument(
        "--upstream",
        default=DEFAULT_UPSTREAM,
        help=f"the server requests are forwarded to (default: {DEFAULT_UPSTREAM})",
    )
    parser.add_argument(
        "--upstream-timeout",
        type=float,
        default=DEFAULT_UPSTREAM_TIMEOUT,
        help="seconds to wait on the upstream server before answering 502",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log one line per request")
    parser.add_argument("--tls-cert", help="certificate chain (PEM): S3 requests then need HTTPS")
    parser.add_argument("--tls-key", help="private key (PEM) of --tls-cert")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")

    try:
        proxy = FaultProxy(
            upstream=args.upstream,
            host=args.host,
            port=args.port,
            log_requests=not args.quiet,
            upstream_timeout=args.upstream_timeout,
            tls=(args.tls_cert, args.tls_key) if args.tls_cert else None,
        )
    except (ValueError, OSError) as error:
        parser.error(str(error))
    stopping = run_until_signalled(proxy)
    tls_note = f" (S3 over HTTPS: {proxy.s3_url})" if proxy.speaks_tls else ""
    _log(f"listening on {proxy.base_url}{tls_note}, forwarding to {proxy.upstream}")
    stopping.wait()
    proxy.stop()


if __name__ == "__main__":
    main()
