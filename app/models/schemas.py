"""Request and response bodies of the HTTP API, with examples so Swagger's "Try it out" works as is."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.models.records import (
    HISTORY_KEPT,
    CastMember,
    Character,
    CharacterChoice,
    Comic,
    Composition,
    Job,
    Providers,
    Scene,
    SceneFeedback,
    StateChange,
    Usage,
)
from app.models.references import CharacterReferences, ReferenceVersion
from app.models.states import AgeGroup, JobStatus, JobStep
from app.models.workflow import Action, allowed_actions

_Strict = ConfigDict(extra="forbid")


class _Text:
    """`_Text[n]`: stripped text of 1 to n characters."""

    def __class_getitem__(cls, max_length: int) -> object:
        return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)]


class ErrorResponse(BaseModel):
    """Every error answer: a sentence saying what went wrong and what to do."""

    detail: Any = Field(examples=["cannot generate now: the job is requires_action at step character_selection"])
    categories: list[str] | None = Field(
        default=None, description="only for unsafe content (422): the moderation categories found", examples=[None]
    )


# -- requests ---------------------------------------------------------------------------------


class GenerateScenesRequest(BaseModel):
    """A topic and who the comic is for."""

    model_config = _Strict
    topic: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=500)] = Field(
        examples=["teach my kid not to accept candy from strangers"]
    )
    age_group: AgeGroup = Field(default=AgeGroup.YOUNG, examples=["5-8"])
    characters: list[CharacterChoice] | None = Field(
        default=None,
        max_length=4,
        description="optional cast (1-4 in all), so the scenes are written for these characters",
        examples=[None],
    )
    panel_count: int = Field(default=6, ge=1, le=12, description="how many scenes (and panels), 1-12", examples=[6])


class RefineScenesRequest(BaseModel):
    """Feedback per scene; an empty list approves the scenes as they are."""

    model_config = _Strict
    feedback_list: list[SceneFeedback] = Field(max_length=12)


class SceneUpdate(BaseModel):
    """Any subset of a scene's fields, edited by hand."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"dialogue": 'Mia: "No thank you! I will ask my mom."'}]}
    )
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)] | None = None
    dialogue: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    learning_point: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = None
    visual_elements: (
        list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]] | None
    ) = Field(default=None, max_length=10)

    @model_validator(mode="after")
    def _something_to_change(self) -> SceneUpdate:
        if not self.model_fields_set or all(getattr(self, name) is None for name in self.model_fields_set):
            raise ValueError("give at least one field to change")
        return self


class SelectCharactersRequest(BaseModel):
    """The cast: 1 to 4 characters in all."""

    model_config = _Strict
    characters: list[CharacterChoice] = Field(
        min_length=1,
        max_length=4,
        examples=[[{"character_type": "girl_young", "count": 1}, {"character_type": "parent_mom", "count": 1}]],
    )


class GenerateComicRequest(BaseModel):
    """Optional art style (see GET /api/v1/comics/styles)."""

    model_config = _Strict
    style: Annotated[str, StringConstraints(max_length=40)] | None = Field(default=None, examples=["storybook"])


class CharacterCreate(Character):
    """A custom character for the library."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "character_type": "grandma_rose",
                    "name": "Grandma Rose",
                    "description": "A cheerful grandmother with silver curls, round glasses and a lilac cardigan.",
                    "visual_tags": ["adult", "woman", "silver curls", "lilac cardigan"],
                    "age_group": "adult",
                }
            ]
        },
    )


# -- responses --------------------------------------------------------------------------------


class JobStatusResponse(BaseModel):
    """Where a job is and what can be done with it next."""

    job_id: UUID
    comic_id: UUID
    status: JobStatus
    step: JobStep
    progress: int = Field(ge=0, le=100)
    error: str | None
    topic: str
    age_group: AgeGroup
    title: str | None
    refine_rounds: int
    style: str | None
    characters: list[CastMember]
    panels_done: int
    panel_count: int
    attempts: int
    providers: Providers
    usage: Usage
    history: list[StateChange] = Field(
        description=f"the statuses/steps the job entered, with when: the first and the latest, {HISTORY_KEPT} at most"
    )
    actions: list[Action]
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobStatusResponse:
        """The status view of a stored job."""
        return cls(
            job_id=job.id,
            panels_done=len(job.panels),
            actions=allowed_actions(job),
            **job.model_dump(exclude={"id", "scenes", "panels", "pending_feedback", "selection", "seed"}),
        )


class ScenesResponse(BaseModel):
    """The job's scenes as they stand."""

    job_id: UUID
    status: JobStatus
    step: JobStep
    title: str | None
    refine_rounds: int
    scenes: list[Scene]


