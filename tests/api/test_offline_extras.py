"""The offline comic about strangers draws the stranger, as an extra, in the panel where he speaks."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image

from app.models.records import CastMember, Composition
from app.providers.offline_images import figure_layout
from tests.utils.flow import API, completed_job


def test_the_stranger_is_drawn_where_he_speaks(client: TestClient) -> None:
    job_id = completed_job(client)
    comic = client.get(f"{API}/comics/{job_id}/result").json()
    scene = next(s for s in comic["scenes"] if s["dialogue"].startswith("Stranger:"))
    panel = next(p for p in comic["panels"] if p["scene_id"] == scene["scene_id"])
    composition = Composition.model_validate(panel["composition"])
    assert composition.speakers == ["Stranger"]
    stranger = composition.figure("Stranger")
    assert stranger is not None
    assert stranger.character_type is None

    cast = [CastMember.model_validate(c) for c in comic["characters"]]
    slots = {slot.name: slot for slot in figure_layout(cast, panel["width"], panel["height"], composition)}
    assert set(slots) == {f.name for f in composition.figures}
    assert slots["Stranger"].extra
    assert not slots["Mia"].extra
    image = Image.open(io.BytesIO(client.get(panel["image_url"]).content)).convert("RGB")
    x, y, r = slots["Stranger"].head
    head = image.crop((round(x - r / 2), round(y - r / 2), round(x + r / 2), round(y + r / 2)))
    colours = head.getcolors(4096)
    assert colours is not None
    _, (red, green, blue) = max(colours)
    assert max(red, green, blue) - min(red, green, blue) < 60
    assert max(red, green, blue) < 160
