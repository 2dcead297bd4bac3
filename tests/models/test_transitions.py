"""The transition table: the moves it allows and refuses, what a move records, and that nothing else moves a job."""

from __future__ import annotations

import ast
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from app.errors import IllegalTransition, InvalidState
from app.models.records import Job, Providers
from app.models.states import AgeGroup, JobStatus, JobStep
from app.models.transitions import allowed, move

PENDING, PROCESSING, REQUIRES_ACTION = JobStatus.PENDING, JobStatus.PROCESSING, JobStatus.REQUIRES_ACTION
COMPLETED, FAILED, CANCELLED, INTERRUPTED = (
    JobStatus.COMPLETED,
    JobStatus.FAILED,
    JobStatus.CANCELLED,
    JobStatus.INTERRUPTED,
)
S = JobStep

APP = Path(__file__).resolve().parents[2] / "app"
TRANSITIONS_MODULE = APP / "models" / "transitions.py"

ALLOWED = [
    ((PROCESSING, S.GENERATING_SCENES), (REQUIRES_ACTION, S.SCENE_REVIEW)),  # scenes written
    ((PROCESSING, S.REFINING_SCENES), (REQUIRES_ACTION, S.SCENE_REVIEW)),  # scenes rewritten
    ((REQUIRES_ACTION, S.SCENE_REVIEW), (PROCESSING, S.REFINING_SCENES)),  # refine ...
    ((REQUIRES_ACTION, S.COMIC_GENERATION), (PROCESSING, S.REFINING_SCENES)),  # ... also once cast
    ((REQUIRES_ACTION, S.SCENE_REVIEW), (REQUIRES_ACTION, S.CHARACTER_SELECTION)),  # approve
    ((REQUIRES_ACTION, S.SCENE_REVIEW), (REQUIRES_ACTION, S.COMIC_GENERATION)),  # approve, cast before
    ((REQUIRES_ACTION, S.CHARACTER_SELECTION), (REQUIRES_ACTION, S.COMIC_GENERATION)),  # cast
    ((REQUIRES_ACTION, S.COMIC_GENERATION), (REQUIRES_ACTION, S.COMIC_GENERATION)),  # cast again
    ((REQUIRES_ACTION, S.COMIC_GENERATION), (PROCESSING, S.GENERATING_IMAGES)),  # generate
    ((PROCESSING, S.GENERATING_IMAGES), (COMPLETED, S.COMPLETED)),  # drawn
    ((COMPLETED, S.COMPLETED), (PROCESSING, S.REDRAWING_PANEL)),  # redraw a panel
    ((COMPLETED, S.COMPLETED), (PROCESSING, S.RESTORING_PANEL)),  # restore a version
    ((PROCESSING, S.RESTORING_PANEL), (COMPLETED, S.COMPLETED)),  # revised
    ((FAILED, S.REDRAWING_PANEL), (PROCESSING, S.RESTORING_PANEL)),  # another revision in place of a failed one
    ((FAILED, S.GENERATING_IMAGES), (PROCESSING, S.GENERATING_IMAGES)),  # retry
    ((CANCELLED, S.GENERATING_SCENES), (PROCESSING, S.GENERATING_SCENES)),  # retry after a cancel
    ((INTERRUPTED, S.REDRAWING_PANEL), (PROCESSING, S.REDRAWING_PANEL)),  # retry after a restart
    ((PROCESSING, S.GENERATING_IMAGES), (FAILED, S.GENERATING_IMAGES)),  # a step fails
    ((PROCESSING, S.REFINING_SCENES), (CANCELLED, S.REFINING_SCENES)),  # cancel
    ((PENDING, S.GENERATING_SCENES), (INTERRUPTED, S.GENERATING_SCENES)),  # found unstarted at start-up
    ((PROCESSING, S.COMPLETED), (INTERRUPTED, S.COMPLETED)),  # found mid-step at start-up, whatever the document says
]

FORBIDDEN = [
    ((REQUIRES_ACTION, S.SCENE_REVIEW), (COMPLETED, S.COMPLETED)),  # finished without drawing
    ((REQUIRES_ACTION, S.CHARACTER_SELECTION), (PROCESSING, S.GENERATING_IMAGES)),  # generate before casting
    ((REQUIRES_ACTION, S.CHARACTER_SELECTION), (REQUIRES_ACTION, S.CHARACTER_SELECTION)),  # approve twice
    ((REQUIRES_ACTION, S.SCENE_REVIEW), (FAILED, S.SCENE_REVIEW)),  # nothing runs, so nothing fails
    ((REQUIRES_ACTION, S.COMIC_GENERATION), (CANCELLED, S.COMIC_GENERATION)),  # nothing runs, so nothing is cancelled
    ((PROCESSING, S.GENERATING_IMAGES), (PROCESSING, S.GENERATING_IMAGES)),  # a running step started again
    ((PROCESSING, S.GENERATING_SCENES), (PENDING, S.GENERATING_SCENES)),  # nothing goes back to pending
    ((COMPLETED, S.COMPLETED), (FAILED, S.COMPLETED)),  # a finished comic cannot fail
    ((COMPLETED, S.COMPLETED), (PROCESSING, S.GENERATING_IMAGES)),  # nor be drawn again
    ((COMPLETED, S.GENERATING_IMAGES), (PROCESSING, S.REDRAWING_PANEL)),  # completed by hand mid-drawing: no revision
    ((CANCELLED, S.GENERATING_IMAGES), (COMPLETED, S.COMPLETED)),  # a cancelled step does not finish
    ((FAILED, S.GENERATING_IMAGES), (PROCESSING, S.GENERATING_SCENES)),  # retry enters the step it stopped in
    ((FAILED, S.SCENE_REVIEW), (PROCESSING, S.SCENE_REVIEW)),  # nothing to resume at a waiting step
    ((FAILED, S.GENERATING_IMAGES), (CANCELLED, S.GENERATING_IMAGES)),  # a stopped job stays stopped until retried
    (
        (INTERRUPTED, S.GENERATING_IMAGES),
        (PROCESSING, S.REDRAWING_PANEL),
    ),  # a comic not yet finished has no panel to revise
]


