"""One SDK client per configuration per process, created under a lock.

functools.lru_cache may run the factory twice when threads race on a cold cache; for
google-genai the loser's client is garbage-collected and its __del__ closes the HTTP
transport the winner shares, and boto3 client creation is not thread-safe either.
"""

from __future__ import annotations

import functools
import threading


def one_per_config(factory):
    cache: dict = {}
    lock = threading.Lock()

    @functools.wraps(factory)
    def get(*args):
        try:
            return cache[args]
        except KeyError:
            pass
        with lock:
            if args not in cache:
                cache[args] = factory(*args)
            return cache[args]

    return get
