"""The deployed functions, read from functions/main.py, the one place they are declared.

devstack (which functions must load), the bench (which invocations are task deliveries) and
the deploy manifest test read them here instead of keeping their own lists.
"""

from __future__ import annotations

import functools
import inspect


@functools.cache
def _endpoints() -> dict[str, object]:
    import main  # functions/ is on the path (phoenix.pth, pytest's pythonpath)

    return {
        fn.__firebase_endpoint__.entryPoint: fn.__firebase_endpoint__
        for _, fn in inspect.getmembers(main, inspect.isfunction)
        if hasattr(fn, "__firebase_endpoint__")
    }


def function_names() -> tuple[str, ...]:
    """Every function main.py registers, by its deployed name."""
    return tuple(sorted(_endpoints()))


def task_functions() -> frozenset[str]:
    """Those a Cloud Tasks queue dispatches (each invocation is one task delivery)."""
    return frozenset(name for name, ep in _endpoints().items() if getattr(ep, "taskQueueTrigger", None))
