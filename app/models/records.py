"""What is stored on disk: jobs, comics, their scenes and panels, and custom characters.

Every record has a UUID `id` that never changes once written, so that an export can use the same
ids as primary keys. Records are plain Pydantic models serialised as indented JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

from app.models.states import AgeGroup, JobStatus, JobStep
from utils import new_id, utcnow

CharacterType = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
CharacterAge = Annotated[str, StringConstraints(pattern=r"^(5-8|9-12|5-12|adult|any)$")]


class Character(BaseModel):
    """A character that can be cast in a comic: a preset or one the creator added."""

    character_type: CharacterType
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=300)]
    visual_tags: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=12
    )
    age_group: CharacterAge = "any"
    custom: bool = False
    created_at: datetime | None = None


class CastMember(BaseModel):
    """One character as cast in a job: a snapshot, so later library edits don't change the comic."""

    character_type: str
    name: str
    description: str
    visual_tags: list[str]
    age_group: str


class CharacterChoice(BaseModel):
    """How many of one character type the parent picked."""

    character_type: CharacterType = Field(examples=["girl_young"])
    count: int = Field(default=1, ge=1, le=4, examples=[1])


class SceneFeedback(BaseModel):
    """The parent's note on one scene."""

    scene_id: int = Field(ge=1, le=12, examples=[2])
    feedback: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)] = Field(
        examples=["Make the stranger a friendly neighbour the child does not know well."]
    )


class Scene(BaseModel):
    """One scene of the story, as reviewed by the parent."""

    id: UUID = Field(default_factory=new_id)
    scene_id: int
    title: str
    description: str
    dialogue: str
    learning_point: str
    visual_elements: list[str]


class Picture(BaseModel):
    """A stored picture and how it was made: what a panel and each of its versions record."""

    prompt: str
    image_path: str  # relative to DATA_DIR, POSIX separators
    content_type: str
    width: int
    height: int
    size_bytes: int
    sha256: str
    seed: int | None
    provider: str
    source_url: str | None = None  # where the provider served it; kept for the record only: it expires
    created_at: datetime = Field(default_factory=utcnow)


Position = Literal["left", "centre", "right"]
Depth = Literal["front", "back"]


_CAST_ORDER: dict[int, tuple[Position, ...]] = {
    1: ("centre",),
    2: ("left", "right"),
    3: ("left", "centre", "right"),
    4: ("left", "left", "right", "right"),
}


class Figure(BaseModel):
    """One figure in a panel: who it is, where it stands, and (for an extra) what it looks like."""

    name: str = Field(examples=["Mia"])  # as the dialogue names them: a cast member's name or an extra's label
    character_type: str | None = Field(default=None, examples=["girl_young"])  # None: an extra, not in the cast
    position: Position = "centre"
    depth: Depth = "front"
    look: str | None = None  # an extra's appearance ("a tall man in a grey coat"); None for cast members


class Composition(BaseModel):
    """Who is in a panel, where each one stands and who speaks: a hint the lettering checks against the picture."""

    figures: list[Figure] = Field(default_factory=list)
    speakers: list[str] = Field(default_factory=list)  # names as in `figures`, in speaking order

    @classmethod
    def in_cast_order(cls, names: list[str]) -> Composition:
        """What the offline illustrator drew before compositions existed: the cast in order, left to right."""
        names = names[:4]
        figures = [
            Figure(name=n, character_type=n.casefold(), position=p)
            for n, p in zip(names, _CAST_ORDER.get(len(names), ()), strict=True)
        ]
        return cls(figures=figures, speakers=names)

    def figure(self, name: str) -> Figure | None:
        """The figure of that name (case and spaces folded), or None."""
        wanted = name.strip().casefold()
        return next((f for f in self.figures if f.name.strip().casefold() == wanted), None)


class PanelVersion(Picture):
    """One picture a panel has had; redrawing a panel keeps every earlier one."""

    version: int  # 1 is the first drawing


class Panel(Picture):
    """The stored picture for one scene."""

    id: UUID = Field(default_factory=new_id)
    panel_id: int
    scene_id: int
    lettered_path: str | None = None  # the picture with its title and dialogue lettered on (PNG)
    composition: Composition | None = None  # who was asked for where (absent in panels drawn before it existed)
    version: int = 1  # which of `versions` the fields above describe
    versions: list[PanelVersion] = Field(default_factory=list)  # empty until the panel is first redrawn


