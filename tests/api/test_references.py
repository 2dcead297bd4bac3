"""Character references on the offline providers: the library lists them, redraws and uploads change them.

Every test runs on the file store and on PostgreSQL: the records are the store's, the pictures the image store's.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.conftest import MakeSettings
from tests.utils.flow import API, completed_job, job_ready_to_generate, wait_for_references, wait_until_settled

REFS = f"{API}/comics/characters"

pytestmark = pytest.mark.usefixtures("both_stores")


@pytest.fixture
def small_upload_client(make_settings: MakeSettings) -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app(make_settings(max_reference_bytes=64 * 1024))) as client:
        yield client


def _png(colour: tuple[int, int, int], size: tuple[int, int] = (200, 300)) -> bytes:
    """A figure in `colour` standing on white: what a parent's own reference could look like."""
    image = Image.new("RGB", size, (255, 255, 255))
    w, h = size
    image.paste(colour, (w // 3, h // 10, 2 * w // 3, 9 * h // 10))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _bomb() -> bytes:
    """A valid PNG header claiming 30000 x 30000 pixels (900 MP) with a few bytes of data."""
    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _chunk(b"IEND", b"")
    )


def _red_share(picture: bytes) -> float:
    """The share of clearly red pixels (the style's tint washes colours, so "red" is loose)."""
    image = Image.open(io.BytesIO(picture)).convert("RGB").resize((192, 128))
    return sum(1 for r, g, b in image.get_flattened_data() if r - max(g, b) > 60) / (192 * 128)


def test_references_are_drawn_when_the_cast_is_chosen_and_listed(client: TestClient) -> None:
    job_ready_to_generate(client)
    found = wait_for_references(client, ["girl_young", "parent_mom"])
    for kind in ("girl_young", "parent_mom"):
        reference = found[kind]
        assert reference["version"] == 1
        assert reference["source"] == "drawn"
        assert reference["image_url"] == f"/media/images/characters/{kind}/storybook.v1.png"
        image = Image.open(io.BytesIO(client.get(reference["image_url"]).content))
        assert image.size == (512, 768)  # portrait: the whole figure
        corners = [image.getpixel(xy) for xy in ((0, 0), (511, 0), (0, 767), (511, 767))]
        assert len(set(corners)) == 1  # a plain background
    others = {c["id"]: c["references"] for c in client.get(REFS).json()["characters"]}
    assert others["boy_young"] == {}  # nobody cast him: nothing drawn, nothing paid


def test_a_cast_given_up_front_is_drawn_while_the_scenes_are_written(client: TestClient) -> None:
    cast = [{"character_type": "boy_young", "count": 2}]
    body = {"topic": "teach my kid to brush their teeth every night", "age_group": "5-8", "characters": cast}
    job_id = client.post(f"{API}/comics/scenes/generate", json=body).json()["job_id"]
    wait_for_references(client, ["boy_young"])
    assert wait_until_settled(client, job_id)["usage"]["references"] == 1  # two Leos, one reference


def test_generate_in_another_style_draws_that_styles_references(client: TestClient) -> None:
    job_id = completed_job(client, style="manga")
    found = wait_for_references(client, ["girl_young", "parent_mom"], style="manga")
    assert found["girl_young"]["image_url"].endswith("/manga.v1.png")
    # Drawn at casting in the default style (the style was not known yet), then in manga at generate.
    assert client.get(f"{API}/comics/{job_id}/status").json()["usage"]["references"] == 4


def test_redraw_keeps_the_old_version_and_uses_a_new_seed(client: TestClient) -> None:
    job_ready_to_generate(client)
    wait_for_references(client, ["girl_young"])
    response = client.post(f"{REFS}/girl_young/references/storybook/redraw")
    assert response.status_code == 200, response.text
    versions = response.json()["styles"]["storybook"]["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["seed"] != versions[1]["seed"]
    assert response.json()["styles"]["storybook"]["current"] == 2
    assert client.get(versions[0]["image_url"]).status_code == 200  # the old one is kept
    listed = next(c for c in client.get(REFS).json()["characters"] if c["id"] == "girl_young")
    assert listed["references"]["storybook"]["version"] == 2


def test_an_uploaded_reference_becomes_current_and_colours_the_panels(client: TestClient) -> None:
    before = completed_job(client)
    red = (220, 20, 30)
    response = client.post(
        f"{REFS}/parent_mom/references/storybook", content=_png(red), headers={"content-type": "image/png"}
    )
    assert response.status_code == 201, response.text
    reference = response.json()["styles"]["storybook"]
    assert reference["current"] == 2
    assert reference["versions"][-1]["source"] == "uploaded"
    stored = client.get(reference["versions"][-1]["image_url"]).content
    assert stored[:8] == b"\x89PNG\r\n\x1a\n"  # re-encoded as PNG
    after = completed_job(client)

    def red_share(job_id: str) -> float:
        panels = client.get(f"{API}/comics/{job_id}/result").json()["panels"]
        # Only the panels Mom stands in (their composition says who is drawn).
        with_mom = [p for p in panels if any(f["character_type"] == "parent_mom" for f in p["composition"]["figures"])]
        assert with_mom
        return sum(_red_share(client.get(p["image_url"]).content) for p in with_mom) / len(with_mom)

    # Mom's teal cardigan is now the reference's red in every panel she is in.
    assert red_share(after) > red_share(before) + 0.03  # measured: 0.0 before, 0.059 after


def test_a_jpeg_or_webp_upload_is_re_encoded_as_png(client: TestClient) -> None:
    for kind, fmt in (("image/jpeg", "JPEG"), ("image/webp", "WEBP")):
        out = io.BytesIO()
        Image.open(io.BytesIO(_png((20, 120, 220)))).save(out, fmt)
        response = client.post(
            f"{REFS}/boy_young/references/cartoon", content=out.getvalue(), headers={"content-type": kind}
        )
        assert response.status_code == 201, response.text
        url = response.json()["styles"]["cartoon"]["versions"][-1]["image_url"]
        assert url.endswith(".png")
        assert Image.open(io.BytesIO(client.get(url).content)).format == "PNG"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [
        (b"this is not a picture at all", "image/png", 415, "not a PNG, JPEG or WebP"),
        (_png((1, 2, 3))[:200], "image/png", 422, "cannot be decoded"),
        (_bomb(), "image/png", 422, "pixels"),
        (_png((1, 2, 3)), "text/plain", 415, "Content-Type"),
        (_png((1, 2, 3)), None, 415, "Content-Type"),
        (_png((1, 2, 3)), "image/jpeg", 415, "not the image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif", 415, "Content-Type"),
        (b"", "image/png", 422, "empty"),
    ],
    ids=["not-an-image", "truncated", "huge-dimensions", "text-type", "no-type", "type-mismatch", "gif", "empty"],
)
def test_hostile_uploads_get_a_clear_4xx_and_store_nothing(
    client: TestClient, data_dir: Path, body: bytes, content_type: str | None, status: int, words: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(f"{REFS}/girl_young/references/storybook", content=body, headers=headers)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]
    assert not (data_dir / "images" / "characters").exists() or not any((data_dir / "images" / "characters").rglob("*"))
    assert not (data_dir / "references" / "girl_young.json").exists()


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(small_upload_client: TestClient) -> None:
    big = _png((9, 9, 9), size=(1500, 1500)) + b"\0" * (70 * 1024)
    response = small_upload_client.post(
        f"{REFS}/girl_young/references/storybook", content=big, headers={"content-type": "image/png"}
    )
    assert response.status_code == 413
    fine = small_upload_client.post(
        f"{REFS}/girl_young/references/storybook", content=_png((9, 9, 9)), headers={"content-type": "image/png"}
    )
    assert fine.status_code == 201  # bigger than MAX_REQUEST_BYTES would allow a JSON body? no: its own limit


def test_unknown_characters_and_styles(client: TestClient) -> None:
    png = {"content": _png((1, 2, 3)), "headers": {"content-type": "image/png"}}
    assert client.post(f"{REFS}/nobody_here/references/storybook", **png).status_code == 404
    assert client.post(f"{REFS}/nobody_here/references/storybook/redraw").status_code == 404
    assert client.post(f"{REFS}/girl_young/references/watercolour_x", **png).status_code == 422
    assert client.post(f"{REFS}/girl_young/references/..%2F..%2Fetc/redraw").status_code in (404, 422)
    assert client.post(f"{REFS}/Girl/references/storybook/redraw").status_code == 422


def test_a_custom_character_gets_references_too(client: TestClient) -> None:
    body = {
        "character_type": "grandma_rose",
        "name": "Grandma Rose",
        "description": "A cheerful grandmother with short grey hair and a purple cardigan.",
        "visual_tags": ["adult", "grey hair", "purple cardigan"],
        "age_group": "adult",
    }
    assert client.post(REFS, json=body).status_code == 201
    response = client.post(f"{REFS}/grandma_rose/references/paper_cutout/redraw")
    assert response.status_code == 200, response.text
    assert response.json()["styles"]["paper_cutout"]["current"] == 1
