"""The image store's finished files: versions, lettered panels, page and PDFs, all inside the comic's folder."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from PIL import Image

from app.errors import MediaNotFound
from app.storage.image_store import ImageStore, probe_image

pytestmark = pytest.mark.anyio


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 8), "teal").save(buffer, "PNG")
    return buffer.getvalue()


async def test_versions_and_finished_files_live_in_the_comics_folder(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    comic = uuid.uuid4()
    data = _png()
    paths = [
        await store.save_panel_version(comic, 2, 3, data, probe_image(data)),
        await store.save_finished(comic, "panel-2.lettered.png", data),
        await store.save_finished(comic, "page.png", data),
        await store.save_finished(comic, "comic-a4.pdf", b"%PDF-1.4"),
        await store.save_finished(comic, "comic-letter.pdf", b"%PDF-1.4"),
    ]
    folder = f"images/comics/{comic}/"
    assert paths == [
        folder + "panel-2.v3.png",
        folder + "panel-2.lettered.png",
        folder + "page.png",
        folder + "comic-a4.pdf",
        folder + "comic-letter.pdf",
    ]
    assert await store.read(paths[0]) == data
    assert await store.usage() == (5, 3 * len(data) + 2 * len(b"%PDF-1.4"))


@pytest.mark.parametrize("name", ["../page.png", "page.png/../../x", "notes.txt", "comic-a3.pdf", "panel-1.png", ""])
async def test_only_known_finished_names_are_written(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="finished-file name"):
        await ImageStore(tmp_path).save_finished(uuid.uuid4(), name, b"x")
    assert not (tmp_path / "images").exists()


async def test_read_refuses_paths_outside_the_images_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("no")
    with pytest.raises(MediaNotFound):
        await ImageStore(tmp_path).read("../secret.txt")
    with pytest.raises(MediaNotFound):
        await ImageStore(tmp_path).read("secret.txt")