class PanelChange(BaseModel):
    """A revision of one panel of a finished comic, waiting for (or in) its background step."""

    panel_id: int
    prompt: str | None = None  # redraw with this scene prompt instead of the panel's own
    seed: int | None = None  # redraw with this seed (chosen at random when the redraw is asked for)
    version: int | None = None  # set: show this earlier version again instead of redrawing


class Providers(BaseModel):
    """Which providers produced a job's text and images."""

    text: str
    image: str | None = None


class Usage(BaseModel):
    """What a job cost in provider calls, so the creator sees what a comic cost."""

    llm_calls: int = 0
    llm_tokens: int = 0
    images: int = 0  # panel pictures
    references: int = 0  # character reference pictures this job had drawn (see app/services/cast/references.py)


class ImageIntent(BaseModel):
    """A picture about to be requested: written before the request is sent, replaced by its id after."""

    seed: int
    at: datetime = Field(default_factory=utcnow)


class StateChange(BaseModel):
    """When a job entered a status and step."""

    status: JobStatus
    step: JobStep
    at: datetime = Field(default_factory=utcnow)


# How many entries a job's `history` keeps: the first (how it began) and the latest. A job redrawn
# or retried again and again would otherwise grow its document, and so every write of it, forever.
HISTORY_KEPT = 50


class Job(BaseModel):
    """The workflow record of one comic, from topic to finished pages."""

    id: UUID = Field(default_factory=new_id)
    comic_id: UUID = Field(default_factory=new_id)
    topic: str
    age_group: AgeGroup
    panel_count: int = 6
    status: JobStatus = JobStatus.PENDING
    step: JobStep = JobStep.GENERATING_SCENES
    progress: int = 0
    error: str | None = None
    title: str | None = None
    scenes: list[Scene] = Field(default_factory=list)
    refine_rounds: int = 0
    pending_feedback: list[SceneFeedback] = Field(default_factory=list)
    characters: list[CastMember] = Field(default_factory=list)
    selection: list[CharacterChoice] = Field(default_factory=list)
    style: str | None = None
    seed: int
    panels: list[Panel] = Field(default_factory=list)
    pending_panel: PanelChange | None = None
    # Scene number -> the image provider's id for a request in flight, so a resumed job can
    # collect the picture it already asked for instead of paying for it twice.
    image_requests: dict[int, str] = Field(default_factory=dict)
    # Scene number -> a request being submitted whose id is not known yet. One left behind by a
    # process that died tells the resumed job to look the request up before paying again.
    image_intents: dict[int, ImageIntent] = Field(default_factory=dict)
    # Scene number -> the full image prompt, kept from the first attempt so a resumed job neither
    # pays for the prompt call again nor stores a prompt that differs from the picture's.
    panel_prompts: dict[int, str] = Field(default_factory=dict)
    # Scene number -> who is in the panel and where, written with its prompt and kept alongside it.
    panel_compositions: dict[int, Composition] = Field(default_factory=dict)
    # What the prompts above were written for (a digest of topic, scenes, cast and style; see
    # services/story/preparation.py): they are reused while it matches and written again when it does not.
    prompts_for: str | None = None
    providers: Providers
    attempts: int = 0
    usage: Usage = Field(default_factory=Usage)
    history: list[StateChange] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None

    def record_state(self, at: datetime) -> None:
        """Add the current status and step to `history`, keeping its first entry and the latest ones."""
        self.history.append(StateChange(status=self.status, step=self.step, at=at))
        if len(self.history) > HISTORY_KEPT:
            del self.history[1 : len(self.history) - HISTORY_KEPT + 1]


class Comic(BaseModel):
    """A finished comic: what `/result` serves and what an export carries."""

    id: UUID
    job_id: UUID
    topic: str
    age_group: AgeGroup
    title: str
    style: str
    seed: int
    scenes: list[Scene]
    characters: list[CastMember]
    panels: list[Panel]
    providers: Providers
    created_at: datetime = Field(default_factory=utcnow)
    # The finished files, relative to DATA_DIR (absent in comics made before pages existed).
    page_path: str | None = None
    pdf_path: str | None = None  # on the PDF_PAPER paper size
    pdf_paths: dict[str, str] = Field(default_factory=dict)  # paper ("a4", "letter") -> path
