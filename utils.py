"""Small shared helpers: ids, clock, atomic file writes, the log format."""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path


def new_id() -> uuid.UUID:
    """A fresh random id for a job, comic, scene or panel."""
    return uuid.uuid4()


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a torn one.

    The bytes go to a temporary file in the same folder, are flushed to disk, and then
    `os.replace` swaps it in; a crash at any point leaves the previous content intact.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


# Every line names the instance that wrote it: with several instances (or a restart) writing to one
# log, "job <id>: ..." alone does not say which process ran the job.
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(instance_id)s]: %(message)s"


class InstanceIdFilter(logging.Filter):
    """Gives every record passing a handler the `instance_id` that LOG_FORMAT prints."""

    def __init__(self, instance_id: str) -> None:
        super().__init__()
        self.instance_id = instance_id

    def filter(self, record: logging.LogRecord) -> bool:
        """Stamp the record; never drops one."""
        record.instance_id = self.instance_id
        return True


def configure_logging(level: str, instance_id: str) -> None:
    """Log to stderr in LOG_FORMAT at `level`, each line carrying `instance_id`."""
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT)
    # On the handlers, not on a logger: a logger's filters see only its own records, and the
    # service logs under many names ("fable.jobs", "app.services...").
    for handler in logging.getLogger().handlers:
        handler.addFilter(InstanceIdFilter(instance_id))
