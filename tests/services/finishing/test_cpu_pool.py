"""The render pool: work runs in other processes (or threads), workers never outlive the server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.services.finishing.cpu_pool import CpuPool
from tests.utils.server import REPO_ROOT

pytestmark = pytest.mark.anyio


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (ProcessLookupError, FileNotFoundError):
        return False
    return state != "Z"  # a zombie has exited; only its parent has not collected it yet


def _wait_gone(pids: set[int], seconds: float = 10.0) -> set[int]:
    deadline = time.monotonic() + seconds
    while (left := {pid for pid in pids if _alive(pid)}) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


async def test_calls_run_in_worker_processes_at_a_lower_priority() -> None:
    pool = CpuPool(2)
    pool.start()
    try:
        pids = {await pool.run(os.getpid) for _ in range(8)}
        assert pool.kind == "processes"
        assert os.getpid() not in pids
        assert await pool.run(os.nice, 0) > os.nice(0)  # the server answers first on a busy machine
        assert await pool.run(divmod, 7, 2) == (3, 1)
    finally:
        await pool.aclose()
    assert _wait_gone(pids) == set(), "workers still running after aclose"


async def test_workers_start_once_start_up_is_done_or_at_the_first_call() -> None:
    ready = asyncio.Event()
    pool = CpuPool(1)
    pool.start_after(ready.wait())
    try:
        await asyncio.sleep(0.05)
        assert pool.kind == "threads"  # not started while start-up is still going on
        ready.set()
        await asyncio.sleep(0.05)
        assert pool.kind == "processes"
    finally:
        await pool.aclose()

    early = CpuPool(1)
    early.start_after(asyncio.Event().wait())  # start-up never ends
    try:
        assert await early.run(os.getpid) != os.getpid()  # the call starts the workers and waits for one
    finally:
        await early.aclose()
    never = CpuPool(1)
    never.start_after(asyncio.Event().wait())
    await never.aclose()  # closed before it started: nothing to stop, nothing left waiting
    assert never.kind == "threads"


async def test_no_processes_means_worker_threads() -> None:
    pool = CpuPool(0)
    pool.start()
    assert pool.kind == "threads"
    assert await pool.run(os.getpid) == os.getpid()
    await pool.aclose()


async def test_a_worker_that_dies_is_replaced() -> None:
    pool = CpuPool(1)
    pool.start()
    try:
        pid = await pool.run(os.getpid)
        os.kill(pid, signal.SIGKILL)
        assert _wait_gone({pid}) == set()
        assert await pool.run(divmod, 9, 4) == (2, 1)  # this call in a thread, while a new worker starts
        assert await pool.run(os.getpid) not in (pid, os.getpid())
    finally:
        await pool.aclose()


_SERVER = """
import asyncio, os, sys
from app.services.finishing.cpu_pool import CpuPool

async def main() -> None:
    pool = CpuPool(2)
    pool.start()
    pids = {await pool.run(os.getpid) for _ in range(6)}
    print(" ".join(map(str, sorted(pids))), flush=True)
    os.kill(os.getpid(), 9)  # no shutdown: as if the server crashed or was killed

asyncio.run(main())
"""


def test_workers_exit_when_the_server_is_killed() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SERVER], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    pids = {int(pid) for pid in done.stdout.split()}
    assert pids
    assert _wait_gone(pids) == set(), "render workers outlived their server"
