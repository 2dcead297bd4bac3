"""Factories that fill a data folder fast: records and tiny PNGs written through the DataManager.

No provider runs: a comic here is what the pipeline would have stored, built directly, so a test
can make one comic or a thousand in seconds, with ordinary or hostile text.
"""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from PIL import Image

from app.models.records import CastMember, Character, Comic, Job, Panel, Providers, Scene
from app.models.states import AgeGroup, JobStatus, JobStep
from app.storage.data_manager import DataManager
from app.storage.image_store import probe_image
from tests.utils.factories import preset_cast_member

# Everything that breaks naive quoting somewhere: SQL quotes and comments, dollar quoting, psycopg
# placeholders, backslashes (also before n, N and .), CSV's quote, comma and line breaks (a line
# holding only \. ends COPY data in some readers), array braces, and Unicode beyond the BMP, RTL
# text, combining marks, zero-width and line-separator characters. No NUL: text cannot hold it.
HOSTILE = (
    "It's \"quoted\" -- O'Brien said 'hi'; DROP TABLE comics; /* x */ $$dollar$$ $tag$t$tag$ %s %(name)s ?\n"
    "back\\slash \\n \\N \\\\ C:\\path\\ E'\\x41'\n"
    "\\.\n"
    "tab\there, CRLF\r\nbare CR\rcomma, {braces} [brackets] \"\" '' NULL\n"
    "emoji 🍭👧🏽‍🦱🇸🇦 Arabic مرحبا بالعالم، Hebrew שלום CJK 漫画 combining e\u0301 zw\u200bj \u2028sep\ufeffbom "
)
HOSTILE_LIST = ["NULL", "", "  padded  ", "a,b", "{x}", 'q"uote', "back\\slash", "new\nline", "🍭 مرحبا"]


