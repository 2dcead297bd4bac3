"""The threads that write to DATA_DIR: durable writes wait on the disk, so they get threads of their own.

Every document and image is flushed to disk (`fsync`) before it is renamed into place, which
takes from about a millisecond to tens of milliseconds when many writes land at once (ten comics
storing their panels, lettering and pages). In asyncio's default executor (min(32, CPUs + 4)
threads: six on two cores) a burst of them took every thread, and the reads queued behind them:
in the benchmark's load phase, on a busy machine, a job read waited 16-27 ms for a free thread
at the p99 and up to 250 ms (7-9 ms and 11-18 ms with the writes here). Writes run here
instead, and reads, image checks and other short work keep the default executor to themselves.
A thread waiting on `fsync` holds no GIL, so more of them cost only memory.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# Threads are started on demand and kept; at exit the interpreter waits for the writes in progress.
_WRITERS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="fable-write")


async def in_write_thread(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)` in a writer thread: `asyncio.to_thread` for work that waits on the disk."""
    context = contextvars.copy_context()  # as asyncio.to_thread does: the caller's context variables go along
    call = functools.partial(context.run, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_WRITERS, call)