def _job(status: JobStatus = PROCESSING, step: JobStep = S.GENERATING_SCENES, **fields: object) -> Job:
    return Job(
        topic="sharing toys",
        age_group=AgeGroup.YOUNG,
        seed=1,
        providers=Providers(text="t"),
        status=status,
        step=step,
        **fields,
    )


@pytest.mark.parametrize(("current", "requested"), ALLOWED)
def test_allowed_moves(current: tuple[JobStatus, JobStep], requested: tuple[JobStatus, JobStep]) -> None:
    assert allowed(current, requested)
    job = _job(*current)
    move(job, requested[0], step=requested[1])
    assert (job.status, job.step) == requested


@pytest.mark.parametrize(("current", "requested"), FORBIDDEN)
def test_forbidden_moves_raise_and_leave_the_job_as_it_was(
    current: tuple[JobStatus, JobStep], requested: tuple[JobStatus, JobStep]
) -> None:
    assert not allowed(current, requested)
    job = _job(*current)
    before = job.model_dump()
    with pytest.raises(IllegalTransition) as refused:
        move(job, requested[0], step=requested[1])
    assert job.model_dump() == before
    name = "{}/{}".format
    assert str(refused.value) == f"the job cannot move from {name(*current)} to {name(*requested)}"
    assert isinstance(refused.value, InvalidState)  # so a client asking for it gets a 409


def test_a_move_enters_the_step_records_stamps_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="fable.jobs")
    job = _job(PROCESSING, S.GENERATING_IMAGES, progress=70)
    at = job.created_at + timedelta(minutes=5)
    move(job, FAILED, error="out of ink", now=at)
    # A stop keeps the step and the progress, so that retry resumes where the job was.
    assert (job.status, job.step, job.progress, job.error) == (FAILED, S.GENERATING_IMAGES, 70, "out of ink")
    assert (job.history[-1].status, job.history[-1].step, job.history[-1].at) == (FAILED, S.GENERATING_IMAGES, at)
    assert job.updated_at == at
    assert [r.getMessage() for r in caplog.records] == [
        f"job {job.id}: processing/generating_images -> failed/generating_images (out of ink)"
    ]

    move(job, PROCESSING, now=at + timedelta(minutes=1))  # retry
    assert (job.status, job.step, job.progress, job.error) == (PROCESSING, S.GENERATING_IMAGES, 70, None)
    move(job, COMPLETED, step=S.COMPLETED)
    assert (job.progress, len(job.history), len(caplog.records)) == (100, 3, 3)


def test_completed_at_is_when_the_comic_was_first_finished() -> None:
    job = _job(PROCESSING, S.GENERATING_IMAGES)
    first = job.created_at + timedelta(hours=1)
    move(job, COMPLETED, step=S.COMPLETED, now=first)
    move(job, PROCESSING, step=S.REDRAWING_PANEL)
    move(job, COMPLETED, step=S.COMPLETED, now=first + timedelta(hours=1))
    assert job.completed_at == first


def test_staying_put_records_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="fable.jobs")
    job = _job(REQUIRES_ACTION, S.COMIC_GENERATION, progress=0)
    move(job, REQUIRES_ACTION, step=S.COMIC_GENERATION)
    assert (job.history, job.progress, caplog.records) == ([], 30, [])


STATE_FIELDS = ("status", "step")


def _state_writes(source: str) -> list[int]:
    """Lines that assign a `status` or `step` attribute (also in tuples, or by `setattr`)."""
    return sorted({node.lineno for node in ast.walk(ast.parse(source)) if _writes_state(node)})


def _writes_state(node: ast.AST) -> bool:
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(isinstance(t, ast.Attribute) and t.attr in STATE_FIELDS for t in _unpacked(targets))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
        return len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and node.args[1].value in STATE_FIELDS
    return False


def _unpacked(targets: list[ast.expr]) -> list[ast.expr]:
    found: list[ast.expr] = []
    for target in targets:
        if isinstance(target, ast.Tuple | ast.List):
            found += _unpacked(target.elts)
        elif isinstance(target, ast.Starred):
            found += _unpacked([target.value])
        else:
            found.append(target)
    return found


def test_the_guard_finds_state_writes_and_ignores_comments_and_reads() -> None:
    source = """
# job.status = JobStatus.FAILED
note = "job.step = JobStep.COMPLETED"
if job.status == JobStatus.FAILED: pass
job.status = JobStatus.FAILED
job.error, job.step = None, JobStep.COMPLETED
setattr(job, "status", JobStatus.FAILED)
counts[job.status] = 1
job.step.value_for_logs = "x"
"""
    assert _state_writes(source) == [5, 6, 7]


def test_only_the_transitions_module_writes_a_job_state() -> None:
    offenders = [
        f"{path.relative_to(APP.parent)}:{line}"
        for path in sorted(APP.rglob("*.py"))
        if path != TRANSITIONS_MODULE
        for line in _state_writes(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "change a job's status or step with app.models.transitions.move"
    assert _state_writes(TRANSITIONS_MODULE.read_text(encoding="utf-8"))  # the guard still sees the one place
