"""The state rules: which actions a job's state allows, and the 409 message when it does not.

POST scenes/generate -> processing/generating_scenes -> requires_action/scene_review
scene_review --refine(feedback)--> processing/refining_scenes -> requires_action/scene_review
scene_review --refine([])--> requires_action/character_selection
scene_review | character_selection | comic_generation --select--> requires_action/comic_generation
comic_generation --generate--> processing/generating_images -> completed/completed
completed --redraw panel--> processing/redrawing_panel -> completed/completed
completed --select version--> processing/restoring_panel -> completed/completed
any processing step -> failed | cancelled | interrupted (found running at start-up)
failed | cancelled | interrupted --retry--> the step it stopped in, keeping finished work
"""

from __future__ import annotations

from enum import StrEnum

from app.errors import InvalidState
from app.models.records import Job
from app.models.states import REVISING_STEPS, STOPPED_STATUSES, WAITING_STEPS, JobStatus, JobStep


class Action(StrEnum):
    """Things a client can ask of a job."""

    REFINE = "refine"
    APPROVE = "approve"
    EDIT_SCENE = "edit_scene"
    SELECT_CHARACTERS = "select_characters"
    GENERATE = "generate"
    VIEW_RESULT = "view_result"
    RETRY = "retry"
    CANCEL = "cancel"
    REDRAW_PANEL = "redraw_panel"
    SELECT_VERSION = "select_version"


_REVISE = [Action.REDRAW_PANEL, Action.SELECT_VERSION]

# What the parent is expected to do next, quoted in 409 messages so that an error is also a hint.
_NEXT_STEP_HINT = {
    JobStep.GENERATING_SCENES: "wait for the scenes to be written",
    JobStep.REFINING_SCENES: "wait for the scenes to be rewritten",
    JobStep.SCENE_REVIEW: "review the scenes: refine them, or approve them with an empty feedback_list",
    JobStep.CHARACTER_SELECTION: "select characters",
    JobStep.COMIC_GENERATION: "start generation",
    JobStep.GENERATING_IMAGES: "wait for the panels to be drawn",
    JobStep.COMPLETED: "fetch the result",
    JobStep.REDRAWING_PANEL: "wait for the panel to be redrawn",
    JobStep.RESTORING_PANEL: "wait for the panel's version to be restored",
}


def allowed_actions(job: Job) -> list[Action]:
    """Every action the job's current state allows, in workflow order."""
    actions: list[Action] = []
    if job.status == JobStatus.REQUIRES_ACTION:
        if job.step in WAITING_STEPS:
            actions += [Action.REFINE, Action.EDIT_SCENE, Action.SELECT_CHARACTERS]
        if job.step == JobStep.SCENE_REVIEW:
            actions.append(Action.APPROVE)
        if job.step == JobStep.COMIC_GENERATION:
            actions.append(Action.GENERATE)
    elif job.status == JobStatus.COMPLETED:
        actions += [Action.VIEW_RESULT, *_REVISE]
    elif job.status in STOPPED_STATUSES:
        actions.append(Action.RETRY)
    elif job.status in (JobStatus.PENDING, JobStatus.PROCESSING):
        actions.append(Action.CANCEL)
    if job.step in REVISING_STEPS:
        # The finished comic stays readable while one of its panels is revised, and a revision
        # that failed can be replaced by another one.
        actions.insert(0, Action.VIEW_RESULT)
        if job.status in STOPPED_STATUSES:
            actions += _REVISE
    return actions


def ensure_allowed(job: Job, action: Action) -> None:
    """Raise InvalidState, naming the current step and what to do instead, unless `action` is allowed."""
    if action in allowed_actions(job):
        return
    if job.status in STOPPED_STATUSES:
        hint = "retry it"
    elif job.status == JobStatus.COMPLETED:
        hint = "fetch the result"
    else:
        hint = _NEXT_STEP_HINT[job.step]
    raise InvalidState(
        f"cannot {action.value.replace('_', ' ')} now: the job is {job.status.value} at step "
        f"{job.step.value}; next: {hint}"
    )


# Overall progress (0..100) when a job enters each step; panel drawing moves it from
# GENERATING_IMAGES's value towards 100 one panel at a time.
STEP_PROGRESS = {
    JobStep.GENERATING_SCENES: 5,
    JobStep.REFINING_SCENES: 20,
    JobStep.SCENE_REVIEW: 20,
    JobStep.CHARACTER_SELECTION: 25,
    JobStep.COMIC_GENERATION: 30,
    JobStep.GENERATING_IMAGES: 35,
    JobStep.COMPLETED: 100,
    JobStep.REDRAWING_PANEL: 99,
    JobStep.RESTORING_PANEL: 99,
}


def panel_progress(panels_done: int, panel_count: int) -> int:
    """Progress while drawing: 35 at the start, 99 when every panel is stored (100 is completion)."""
    start = STEP_PROGRESS[JobStep.GENERATING_IMAGES]
    return min(99, start + (99 - start) * panels_done // max(panel_count, 1))
