"""The functions emulator must not lose an event between itself and a function's worker.

It proxies each event to the worker's functions-framework server with Node's global HTTP agent,
which keeps the socket and reuses it for the next event (keep-alive, idle sockets kept 5 s).
gunicorn's threaded worker, which functions-framework picks when THREADS > 1, closes an idle
keep-alive connection after 2 s. An event sent down a socket the worker is closing fails with
"Request to function failed: Error: socket hang up"; the emulator kills the worker and drops
the event, which it never retries: a publish that never wrote its feed entry, a creation that
never left `pending`. With THREADS=1 (functions/.env.local, the emulator's only) gunicorn's sync
worker answers with `Connection: close`, so no socket is ever reused. Production is not
concerned: Cloud Run's front end holds the connections to an instance.
"""

from __future__ import annotations

import http.client

from ops.deploy_check import read_env_file
from tests.support.functions_framework import FUNCTIONS, deployed_env, emulator_env, serve

TARGET = "finalizegeneration"


def connection_kept(port: int) -> bool:
    """Whether the server leaves the connection open for another request after answering one."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", "/__/health")
        answer = connection.getresponse()
        answer.read()
        return not answer.will_close
    finally:
        connection.close()


def settings(env: dict[str, str]) -> dict[str, str]:
    return {**env, "GCLOUD_PROJECT": "demo-phoenix", "FUNCTION_SIGNATURE_TYPE": "http"}


def test_the_emulators_function_workers_close_each_connection_after_answering(tmp_path):
    with serve(TARGET, settings(emulator_env()), tmp_path / "server.log") as port:
        assert connection_kept(port) is False, "a kept connection can be reused as the worker closes it"


def test_the_deployed_threads_keep_connections_so_the_emulator_must_set_its_own(tmp_path):
    deployed = deployed_env()
    assert int(deployed["THREADS"]) > 1
    env = settings({**read_env_file(FUNCTIONS / ".env.local"), **deployed})
    with serve(TARGET, env, tmp_path / "server.log") as port:
        assert connection_kept(port) is True