class ReferenceOut(BaseModel):
    """A character's reference picture in one art style (the version comics are drawn from)."""

    version: int = Field(examples=[1])
    image_url: str = Field(examples=["/media/images/characters/girl_young/storybook.v1.png"])
    source: Literal["drawn", "uploaded"] = Field(examples=["drawn"])
    seed: int | None = Field(examples=[1234567])
    width: int = Field(examples=[512])
    height: int = Field(examples=[768])
    created_at: datetime

    @classmethod
    def of(cls, version: ReferenceVersion) -> ReferenceOut:
        """The API view of a stored reference version."""
        return cls(image_url=f"/media/{version.image_path}", **version.model_dump())


class CharacterOut(Character):
    """A library character; `id` is its `character_type`. `references`: style -> its reference picture."""

    id: str
    references: dict[str, ReferenceOut] = Field(
        default_factory=dict, description="art style -> the reference picture panels in that style are drawn from"
    )
    drawing: list[str] = Field(
        default_factory=list, description="styles whose reference is being drawn now", examples=[["storybook"]]
    )


class StyleReferenceOut(BaseModel):
    """Every version of a character's reference in one style, and which one is current."""

    current: int | None = Field(examples=[2])
    versions: list[ReferenceOut]


class CharacterReferencesResponse(BaseModel):
    """A character's references, by art style."""

    character_type: str = Field(examples=["girl_young"])
    styles: dict[str, StyleReferenceOut]

    @classmethod
    def of(cls, record: CharacterReferences) -> CharacterReferencesResponse:
        """The API view of a stored references record."""
        return cls(
            character_type=record.character_type,
            styles={
                style: StyleReferenceOut(current=ref.current, versions=[ReferenceOut.of(v) for v in ref.versions])
                for style, ref in record.styles.items()
            },
        )


class CharactersResponse(BaseModel):
    """The character library."""

    characters: list[CharacterOut]


class StyleOut(BaseModel):
    """An art style preset."""

    name: str
    label: str
    prompt: str


class StylesResponse(BaseModel):
    """Every art style preset."""

    styles: list[StyleOut]
    default: str


def _media_url(path: str | None) -> str | None:
    return f"/media/{path}" if path else None


class PanelOut(BaseModel):
    """One drawn panel: the picture at `image_url`, the same with its words lettered at `lettered_url`."""

    id: UUID
    panel_id: int
    scene_id: int
    image_url: str
    lettered_url: str | None = Field(description="the panel with its title and dialogue lettered on (PNG)")
    version: int = Field(description="which of the panel's pictures it shows (see .../versions)")
    prompt: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    seed: int | None
    provider: str
    composition: Composition | None = Field(
        default=None, description="who the panel was asked to show, where each one stands, and who speaks"
    )


class ComicResult(BaseModel):
    """A finished comic, with its page, PDFs and reader page."""

    comic_id: UUID
    job_id: UUID
    topic: str
    age_group: AgeGroup
    title: str
    style: str
    scenes: list[Scene]
    characters: list[CastMember]
    panels: list[PanelOut]
    page_url: str | None = Field(description="the whole comic on one page (PNG)")
    pdf_url: str | None = Field(description="the print-ready PDF on the PDF_PAPER paper size (300 dpi)")
    pdf_urls: dict[str, str] = Field(description="the PDF per paper size: a4, letter")
    reader_url: str = Field(description="an HTML page showing the comic")
    providers: Providers
    created_at: datetime

    @classmethod
    def of(cls, comic: Comic) -> ComicResult:
        """The result view of a stored comic, with file paths turned into URLs."""
        panels = [
            PanelOut(image_url=f"/media/{p.image_path}", lettered_url=_media_url(p.lettered_path), **p.model_dump())
            for p in comic.panels
        ]
        return cls(
            comic_id=comic.id,
            panels=panels,
            page_url=_media_url(comic.page_path),
            pdf_url=_media_url(comic.pdf_path),
            pdf_urls={paper: f"/media/{path}" for paper, path in comic.pdf_paths.items()},
            reader_url=f"/comics/{comic.id}/view",
            **comic.model_dump(exclude={"id", "panels", "seed", "page_path", "pdf_path", "pdf_paths"}),
        )


