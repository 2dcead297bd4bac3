"""CPU-heavy rendering (lettering, the page, the PDFs) in worker processes, away from the event loop.

Pillow's drawing and encoding run largely in Python and hold the GIL, so in worker threads they
stall every request the server is answering. `CpuPool` runs them in a `ProcessPoolExecutor`
instead, created once at start-up. Workers come from a fork server (never a plain `fork` of this
process, which has threads), which imports the rendering code once; each worker is a cheap fork
of it, running at a lower priority than the server. The workers are started in the background,
so start-up does not wait for them, and they exit with the server however it ends. The server
starts them once its start-up scans are done (`start_after`): the fork server imports the whole
service, and doing that while the server itself was starting delayed its first answer by ~50 ms
on two cores. A call made before then starts them at once and waits for its worker.

Work sent here must be a top-level function taking and returning small picklable data (bytes,
strings, dataclasses): see `app/rendering/tasks.py`. `CpuPool(processes=0)` runs the same calls
in worker threads (unit tests that build services by hand, and a fallback when processes cannot
be started).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from pathlib import Path
from typing import ParamSpec, TypeVar

from app.rendering import tasks

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


# Workers run at a lower priority than the server: on a busy machine the API answers first, and
# rendering takes the time that is left (measured: GET /status p99 under load fell by half).
_NICENESS = 10
_RESTARTS = 3  # pools that may break in a row before rendering falls back to threads for good


def _worker_init(lifeline: Connection) -> None:
    """In each worker: lower its priority, leave Ctrl-C to the server (it stops the pool), exit when the server is gone.

    A worker waits for calls forever, so a server killed without shutting down (SIGKILL, a crash)
    would leave it behind; the server holds the other end of `lifeline`, which the kernel closes
    when the server dies, however it dies.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(_NICENESS)
    threading.Thread(target=_exit_with_server, args=(lifeline,), name="lifeline", daemon=True).start()


def _exit_with_server(lifeline: Connection) -> None:
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv()  # nothing is ever sent: this returns, or raises EOFError, when the server is gone
    os._exit(0)


def _preload() -> list[str]:
    """Modules the fork server imports once, so that every worker forked from it starts with them loaded.

    A worker also runs the server's main script again (as `__mp_main__`), and Python 3.11's fork
    server does not preload that script as documented; so it is preloaded here as a plain module,
    when it is one in the current folder (`python main.py serve`), and the worker's second run of
    it finds its imports done. A script elsewhere is imported by each worker itself, more slowly.
    """
    names = [tasks.__name__]
    main = sys.modules.get("__main__")
    script = getattr(main, "__file__", None)
    if script and getattr(main, "__spec__", None) is None and Path(script).resolve().parent == Path.cwd().resolve():
        names.append(Path(script).stem)
    return names


def default_processes() -> int:
    """One worker per core, at most four: rendering a comic never has more than a dozen pieces at once."""
    return max(1, min(4, os.cpu_count() or 1))


class CpuPool:
    """Runs blocking, CPU-bound functions in worker processes (or threads when `processes` is 0)."""

    def __init__(self, processes: int | None = None) -> None:
        self.processes = default_processes() if processes is None else processes
        self._executor: ProcessPoolExecutor | None = None
        self._warming: asyncio.Task[None] | None = None
        self._lifeline: Connection | None = None  # the workers exit when this closes (see `_worker_init`)
        self._restarts = 0  # pools replaced since a call last succeeded
        self._start_pending = False  # see `start_after`
        self._starting: asyncio.Task[None] | None = None

    @property
    def kind(self) -> str:
        """What the calls run in right now: "processes" or "threads"."""
        return "processes" if self._executor is not None else "threads"

    def start(self) -> None:
        """Create the process pool and start its workers in the background (call from the event loop)."""
        if self.processes <= 0 or self._executor is not None:
            return
        if self._lifeline is not None:  # a pool that broke: its workers' lifeline
            self._lifeline.close()
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_preload())
        theirs, self._lifeline = context.Pipe(duplex=False)
        self._executor = ProcessPoolExecutor(
            self.processes, mp_context=context, initializer=_worker_init, initargs=(theirs,)
        )
        self._warming = asyncio.create_task(asyncio.to_thread(self._warm_up, self._executor), name="cpu-pool-warm-up")

    def start_after(self, ready: Awaitable[object]) -> None:
        """`start` once `ready` is done (whatever its outcome), or at the first `run` before that.

        `ready` is awaited in a task of its own, which `aclose` cancels if it is still waiting.
        """
        self._start_pending = True
        self._starting = asyncio.create_task(self._start_when(asyncio.ensure_future(ready)), name="cpu-pool-start")

    async def _start_when(self, ready: asyncio.Future[object]) -> None:
        try:
            await asyncio.wait([ready])  # its outcome is its owner's business: the workers are needed anyway
        finally:
            ready.cancel()  # nothing if it is done; `aclose` before it was
        self._start_deferred()

    def _start_deferred(self) -> None:
        if self._start_pending:
            self._start_pending = False
            self.start()

    def _warm_up(self, executor: ProcessPoolExecutor) -> None:
        # One call per worker makes the executor start them all; the first start waits for the fork server.
        try:
            for future in [executor.submit(tasks.warm_up) for _ in range(self.processes)]:
                future.result()
        except (BrokenProcessPool, OSError, RuntimeError) as exc:
            log.warning("render workers did not start: %s", exc)  # `run` replaces them, or falls back to threads
            return
        log.info("render workers ready: %d process(es)", self.processes)

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`function(*args, **kwargs)` in a worker; the event loop never blocks on it."""
        self._start_deferred()  # a call before the workers were due: they start now, and it waits for one
        executor = self._executor
        if executor is None:
            return await asyncio.to_thread(function, *args, **kwargs)
        try:
            # submit() may start a worker process (after one died), which waits on the fork server: not on the loop.
            future: Future[T] = await asyncio.to_thread(executor.submit, function, *args, **kwargs)
        except (BrokenProcessPool, OSError, RuntimeError) as exc:  # broken, shut down, or no worker could start
            return await self._instead(executor, exc, function, *args, **kwargs)
        try:
            result = await asyncio.wrap_future(future)
        except BrokenProcessPool as exc:  # its worker died (killed, out of memory)
            return await self._instead(executor, exc, function, *args, **kwargs)
        self._restarts = 0
        return result

    async def _instead(
        self, executor: Executor, exc: BaseException, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run the call in a thread, and replace the broken pool (giving up after a few pools in a row failed)."""
        if self._executor is executor:
            self._executor = None
            executor.shutdown(wait=False, cancel_futures=True)  # its workers exit with it, or with their lifeline
            self._restarts += 1
            if self._restarts <= _RESTARTS:
                log.warning("the render workers stopped (%s); starting new ones", exc)
                self.start()
            else:
                log.error("render workers keep failing (%s); rendering in threads from now on", exc)
        return await asyncio.to_thread(function, *args, **kwargs)

    async def aclose(self) -> None:
        """Stop the workers (waiting for the calls in progress)."""
        executor, self._executor = self._executor, None
        self._start_pending = False
        if self._starting is not None:  # still waiting to start (or started early): stop waiting
            self._starting.cancel()
            await asyncio.gather(self._starting, return_exceptions=True)
            self._starting = None
        if self._warming is not None:
            await asyncio.gather(self._warming, return_exceptions=True)
            self._warming = None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
        if self._lifeline is not None:
            self._lifeline.close()
            self._lifeline = None
