"""Work a provider would do on the event loop at its first call, done ahead in a worker thread.

The `openai` SDK imports most of itself on first use: the first scene request after start-up
held the event loop for 0.1-0.7 s on the benchmark machine while it imported its chat
resources, and every request of the server waited. Providers that know of such work offer a
`warm_up()` method; it runs once the start-up scans are done (like the render workers), so it
neither delays `/health` nor competes with the scans.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
from collections.abc import Awaitable, Iterable
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)


@runtime_checkable
class WarmsUp(Protocol):
    """A provider with first-use work that can be done ahead, off the event loop."""

    def warm_up(self) -> None:
        """Do the work; blocking, so it is called in a worker thread."""
        ...


async def warm_up(after: Awaitable[None], parts: Iterable[object]) -> None:
    """Once `after` is done, run each part's `warm_up()` in a worker thread, one after the other."""
    await after
    # httpx reaches the network through anyio, which imports its asyncio backend at the first
    # request of any provider (0.1 s on the loop on the benchmark machine); found in `sys.modules`
    # then, it costs nothing.
    await asyncio.to_thread(importlib.import_module, "anyio._backends._asyncio")
    for part in parts:
        if isinstance(part, WarmsUp):
            await asyncio.to_thread(part.warm_up)
            log.debug("%s warmed up", type(part).__name__)
    # Everything imported so far lives as long as the process: out of the collector's sight, so that
    # a full collection under load no longer walks it. With the SDKs loaded that is ~125,000 objects,
    # ~110 ms per full collection on the benchmark machine, which showed up as the longest stall of
    # the event loop under the whole-flow load (README, Benchmarks).
    gc.freeze()
    log.debug("%d objects frozen out of garbage collection", gc.get_freeze_count())


def start_warm_up(after: Awaitable[None], parts: Iterable[object]) -> asyncio.Task[None]:
    """`warm_up` as a background task; a failure is logged (the first call then does the work itself)."""
    task = asyncio.create_task(warm_up(after, parts), name="warm-up")
    task.add_done_callback(_log_failure)
    return task


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("warming up the providers failed", exc_info=task.exception())
