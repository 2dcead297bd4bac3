"""A gate that stops a store's worker-thread call half-way, so a test can cancel at that exact moment.

Also the job changes the cancel tests race: storing a panel, marking the job cancelled.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from app.models.records import Job, Panel
from app.models.states import JobStatus
from app.models.transitions import move

# Far longer than any step here takes; only reached when the test itself is broken.
_STUCK = 10.0


class Gate:
    """Holds calls of `owner.<name>` (in whatever thread runs them) until `open`, for those `holds` picks.

    `entered` is set once a held call has started, so the test knows the call is under way.
    """

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str, holds: Callable[..., bool] = lambda *a: True
    ) -> None:
        self.entered = threading.Event()
        self._open = threading.Event()
        original = getattr(owner, name)

        def gated(*args: Any) -> Any:
            if holds(*args):
                self.entered.set()
                if not self._open.wait(_STUCK):
                    raise TimeoutError("the gate was never opened")
            return original(*args)

        monkeypatch.setattr(owner, name, gated)

    async def reached(self) -> None:
        """Return once a held call has started."""
        assert await asyncio.to_thread(self.entered.wait, _STUCK), "no call reached the gate"

    def wait_reached(self) -> None:
        """`reached`, from a thread with no event loop."""
        assert self.entered.wait(_STUCK), "no call reached the gate"

    def open(self) -> None:
        """Let every held call (and every later one) go on."""
        self._open.set()


def panel(number: int) -> Panel:
    """A stored panel record (no image file behind it)."""
    return Panel(
        panel_id=number,
        scene_id=number,
        prompt=f"scene {number}",
        image_path=f"images/comics/x/panel-{number}.png",
        content_type="image/png",
        width=4,
        height=4,
        size_bytes=10,
        sha256="0" * 64,
        seed=1,
        provider="offline",
    )


def store_panel(job: Job) -> None:
    """A job change as drawing makes it: one more panel."""
    job.panels.append(panel(len(job.panels) + 1))


def mark_cancelled(job: Job) -> None:
    """The job change `ComicService.cancel` makes."""
    move(job, JobStatus.CANCELLED, error="cancelled on request; retry to resume")