@lru_cache
def tiny_png(shade: int = 0) -> bytes:
    """A 4x4 PNG; `shade` changes its bytes."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (shade % 256, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


async def add_comic(
    data: DataManager,
    *,
    topic: str = "teach my kid not to accept candy from strangers",
    text: str = "",
    panels: int = 6,
    cast: list[CastMember] | None = None,
    created_at: datetime | None = None,
    store_job: bool = True,
) -> Comic:
    """A finished comic, its completed job and its panel images; `text` is added to every free-text field."""
    created_at = created_at or datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    cast = cast or [preset_cast_member("girl_young"), preset_cast_member("parent_mom")]
    job = Job(
        topic=topic + text,
        age_group=AgeGroup.YOUNG,
        status=JobStatus.COMPLETED,
        step=JobStep.COMPLETED,
        progress=100,
        title=f"The Lesson{text}",
        style="storybook",
        seed=1234567,
        characters=cast,
        panel_count=panels,
        providers=Providers(text="offline", image="offline"),
        created_at=created_at,
        updated_at=created_at + timedelta(minutes=1),
        completed_at=created_at + timedelta(minutes=1),
    )
    scenes = [
        Scene(
            scene_id=n,
            title=f"Scene {n}{text}",
            description=f"What happens in scene {n}.{text}",
            dialogue="" if n == 2 else f'Mia: "Scene {n}!"{text}',  # an empty string, which is not NULL
            learning_point=f"Point {n}{text}",
            visual_elements=[*(HOSTILE_LIST if text else []), f"thing {n}"],
        )
        for n in range(1, panels + 1)
    ]
    job.scenes = scenes
    for scene in scenes:
        png = tiny_png(scene.scene_id)
        info = probe_image(png)
        path = await data.images.save_panel(job.comic_id, scene.scene_id, png, info)
        job.panels.append(
            Panel(
                panel_id=scene.scene_id,
                scene_id=scene.scene_id,
                prompt=f"Draw scene {scene.scene_id}{text}",
                image_path=path,
                content_type=info.content_type,
                width=info.width,
                height=info.height,
                size_bytes=info.size_bytes,
                sha256=info.sha256,
                seed=None if scene.scene_id == 1 else job.seed,
                provider="offline",
                source_url=None if scene.scene_id == 1 else f"https://files.example/{scene.scene_id}.png?a='b'",
                created_at=created_at,
            )
        )
    comic = Comic(
        id=job.comic_id,
        job_id=job.id,
        topic=job.topic,
        age_group=job.age_group,
        title=job.title or "",
        style="storybook",
        seed=job.seed,
        scenes=scenes,
        characters=cast,
        panels=job.panels,
        providers=job.providers,
        created_at=created_at + timedelta(minutes=1),
    )
    if store_job:
        await data.create_job(job)
    await data.save_comic(comic)
    return comic


def drawing_job() -> Job:
    """A job record (not stored) whose panels are being drawn."""
    return Job(
        topic="sharing toys",
        age_group=AgeGroup.YOUNG,
        seed=1,
        providers=Providers(text="t"),
        status=JobStatus.PROCESSING,
        step=JobStep.GENERATING_IMAGES,
    )


async def open_with_drawing_job(data_dir: Path) -> tuple[DataManager, Job]:
    """An opened store holding one job whose panels are being drawn."""
    data = DataManager(data_dir)
    await data.open()
    return data, await data.create_job(drawing_job())


async def add_unfinished_job(data: DataManager, *, text: str = "", failed: bool = False) -> Job:
    """A job waiting at scene review (or failed while drawing), with scenes but no comic."""
    job = Job(
        topic=f"share toys with your sister{text}",
        age_group=AgeGroup.ALL,
        status=JobStatus.FAILED if failed else JobStatus.REQUIRES_ACTION,
        step=JobStep.GENERATING_IMAGES if failed else JobStep.SCENE_REVIEW,
        progress=40 if failed else 20,
        error=f"image provider said no{text}" if failed else None,
        seed=42,
        scenes=[Scene(scene_id=1, title="T", description="D", dialogue="", learning_point="L", visual_elements=[])],
        providers=Providers(text="offline"),
        # Another offset than UTC: the export must keep the instant, whatever the zone.
        created_at=datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    )
    return await data.create_job(job)


async def add_custom_character(data: DataManager, *, text: str = "") -> Character:
    """A custom character in the library, with hostile text where the field limits allow it."""
    character = Character(
        character_type="grandma_rose",
        name='Nana "Rosie" O\'Hara 🍭',
        description=f"A grandmother with silver curls and a \\ scarf.{text[:200]}",
        visual_tags=["adult", "a,b", 'q"t', "NULL", "مرحبا"],
        age_group="adult",
        custom=True,
        created_at=datetime(2026, 2, 3, 4, 5, 6, 789000, tzinfo=UTC),
    )
    return await data.add_character(character)


async def fill_store(data: DataManager) -> Comic:
    """A store with every kind of record: three comics (one hostile), unfinished and failed jobs, a custom
    character, and a comic cast with the custom character. Returns the hostile comic."""
    await data.open()
    await add_comic(data)
    hostile = await add_comic(data, topic="be kind", text=HOSTILE)
    await add_unfinished_job(data)
    await add_unfinished_job(data, text=HOSTILE, failed=True)
    rose = await add_custom_character(data, text=HOSTILE)
    member = CastMember(**rose.model_dump(include=set(CastMember.model_fields)))
    await add_comic(data, topic="say thank you to grandma", cast=[member, preset_cast_member("boy_young")], panels=3)
    return hostile


async def add_finished_files(data: DataManager, comic: Comic) -> Comic:
    """What finishing makes of a comic's panels (a lettered copy of each, the page, both PDFs), written
    and named in its record as the pipeline does; the bytes only look like the real files."""
    panels = []
    for panel in comic.panels:
        lettered = await data.images.save_finished(comic.id, f"panel-{panel.panel_id}.lettered.png", tiny_png(200))
        panels.append(panel.model_copy(update={"lettered_path": lettered}))
    page = await data.images.save_finished(comic.id, "page.png", tiny_png(201))
    pdfs = {
        paper: await data.images.save_finished(comic.id, f"comic-{paper}.pdf", b"%PDF-1.7 " + paper.encode())
        for paper in ("a4", "letter")
    }
    finished = comic.model_copy(update={"panels": panels, "page_path": page, "pdf_path": pdfs["a4"], "pdf_paths": pdfs})
    await data.save_comic(finished)
    return finished


def table_counts(jobs: int, comics: int, panels: int, characters: int, references: int = 0) -> dict[str, int]:
    """The rows per export table that a store of these sizes gives (a scene and an image row per panel)."""
    return {
        "jobs": jobs,
        "comics": comics,
        "scenes": panels,
        "panels": panels,
        "images": panels,
        "characters": characters,
        "character_references": references,
    }


def build_store(data_dir: Path) -> Comic:
    """`fill_store` on a new DataManager at `data_dir`, from synchronous code."""
    return asyncio.run(fill_store(DataManager(data_dir)))


async def add_many_comics(data: DataManager, count: int, batch: int = 50) -> None:
    """`count` ordinary comics, written `batch` at a time."""
    await data.open()
    for start in range(0, count, batch):
        await asyncio.gather(*(add_comic(data) for _ in range(min(batch, count - start))))
