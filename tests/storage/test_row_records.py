"""record -> rows -> record is the same record: `relational/records.py` undoes `relational/rows.py`.

Over varied records: a whole store's (hostile text included), unfinished and failed jobs, a job
with everything a job can carry, a comic with redrawn panels and finished files, characters with
and without optional fields, reference records. What does not come back is said in records.py
(NUL characters, a missing time zone) and kept out of these records.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.errors import CorruptDocument
from app.models.records import (
    Character,
    Comic,
    Composition,
    Figure,
    ImageIntent,
    Job,
    PanelChange,
    PanelVersion,
    Scene,
    SceneFeedback,
    Usage,
)
from app.models.references import CharacterReferences, ReferenceDraw, ReferenceVersion, StyleReference
from app.models.states import JobStatus
from app.models.transitions import move
from app.storage.data_manager import DataManager
from app.storage.relational.records import (
    CorruptRow,
    character_of,
    comic_of,
    job_of,
    references_of,
    storage_path_of,
)
from app.storage.relational.rows import (
    character_row,
    comic_row,
    image_row,
    job_row,
    panel_row,
    references_row,
    scene_row,
)
from tests.utils.gates import panel
from tests.utils.stores import add_finished_files, drawing_job, fill_store

pytestmark = pytest.mark.anyio


def _comic_back(comic: Comic, job_id_column: bool = True) -> Comic:
    scene_uuid = {scene.scene_id: scene.id for scene in comic.scenes}
    row = comic_row(comic, comic.job_id if job_id_column else None)
    row["data"] = {**row["data"], "job_id": str(comic.job_id)}  # as the live store writes it
    return comic_of(
        row,
        [scene_row(comic.id, scene) for scene in reversed(comic.scenes)],  # rows come in any order
        [panel_row(comic.id, p, scene_uuid[p.scene_id]) for p in comic.panels],
        [image_row(comic.id, p, "comics", storage_path_of(p.image_path)) for p in comic.panels],
    )


def _everything_job() -> Job:
    job = drawing_job()
    job.topic = "emoji 🍭 Arabic مرحبا, quotes ' \" and \\ backslashes, $$dollars$$"
    job.created_at = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=timezone(timedelta(hours=-7)))
    job.record_state(job.created_at)
    job.panels = [panel(1), panel(2)]
    job.pending_feedback = [SceneFeedback(scene_id=2, feedback="more 🍭")]
    job.pending_panel = PanelChange(panel_id=2, prompt="again", seed=7)
    job.image_requests = {3: "req-3"}
    job.image_intents = {4: ImageIntent(seed=44)}
    job.panel_prompts = {1: "a prompt"}
    job.panel_compositions = {1: Composition(figures=[Figure(name="Mia", position="left")], speakers=["Mia"])}
    job.usage = Usage(llm_calls=2, llm_tokens=300, images=2)
    move(job, JobStatus.FAILED, error="the image provider said no")
    return job


async def test_every_record_of_a_whole_store_comes_back_equal(tmp_path: Path) -> None:
    data = DataManager(tmp_path / "data")
    hostile = await fill_store(data)
    finished = await add_finished_files(data, hostile)
    jobs, comics, characters = await data.jobs.all(), await data.comics.all(), await data.characters.all()
    assert len(jobs) == 5
    assert len(comics) == 3
    assert len(characters) == 1

    for job in [*jobs, drawing_job(), _everything_job()]:
        assert job_of(job_row(job)) == job
    for comic in [*comics, finished]:
        assert _comic_back(comic) == comic
        assert _comic_back(comic, job_id_column=False) == comic  # its job not stored: the id from `data`
    for character in characters:
        assert character_of(character_row(character)) == character


def _picture(version: int) -> dict:
    return panel(1).model_dump(exclude={"id", "panel_id", "scene_id", "version", "versions", "lettered_path"}) | {
        "version": version
    }


def test_a_comic_with_redrawn_panels_comes_back_equal() -> None:
    first = panel(1)
    redrawn = first.model_copy(
        update={
            "version": 2,
            "image_path": "images/comics/x/panel-1.v2.png",
            "versions": [PanelVersion(**_picture(1))],
            "composition": Composition.in_cast_order(["Mia", "Mom"]),
            "lettered_path": "images/comics/x/panel-1.lettered.png",
            "seed": None,
            "source_url": None,
        }
    )
    job = _everything_job()
    scene = Scene(scene_id=1, title="T", description="D", dialogue="", learning_point="L", visual_elements=[])
    comic = Comic(
        id=job.comic_id,
        job_id=job.id,
        topic=job.topic,
        age_group=job.age_group,
        title="Title",
        style="storybook",
        seed=1,
        scenes=[scene],
        characters=[],
        panels=[redrawn],
        providers=job.providers,
        pdf_paths={"a4": "images/comics/x/comic-a4.pdf"},
    )
    assert _comic_back(comic) == comic


def test_characters_and_references_with_and_without_optional_fields_come_back_equal() -> None:
    bare = Character(character_type="grandpa_joe", name="Joe", description="A grandfather who tells stories.")
    full = bare.model_copy(
        update={
            "visual_tags": ["beard", "مرحبا"],
            "age_group": "adult",
            "custom": True,
            "created_at": datetime.now(UTC),
        }
    )
    for character in (bare, full):
        assert character_of(character_row(character)) == character

    version = ReferenceVersion(**_picture(1), source="uploaded")
    references = [
        CharacterReferences(character_type="girl_young"),
        CharacterReferences(
            character_type="grandpa_joe",
            styles={
                "storybook": StyleReference(current=1, versions=[version]),
                "manga": StyleReference(draw=ReferenceDraw(seed=5, request_id="r-1")),
            },
        ),
    ]
    for record in references:
        assert references_of(references_row(record, datetime.now(UTC))) == record


def test_a_row_that_does_not_make_a_record_is_a_corrupt_document_saying_where_and_why() -> None:
    row = job_row(drawing_job())
    row["data"] = {**row["data"], "scenes": "not a list"}
    with pytest.raises(CorruptDocument, match=r"stored row jobs/.* is corrupt: .*\(at scenes\)"):
        job_of(row)

    row["data"] = ["not", "an", "object"]
    with pytest.raises(CorruptRow, match="data column is not a JSON object") as caught:
        job_of(row)
    assert caught.value.where == f"jobs/{row['id']}"