class RedrawPanelRequest(BaseModel):
    """How to redraw a panel; with no body it is redrawn from its own prompt with a new seed."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"prompt": "Mia waves goodbye from the bus window"}]}
    )
    prompt: _Text[1000] | None = Field(
        default=None, description="a new scene prompt; the cast's looks and the art style are added to it"
    )
    seed: int | None = Field(default=None, ge=0, lt=2**31, description="default: a new random seed")


class PanelVersionOut(BaseModel):
    """One picture a panel has had."""

    version: int
    current: bool
    image_url: str
    prompt: str
    seed: int | None
    provider: str
    created_at: datetime


class PanelVersionsResponse(BaseModel):
    """Every picture a panel has had, oldest first; `current` is the one the comic shows."""

    job_id: UUID
    panel_id: int
    current: int
    versions: list[PanelVersionOut]


class JobList(BaseModel):
    """A page of jobs, newest first."""

    jobs: list[JobStatusResponse]
    total: int
    limit: int
    offset: int


class JsonStorageStats(BaseModel):
    """JSON documents on disk."""

    total_jobs: int
    total_comics: int
    total_characters: int
    total_size_mb: float


class ImageStorageStats(BaseModel):
    """Image files on disk."""

    total_images: int
    panels_size_mb: float = Field(
        description="the panels' pictures, every version and each lettered copy; the rest of `total_size_mb` is "
        "the pages, the PDFs and the characters' reference pictures"
    )
    total_size_mb: float


class StorageProblem(BaseModel):
    """A stored document that cannot be read; it is skipped everywhere until mended or removed."""

    document: str = Field(
        description="its path inside DATA_DIR", examples=["jobs/0b7e3c2a-5d1f-4e8a-9c6b-2f4d8a1e7c3b.json"]
    )
    problem: str = Field(examples=["Invalid JSON: EOF while parsing an object at line 40 column 0"])


class StorageStats(BaseModel):
    """What the data folder holds."""

    json_storage: JsonStorageStats
    image_storage: ImageStorageStats
    total_storage_mb: float
    problems: list[StorageProblem] = Field(
        default_factory=list, description="unreadable documents (`python main.py doctor` checks everything)"
    )


class StorageHealth(BaseModel):
    """The data folder's condition, as far as the service knows it without reading the disk."""

    corrupt_documents: int = Field(description="documents that do not parse; see GET /api/v1/storage/stats")


class PlaceHealth(BaseModel):
    """One place the service keeps data: which kind it is and whether it can be used now."""

    kind: Literal["files", "s3", "postgres"] = Field(
        description="`files`: a folder under DATA_DIR; `s3`: the S3 bucket of IMAGE_STORE=s3; `postgres`: the"
        " database of DATABASE_URL",
        examples=["files"],
    )
    ok: bool = Field(description="whether it is there and can be written", examples=[True])
    problem: str | None = Field(
        default=None, description="why not, when `ok` is false", examples=["DATA_DIR/images is missing"]
    )


class StoreHealth(PlaceHealth):
    """Where the documents are kept; for a database, also the schema version it has."""

    schema_version: int | None = Field(
        default=None,
        description="for `postgres`: the schema version the database has (see README, Moving up: PostgreSQL)",
        examples=[None],
    )


class HealthResponse(BaseModel):
    """Liveness plus which providers are active and where the data is kept."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ok",
                    "version": "0.1.0",
                    "instance_id": "fable-box-3f9a1c",
                    "providers": {"text": "offline", "image": "offline"},
                    "text_model": None,
                    "image_model": None,
                    "moderation": "wordlist",
                    "storage": {"corrupt_documents": 0},
                    "store": {"kind": "files", "ok": True, "problem": None},
                    "images": {"kind": "files", "ok": True, "problem": None},
                }
            ]
        }
    )

    status: Literal["ok", "degraded"] = Field(
        examples=["ok"],
        description="`degraded` when some stored documents cannot be read, or `store` or `images` is not ok",
    )
    version: str
    instance_id: str = Field(
        description="this process, as its log lines name it (INSTANCE_ID)", examples=["fable-box-3f9a1c"]
    )
    providers: Providers
    text_model: str | None = Field(description="the chat model, when the text provider is OpenAI")
    image_model: str | None = Field(description="the fal endpoint, when the image provider is fal")
    moderation: str = Field(description="what screens topics, feedback and scenes: `openai` or `wordlist`")
    storage: StorageHealth
    store: StoreHealth = Field(description="where jobs, comics and characters are kept")
    images: PlaceHealth = Field(description="where pictures, pages and PDFs are kept")
