"""One owner per data folder: an exclusive `flock` on `DATA_DIR/.lock`, and who holds it in `DATA_DIR/.owner.json`.

Jobs are changed by whichever process runs them, and a process that starts treats every job it
finds mid-step as orphaned (`ComicService.recover`). Two processes on one folder would therefore
mark each other's jobs `interrupted` and go on writing them. So the serving process, or a
`generate` run without a server, holds the folder for its whole life.

`flock` rather than a pid file: the kernel drops the lock when its holder dies, SIGKILL included,
so a crash never leaves a folder that needs unlocking by hand. The `.lock` file itself is never
deleted (a process that deleted it could let two others lock two different files of that name).
The owner record says who holds the lock and where it serves; it is only believed while the lock
is held, so one left by a killed process is harmless. Locks are per open file, so a process
re-enters its own hold (`_serve` takes it before uvicorn starts; the app's lifespan takes it again).

Readers (`doctor`, `export`) never take the lock: they only read, and every write is atomic.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from app.errors import FolderBusy
from utils import atomic_write_bytes, utcnow

log = logging.getLogger("fable.storage")

LOCK_FILE = ".lock"
OWNER_FILE = ".owner.json"
Purpose = Literal["serve", "generate"]
# Set by a holder for the worker processes it starts itself (`lend_to_children`); names the holder's pid.
LENT_ENV = "FABLE_DATA_DIR_LENT_BY"
# The holder writes its record just after it takes the lock; a reader that finds none (or an old one)
# waits this long for it before naming the holder as unknown.
_RECORD_WAIT_SECONDS = 2.0


class FolderOwner(BaseModel):
    """The process holding a data folder, as it recorded itself."""

    pid: int
    purpose: Purpose
    url: str | None = None  # where a serving owner answers HTTP (None: not serving, or not known)
    hostname: str
    started_at: datetime

    def describe(self) -> str:
        """`the server at http://127.0.0.1:8000 (pid 123, since ...)`, for messages."""
        what = "`python main.py generate`" if self.purpose == "generate" else "a server"
        if self.url:
            what = f"the server at {self.url}"
        host = "" if self.hostname == socket.gethostname() else f" on {self.hostname}"
        since = self.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        return f"{what} (pid {self.pid}{host}, since {since})"


@dataclass
class _Hold:
    fd: int | None  # None: borrowed from the parent process (see `hold`)
    owner: FolderOwner
    count: int = 1


_held: dict[Path, _Hold] = {}
_guard = threading.Lock()  # the registry is shared by the event loop's worker threads


class FolderLock:
    """One hold on a data folder; `release` it once (the process's last release unlocks the folder)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._released = False

    @property
    def owner(self) -> FolderOwner:
        """This process's record in the folder."""
        return _held[self.folder].owner

    def release(self) -> None:
        """Give this hold back; idempotent."""
        with _guard:
            if self._released:
                return
            self._released = True
            hold = _held[self.folder]
            hold.count -= 1
            if hold.count:
                return
            del _held[self.folder]
            if hold.fd is not None:
                with contextlib.suppress(FileNotFoundError):
                    (self.folder / OWNER_FILE).unlink()
                os.close(hold.fd)  # closing the only descriptor drops the flock
                log.info("data folder %s released", self.folder)

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def hold(data_dir: Path, purpose: Purpose = "serve", url: str | None = None) -> FolderLock:
    """Take the data folder for this process (created if missing); raises FolderBusy naming the holder.

    Blocking file I/O: call it from a worker thread in async code. A hold this process already has is
    shared (and learns `url` if it had none). A child of a holder that lent it the folder (see
    `lend_to_children`) works under its parent's hold.
    """
    folder = data_dir.resolve()
    with _guard:
        if (existing := _held.get(folder)) is not None:
            existing.count += 1
            if url and existing.fd is not None and existing.owner.url != url:
                existing.owner = existing.owner.model_copy(update={"url": url})
                _write_owner(folder, existing.owner)
        else:
            _held[folder] = _take(folder, purpose, url)
    return FolderLock(folder)


def _take(folder: Path, purpose: Purpose, url: str | None) -> _Hold:
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by children (PEP 446)
    owner = FolderOwner(pid=os.getpid(), purpose=purpose, url=url, hostname=socket.gethostname(), started_at=utcnow())
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        holder = _wait_for_record(folder)
        if holder is not None and holder.pid == os.getppid() and os.environ.get(LENT_ENV) == str(holder.pid):
            return _Hold(None, holder)
        raise _busy(folder, holder) from None
    try:
        _write_owner(folder, owner)
    except BaseException:
        os.close(fd)  # drops the lock: a folder whose owner cannot say who it is is not held
        raise
    log.info("data folder %s held by pid %d (%s)", folder, owner.pid, purpose)
    return _Hold(fd, owner)


def lend_to_children() -> None:
    """Let the worker processes this holder starts from now on work under its hold (uvicorn's `--reload`).

    The supervisor keeps the folder while the workers come and go with each code change; only a direct
    child that inherits this process's environment is lent it, never another process that finds it busy.
    """
    os.environ[LENT_ENV] = str(os.getpid())


def _busy(folder: Path, owner: FolderOwner | None) -> FolderBusy:
    who = owner.describe() if owner else "another process (it has not said which)"
    message = f"the data folder {folder} is in use by {who}; stop that process first, or give this one another DATA_DIR"
    if owner is None:
        return FolderBusy(message, folder=folder)
    return FolderBusy(message, folder=folder, pid=owner.pid, purpose=owner.purpose, url=owner.url)


def _write_owner(folder: Path, owner: FolderOwner) -> None:
    atomic_write_bytes(folder / OWNER_FILE, owner.model_dump_json(indent=2).encode())


def _read_owner(folder: Path) -> FolderOwner | None:
    try:
        return FolderOwner.model_validate_json((folder / OWNER_FILE).read_bytes())
    except (FileNotFoundError, ValidationError):
        return None


def _wait_for_record(folder: Path) -> FolderOwner | None:
    """The holder's record; a missing one, or one naming a process that is gone, is waited for a moment."""
    deadline = time.monotonic() + _RECORD_WAIT_SECONDS
    while True:
        owner = _read_owner(folder)
        if owner is not None and _alive(owner.pid):
            return owner
        if time.monotonic() > deadline:
            return None  # a holder that never said who it is (or a record its dead predecessor left)
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process, alive
        return True
    return True
