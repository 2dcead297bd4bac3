"""A start-up scan begun in a child process, so that it runs while the server loads the web app.

A first start on 10,000 jobs (no start-up cache yet, see `head_scan`) spent ~0.6 s parsing job
heads after ~0.6 s of importing FastAPI and building the app's routes, one after the other on
one core. `prime` forks before those imports run: the child (which shares the imported modules
and so starts at once) parses every head into the start-up cache on the other core and exits;
the server's own scan, when it comes to it, waits for the child (`wait_for`) and then only reads
the cache. Measured on the 2-core bench machine: first start 2.0-2.1 s -> see README, Benchmarks.

The child is tied to the cache by an exclusive `flock` on a lock file beside the cache, taken
before the fork and held by the child alone once the parent closes its copy; `wait_for` takes the
same lock shared. Nothing depends on the child succeeding: a child that fails or is killed leaves
no cache, or an older one, and the server's scan parses what the cache does not cover, as always.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

_POLL = 0.005  # seconds between tries of the lock while a child scans


def _lock_file(cache: Path) -> Path:
    return cache.with_name(f"{cache.name}.lock")


def prime(cache: Path, scan: Callable[[], object]) -> bool:
    """Run `scan` (which writes `cache`) in a forked child; returns whether a child was started.

    Call it before the process starts any thread (forking copies only the calling thread). No child
    is started where `fork` does not exist, or while another primer holds the same cache.
    """
    if not hasattr(os, "fork"):
        return False
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(_lock_file(cache), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        log.warning("start-up scan not begun early: %s", exc)
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    pid = os.fork()
    if pid == 0:
        _child(scan)
    os.close(fd)  # the child's copy keeps the lock until it exits
    threading.Thread(target=_reap, args=(pid,), name="start-up-scan-reaper", daemon=True).start()
    return True


def _child(scan: Callable[[], object]) -> None:
    # The parent parses and reports anything the cache leaves out, unreadable documents included.
    logging.disable(logging.CRITICAL)
    status = 1
    try:
        scan()
        status = 0
    finally:
        os._exit(status)  # never the parent's exit handlers, nor its open files' buffers


def _reap(pid: int) -> None:
    _, status = os.waitpid(pid, 0)
    if status != 0:
        log.info("the early start-up scan (pid %d) did not finish (status %d); the server scans itself", pid, status)


def wait_for(cache: Path, timeout: float = 60.0) -> None:
    """Return once no child is writing `cache` (at once when none is), or after `timeout` seconds."""
    try:
        fd = os.open(_lock_file(cache), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    log.warning("the early start-up scan of %s is still running; scanning without it", cache.parent)
                    return
                time.sleep(_POLL)
    finally:
        os.close(fd)  # releases the shared lock
