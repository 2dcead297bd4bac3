"""Images: only real images are accepted, and stored files resolve inside the images folder only."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from PIL import Image

from app.errors import InvalidImage, MediaNotFound
from app.storage.image_store import ImageStore, is_panel_file, probe_image
from app.storage.tally import tree_usage

pytestmark = pytest.mark.anyio


def _png(size: tuple[int, int] = (64, 32), fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, fmt)
    return buffer.getvalue()


def test_probe_describes_real_images() -> None:
    info = probe_image(_png())
    assert (info.extension, info.content_type, info.width, info.height) == ("png", "image/png", 64, 32)
    assert probe_image(_png(fmt="JPEG")).content_type == "image/jpeg"


@pytest.mark.parametrize("data", [b"", b"not an image", _png()[:40], b"<svg></svg>", b"GIF89a" + b"\0" * 20])
def test_probe_rejects_what_is_not_an_image(data: bytes) -> None:
    with pytest.raises(InvalidImage):
        probe_image(data)


def test_probe_rejects_unsupported_formats() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "BMP")
    with pytest.raises(InvalidImage, match="unsupported"):
        probe_image(buffer.getvalue())


async def test_save_and_resolve(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    comic_id = uuid.uuid4()
    data = _png()
    relative = await store.save_panel(comic_id, 3, data, probe_image(data))
    assert relative == f"images/comics/{comic_id}/panel-3.png"
    assert store.resolve(relative).read_bytes() == data
    await store.delete_comic(comic_id)
    with pytest.raises(MediaNotFound):
        store.resolve(relative)


async def test_the_panels_share_follows_every_write_and_delete(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    await store.count()
    comic_id = uuid.uuid4()
    small, big = _png((8, 8)), _png((300, 200))

    async def assert_counted() -> None:
        assert await store.panel_usage() == tree_usage(store.root, is_panel_file)
        assert await store.usage() == tree_usage(store.root)

    await store.save_panel(comic_id, 1, small, probe_image(small))
    await store.save_panel(comic_id, 2, small, probe_image(small))
    await store.save_panel(comic_id, 1, big, probe_image(big))  # replaced in place
    await store.save_panel_version(comic_id, 2, 2, big, probe_image(big))
    await store.save_finished(comic_id, "panel-1.lettered.png", big)
    await assert_counted()
    assert await store.panel_usage() == (4, len(small) + 3 * len(big))

    # The page, the PDFs and the characters' references are images but not panels.
    await store.save_finished(comic_id, "page.png", big)
    await store.save_finished(comic_id, "comic-a4.pdf", b"%PDF-1.4 not really")
    await store.save_reference("girl_young", "storybook", 1, big, probe_image(big))
    await assert_counted()
    assert await store.panel_usage() == (4, len(small) + 3 * len(big))
    assert (await store.usage())[0] == 7

    await store.delete_finished(comic_id, "panel-1.lettered.png")
    await store.delete_finished(comic_id, "comic-a4.pdf")
    await assert_counted()
    assert await store.panel_usage() == (3, len(small) + 2 * len(big))

    await store.delete_comic(comic_id)
    await assert_counted()
    assert await store.panel_usage() == (0, 0)
    assert await ImageStore(tmp_path).panel_usage() == (0, 0)  # and counted so again at the next start


@pytest.mark.parametrize(
    "name", ["panel-1.png", "panel-12.jpg", "panel-3.v2.webp", "panel-6.lettered.png", "panel-100.v17.png"]
)
def test_panel_files_are_named_as_the_store_names_them(name: str) -> None:
    assert is_panel_file(name)


@pytest.mark.parametrize("name", ["page.png", "comic-a4.pdf", "storybook.v1.png", "panel-1.png.tmp", "xpanel-1.png"])
def test_other_files_are_not_panels(name: str) -> None:
    assert not is_panel_file(name)


@pytest.mark.parametrize(
    "relative", ["../x", "images/../../x", "/etc/passwd", "", "images", "jobs/a.json", "images\\..\\x", "images/link"]
)
def test_resolve_refuses_escapes(tmp_path: Path, relative: str) -> None:
    store = ImageStore(tmp_path / "data")
    store.root.mkdir(parents=True)
    (tmp_path / "x").write_text("outside")
    (store.root / "link").symlink_to(tmp_path / "x")
    with pytest.raises(MediaNotFound):
        store.resolve(relative)
