"""The job state machine's vocabulary: statuses, steps and age groups."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    """Where a job is, as a client polling it needs to know."""

    # Created, background work not yet started.
    PENDING = "pending"
    # Background work (an LLM or image call) is running; poll or wait.
    PROCESSING = "processing"
    # Waiting for the parent: review scenes, pick characters or press generate.
    REQUIRES_ACTION = "requires_action"
    # The comic is finished; fetch it from /result.
    COMPLETED = "completed"
    # A step failed; `error` says why. `retry` re-enters the failed step.
    FAILED = "failed"
    # Stopped on request; `retry` resumes it.
    CANCELLED = "cancelled"
    # Found processing when the service started (it had stopped mid-step); `retry` resumes it.
    INTERRUPTED = "interrupted"


class JobStep(StrEnum):
    """What the job is doing, or waiting for."""

    GENERATING_SCENES = "generating_scenes"
    SCENE_REVIEW = "scene_review"
    REFINING_SCENES = "refining_scenes"
    CHARACTER_SELECTION = "character_selection"
    COMIC_GENERATION = "comic_generation"
    GENERATING_IMAGES = "generating_images"
    COMPLETED = "completed"
    # A finished comic being revised: one panel redrawn, or an earlier version of it shown again.
    REDRAWING_PANEL = "redrawing_panel"
    RESTORING_PANEL = "restoring_panel"


# Steps and statuses grouped by what they mean for the job: the action rules (workflow.py) and the
# transition table (transitions.py) are written with the same groups.
RUNNING_STEPS = frozenset(
    {
        JobStep.GENERATING_SCENES,
        JobStep.REFINING_SCENES,
        JobStep.GENERATING_IMAGES,
        JobStep.REDRAWING_PANEL,
        JobStep.RESTORING_PANEL,
    }
)  # background work runs in these, and a stopped job is resumed in them
WAITING_STEPS = frozenset({JobStep.SCENE_REVIEW, JobStep.CHARACTER_SELECTION, JobStep.COMIC_GENERATION})
REVISING_STEPS = frozenset({JobStep.REDRAWING_PANEL, JobStep.RESTORING_PANEL})  # a finished comic's panel
STOPPED_STATUSES = frozenset({JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED})  # `retry` resumes


class AgeGroup(StrEnum):
    """Who the comic is for; it sets the language level of the scenes."""

    YOUNG = "5-8"
    OLDER = "9-12"
    ALL = "5-12"
