"""The moves a job may make between statuses and steps, and `move`, the one function that makes them.

`workflow.py` says which actions a parent may ask for in a state; this table says where any code,
a request or a background step, may take a job from there. Every status change goes through
`move`, so a step cannot skip the timeline (`history`), the log line or the check: a guard test
fails on any other assignment of `status` or `step` under `app/`. Creating a job is not a move:
its first state is whatever the job is stored with (see `DataManager.create_job`).
"""

from __future__ import annotations

import logging
from collections.abc import Set
from datetime import datetime
from typing import NamedTuple

from app.errors import IllegalTransition
from app.models.records import Job
from app.models.states import (
    REVISING_STEPS,
    RUNNING_STEPS,
    STOPPED_STATUSES,
    WAITING_STEPS,
    JobStatus,
    JobStep,
)
from app.models.workflow import STEP_PROGRESS
from utils import utcnow

log = logging.getLogger("fable.jobs")

State = tuple[JobStatus, JobStep]


class Rule(NamedTuple):
    """A job in any of `statuses` at any of `steps` may move to any of `to` at any of `to_steps`."""

    statuses: Set[JobStatus]
    steps: Set[JobStep]
    to: Set[JobStatus]
    to_steps: Set[JobStep] | None  # None: the job stays at the step it is at


PROCESSING, REQUIRES_ACTION, COMPLETED = JobStatus.PROCESSING, JobStatus.REQUIRES_ACTION, JobStatus.COMPLETED
UNSETTLED = frozenset({JobStatus.PENDING, JobStatus.PROCESSING})

TRANSITIONS: tuple[Rule, ...] = (
    # A background step ends: scenes written or rewritten, the panels drawn, one panel revised.
    Rule({PROCESSING}, {JobStep.GENERATING_SCENES, JobStep.REFINING_SCENES}, {REQUIRES_ACTION}, {JobStep.SCENE_REVIEW}),
    Rule({PROCESSING}, {JobStep.GENERATING_IMAGES, *REVISING_STEPS}, {COMPLETED}, {JobStep.COMPLETED}),
    # The parent refines the scenes, approves them (then casts, or generates if cast before), casts, generates.
    Rule({REQUIRES_ACTION}, WAITING_STEPS, {PROCESSING}, {JobStep.REFINING_SCENES}),
    Rule({REQUIRES_ACTION}, {JobStep.SCENE_REVIEW}, {REQUIRES_ACTION}, {JobStep.CHARACTER_SELECTION}),
    Rule({REQUIRES_ACTION}, WAITING_STEPS, {REQUIRES_ACTION}, {JobStep.COMIC_GENERATION}),
    Rule({REQUIRES_ACTION}, {JobStep.COMIC_GENERATION}, {PROCESSING}, {JobStep.GENERATING_IMAGES}),
    # A panel of a finished comic is redrawn or restored, also in place of a revision that stopped.
    Rule({COMPLETED}, {JobStep.COMPLETED}, {PROCESSING}, REVISING_STEPS),
    Rule(STOPPED_STATUSES, REVISING_STEPS, {PROCESSING}, REVISING_STEPS),
    # `retry` re-enters the step the job stopped in.
    Rule(STOPPED_STATUSES, RUNNING_STEPS, {PROCESSING}, None),
    # Unfinished work fails, is cancelled, or is found unfinished at start-up. From any step:
    # start-up must be able to settle whatever it finds, a document mended by hand included.
    Rule(UNSETTLED, frozenset(JobStep), STOPPED_STATUSES, None),
)


def _targets() -> dict[State, frozenset[State]]:
    targets: dict[State, set[State]] = {}
    for rule in TRANSITIONS:
        for status in rule.statuses:
            for step in rule.steps:
                targets.setdefault((status, step), set()).update(
                    (to, to_step) for to in rule.to for to_step in (rule.to_steps or {step})
                )
    return {state: frozenset(found) for state, found in targets.items()}


_TARGETS = _targets()


def allowed(current: State, requested: State) -> bool:
    """Whether the table lets a job go from `current` to `requested` (status, step)."""
    return requested in _TARGETS.get(current, frozenset())


def move(
    job: Job, to: JobStatus, *, step: JobStep | None = None, error: str | None = None, now: datetime | None = None
) -> None:
    """Move `job` to status `to` at `step` (None: the step it is at), or raise IllegalTransition.

    `error` says why a job stopped; every other move clears it. Entering a step sets its progress.
    A change is recorded in `history`, stamped `now` (`completed_at` too, the first time the comic
    is finished: a revised comic keeps it) and logged once; staying where the job is (casting again
    while waiting to generate) records nothing.
    """
    current = (job.status, job.step)
    requested = (to, job.step if step is None else step)
    if not allowed(current, requested):
        raise IllegalTransition(_name(current), _name(requested))
    job.error = error
    if step is not None:
        job.progress = STEP_PROGRESS[step]
    if requested == current:
        return
    job.status, job.step = requested
    at = now or utcnow()
    job.updated_at = at
    if to == JobStatus.COMPLETED and job.completed_at is None:
        job.completed_at = at
    job.record_state(at)
    why = f" ({error})" if error and to == JobStatus.FAILED else ""
    log.info("job %s: %s -> %s%s", job.id, _name(current), _name(requested), why)


def _name(state: State) -> str:
    return f"{state[0].value}/{state[1].value}"
