"""The data folder of 10,000 finished comics behind the store-scale figures, built once and cached.

Making 10,000 comics through the whole pipeline would take about 40 minutes here (the offline
illustrator needs ~30 ms of CPU per panel and every write is fsynced), so the folder is built
directly at the storage layer's paths with the records the pipeline writes: a handful of comics
are written by the offline scene writer and prompt writer and drawn by the offline illustrator,
and each of the 10,000 jobs and comics is a fresh copy of one of them (new ids, dates, seeds),
serialised exactly as `JsonStore` does. Panel images are hard links to the drawn PNGs, so the
folder holds 60,000 real image files while the disk holds only the few distinct ones.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from app.models.records import CastMember, CharacterChoice, Comic, Job, Panel, Providers, Scene
from app.models.states import AgeGroup, JobStatus, JobStep
from app.models.story import SceneDraft
from app.providers.offline_images import OfflineImageModel
from app.providers.offline_text import OfflineTextModel
from app.services.cast.characters import CharacterLibrary
from app.storage.data_manager import DataManager
from app.storage.image_store import ImageInfo, probe_image
from external_services import ImageRequest, StoryBrief
from master_prompts import STYLES, compose_image_prompt

# Bump when the stored records change shape, so that an old cache is rebuilt rather than misread.
STORE_VERSION = 1
_TOPICS = (
    ("teach my kid not to accept candy from strangers", "5-8", ("girl_young", "parent_mom"), "storybook"),
    ("teach my kid to brush their teeth every night", "5-8", ("boy_young", "parent_dad"), "cartoon"),
    ("help my child share toys with a little sister", "5-12", ("girl_young", "friend_boy"), "paper_cutout"),
    ("teach my son to cross the road safely", "9-12", ("boy_teen", "parent_mom"), "comic_book"),
    ("help my daughter speak up when she is bullied", "9-12", ("girl_teen", "friend_girl"), "manga"),
    ("teach my kid to wash hands before dinner", "5-8", ("boy_young", "parent_mom"), "storybook"),
    ("help my child feel brave on the first day of school", "5-12", ("girl_young", "parent_dad"), "cartoon"),
    ("teach my kids to tell the truth after a mistake", "9-12", ("boy_teen", "girl_teen"), "comic_book"),
)


@dataclass(frozen=True)
class _Template:
    """One comic made by the offline providers; every stored comic copies one of these."""

    topic: str
    age_group: AgeGroup
    style: str
    title: str
    scenes: list[SceneDraft]
    cast: list[CastMember]
    selection: list[CharacterChoice]
    prompts: list[str]
    panels: list[tuple[Path, ImageInfo]]


@dataclass(frozen=True)
class StoreInfo:
    """A ready data folder and how it came to be."""

    data_dir: Path
    comics: int
    build_seconds: float
    cached: bool


async def _template(index: int, pool: Path, library: CharacterLibrary) -> _Template:
    topic, age, cast_types, style_name = _TOPICS[index]
    selection = [CharacterChoice(character_type=name) for name in cast_types]
    cast = await library.cast(selection)
    brief = StoryBrief(topic=topic, age_group=age, cast=tuple(cast))
    text, images, style = OfflineTextModel(), OfflineImageModel(), STYLES[style_name]
    script = await text.write_script(brief)
    written = await text.write_panel_prompts(brief, script.scenes, cast, style)
    looks = [(member.name, member.description) for member in cast]
    prompts = [compose_image_prompt(p.prompt, looks, style) for p in written]
    panels = []
    for scene, prompt in zip(script.scenes, prompts, strict=True):
        request = ImageRequest(prompt, 768, 512, index, scene, cast, style)
        data = (await images.draw(request)).data
        path = pool / f"{index}-{scene.scene_id}.png"
        path.write_bytes(data)
        panels.append((path, probe_image(data)))
    return _Template(topic, AgeGroup(age), style_name, script.title, script.scenes, cast, selection, prompts, panels)


def _records(template: _Template, created: datetime, rng: random.Random) -> tuple[Job, Comic]:
    job_id, comic_id, seed = uuid4(), uuid4(), rng.randrange(2**31)
    finished = created + timedelta(seconds=rng.uniform(20, 600))
    scenes = [Scene(**draft.model_dump()) for draft in template.scenes]
    panels = [
        Panel(
            panel_id=scene.scene_id,
            scene_id=scene.scene_id,
            prompt=prompt,
            image_path=f"images/comics/{comic_id}/panel-{scene.scene_id}.{info.extension}",
            content_type=info.content_type,
            width=info.width,
            height=info.height,
            size_bytes=info.size_bytes,
            sha256=info.sha256,
            seed=seed,
            provider="offline",
            created_at=finished,
        )
        for scene, prompt, (_, info) in zip(scenes, template.prompts, template.panels, strict=True)
    ]
    common = {
        "topic": template.topic,
        "age_group": template.age_group,
        "title": template.title,
        "style": template.style,
        "seed": seed,
        "scenes": scenes,
        "characters": template.cast,
        "panels": panels,
        "providers": Providers(text="offline", image="offline"),
    }
    job = Job(
        id=job_id,
        comic_id=comic_id,
        status=JobStatus.COMPLETED,
        step=JobStep.COMPLETED,
        progress=100,
        refine_rounds=rng.randrange(3),
        selection=template.selection,
        created_at=created,
        updated_at=finished,
        completed_at=finished,
        **common,
    )
    return job, Comic(id=comic_id, job_id=job_id, created_at=finished, **common)


def _write(data: DataManager, template: _Template, job: Job, comic: Comic) -> None:
    # Same paths and bytes as JsonStore._write and ImageStore.save_panel, minus the fsync per file.
    data.jobs.path_for(str(job.id)).write_bytes(job.model_dump_json(indent=2).encode())
    data.comics.path_for(str(comic.id)).write_bytes(comic.model_dump_json(indent=2).encode())
    folder = data.images.comic_folder(UUID(str(comic.id)))
    folder.mkdir(parents=True)
    for panel, (source, _) in zip(comic.panels, template.panels, strict=True):
        os.link(source, data.data_dir / panel.image_path)


async def _build(root: Path, comics: int) -> None:
    pool, data_dir = root / "pool", root / "data"
    pool.mkdir(parents=True)
    data = DataManager(data_dir)
    await data.open()
    library = CharacterLibrary(data)
    templates = [await _template(i, pool, library) for i in range(len(_TOPICS))]
    rng = random.Random(2024)
    newest = datetime(2026, 1, 1, tzinfo=UTC)
    for index in range(comics):
        created = newest - timedelta(minutes=3 * index, seconds=rng.randrange(60))
        template = templates[index % len(templates)]
        job, comic = _records(template, created, rng)
        _write(data, template, job, comic)


def ensure_store(cache: Path, comics: int) -> StoreInfo:
    """The cached folder of `comics` finished comics, building it first when it is missing or stale."""
    root = cache / f"store-v{STORE_VERSION}-{comics}"
    marker = root / "complete.json"
    if marker.is_file():
        built = json.loads(marker.read_text())
        return StoreInfo(root / "data", comics, built["build_seconds"], cached=True)
    shutil.rmtree(root, ignore_errors=True)  # a build that was cut short
    started = time.perf_counter()
    asyncio.run(_build(root, comics))
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({"comics": comics, "build_seconds": round(seconds, 2)}))
    return StoreInfo(root / "data", comics, seconds, cached=False)
