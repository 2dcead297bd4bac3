"""Domain errors. The service raises these; `app/api/errors.py` maps them to HTTP in one place."""

from __future__ import annotations

from pathlib import Path


class FableError(Exception):
    """Base of every error the service reports to a client."""


class NotFound(FableError):
    """Something the request names does not exist."""


class JobNotFound(NotFound):
    """No job has this id."""


class ComicNotFound(NotFound):
    """No finished comic has this id."""


class CharacterNotFound(NotFound):
    """No character has this type."""


class SceneNotFound(NotFound):
    """The job has no scene with this number."""


class MediaNotFound(NotFound):
    """No stored file answers this path."""


class PanelNotFound(NotFound):
    """The comic has no panel with this number, or the panel has no such version."""


class ExportNotFound(NotFound):
    """No finished export has this id."""


class InvalidState(FableError):
    """The job is not in a state that allows this action (the message names the current step)."""


class IllegalTransition(InvalidState):
    """A job was asked to move to a status and step the transition table does not allow from where it is.

    Asked for by a client, it is a 409 like any `InvalidState`; raised by a background step, it is a bug.
    """

    def __init__(self, current: str, requested: str) -> None:
        super().__init__(f"the job cannot move from {current} to {requested}")
        self.current, self.requested = current, requested


class Conflict(FableError):
    """The request clashes with what is stored (an existing name, a limit reached)."""


class LimitReached(FableError):
    """A cap on what may be open at once is reached (live-event streams); retry once some have ended."""


class InvalidRequest(FableError):
    """The request is well-formed but names something that cannot be used."""


class UnsafeContent(InvalidRequest):
    """Text that is not suitable for a children's comic: a topic, feedback or a scene the moderator flagged."""

    def __init__(self, message: str, categories: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.categories = categories


class InvalidImage(FableError):
    """Bytes a provider returned are not a usable image."""


class UnsupportedImageType(FableError):
    """An uploaded picture is not one of the accepted types (PNG, JPEG, WebP), or not the type it claims."""


class TooLarge(FableError):
    """An uploaded body is over the size its route accepts."""


class CorruptDocument(FableError):
    """A stored JSON document does not parse; it is reported and skipped, never served."""


class ExportFailed(FableError):
    """An export could not be applied to a database or uploaded to storage."""


class StorageUnavailable(FableError):
    """The bucket holding the images cannot be reached or refuses the requests (the message says which)."""


class FolderBusy(FableError):
    """Another process holds the data folder; the message names it (pid, what it runs, where it serves)."""

    def __init__(
        self,
        message: str,
        *,
        folder: Path,
        pid: int | None = None,
        purpose: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.folder, self.pid, self.purpose, self.url = folder, pid, purpose, url


class ServerCallFailed(FableError):
    """`generate` asked the server holding the data folder for a comic and did not get it (the message says why)."""
