"""Counting what provider calls cost per job step, without threading a counter through every call.

The runner opens a meter around each step; providers (and the pipeline) record into whichever
meter is current. Tasks a step starts inherit the meter, so concurrent panels count too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from app.models.records import Usage

_current: ContextVar[Usage | None] = ContextVar("fable_usage", default=None)


def record_llm_call(tokens: int) -> None:
    """One LLM call that used `tokens` tokens."""
    if (usage := _current.get()) is not None:
        usage.llm_calls += 1
        usage.llm_tokens += tokens


def record_image() -> None:
    """One image the image model produced."""
    if (usage := _current.get()) is not None:
        usage.images += 1


def take() -> Usage | None:
    """What the current meter counted since it was last taken (None when nothing), restarting it at zero."""
    usage = _current.get()
    if usage is None or usage == Usage():
        return None
    taken = usage.model_copy()
    usage.llm_calls = usage.llm_tokens = usage.images = 0
    return taken


@contextmanager
def metering() -> Iterator[Usage]:
    """A fresh meter for the code inside the block."""
    usage = Usage()
    token = _current.set(usage)
    try:
        yield usage
    finally:
        _current.reset(token)
