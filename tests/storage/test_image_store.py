"""Images: only real images are accepted, and stored files resolve inside the images folder only."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from PIL import Image

from app.errors import InvalidImage, MediaNotFound
from app.storage.image_store import ImageStore, probe_image

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
