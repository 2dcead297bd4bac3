"""The state rules: allowed actions per state, and 409 messages that name the step and the way on."""

from __future__ import annotations

import pytest

from app.errors import InvalidState
from app.models.records import Job, Providers
from app.models.states import AgeGroup, JobStatus, JobStep
from app.models.workflow import Action, allowed_actions, ensure_allowed, panel_progress


def _job(status: JobStatus, step: JobStep) -> Job:
    return Job(
        topic="sharing toys", age_group=AgeGroup.YOUNG, seed=1, providers=Providers(text="t"), status=status, step=step
    )


@pytest.mark.parametrize(
    ("status", "step", "actions"),
    [
        (JobStatus.PROCESSING, JobStep.GENERATING_SCENES, ["cancel"]),
        (JobStatus.REQUIRES_ACTION, JobStep.SCENE_REVIEW, ["refine", "edit_scene", "select_characters", "approve"]),
        (JobStatus.REQUIRES_ACTION, JobStep.CHARACTER_SELECTION, ["refine", "edit_scene", "select_characters"]),
        (
            JobStatus.REQUIRES_ACTION,
            JobStep.COMIC_GENERATION,
            ["refine", "edit_scene", "select_characters", "generate"],
        ),
        (JobStatus.PROCESSING, JobStep.GENERATING_IMAGES, ["cancel"]),
        (JobStatus.COMPLETED, JobStep.COMPLETED, ["view_result", "redraw_panel", "select_version"]),
        (JobStatus.PROCESSING, JobStep.REDRAWING_PANEL, ["view_result", "cancel"]),
        (JobStatus.PROCESSING, JobStep.RESTORING_PANEL, ["view_result", "cancel"]),
        (JobStatus.FAILED, JobStep.REDRAWING_PANEL, ["view_result", "retry", "redraw_panel", "select_version"]),
        (JobStatus.FAILED, JobStep.GENERATING_IMAGES, ["retry"]),
        (JobStatus.INTERRUPTED, JobStep.REFINING_SCENES, ["retry"]),
        (JobStatus.CANCELLED, JobStep.GENERATING_SCENES, ["retry"]),
    ],
)
def test_allowed_actions(status: JobStatus, step: JobStep, actions: list[str]) -> None:
    assert allowed_actions(_job(status, step)) == actions


def test_refusal_names_the_step_and_the_next_move() -> None:
    with pytest.raises(InvalidState, match=r"character_selection.*next: select characters"):
        ensure_allowed(_job(JobStatus.REQUIRES_ACTION, JobStep.CHARACTER_SELECTION), Action.GENERATE)
    with pytest.raises(InvalidState, match="retry it"):
        ensure_allowed(_job(JobStatus.FAILED, JobStep.GENERATING_IMAGES), Action.GENERATE)


def test_panel_progress_moves_per_panel_and_stops_short_of_100() -> None:
    values = [panel_progress(n, 6) for n in range(7)]
    assert values == sorted(set(values))
    assert values[0] == 35
    assert values[-1] == 99
