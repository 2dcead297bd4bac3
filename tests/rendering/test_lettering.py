"""Lettering a panel: balloons and captions fit inside the panel, words fit inside them, and read back."""

from __future__ import annotations

import io
import itertools
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from app.models.records import Composition
from app.models.story import SceneDraft
from app.providers.offline_images import render_panel
from app.rendering.balloons import Box, tail_box
from app.rendering.fonts import font_for
from app.rendering.lettering import Item, Layout, letter_png, line_origins, plan
from app.rendering.picture import Reading
from external_services import ImageRequest
from master_prompts import STYLES
from tests.utils.factories import PRESET_CAST

TITLE = "A stranger at the bus stop"
SHORT = 'Mia: "No thank you! I will ask my mom."\nMom: "Well done, Mia."'
LONG = (
    'Mia: "I really do not want to take the sweets from you, because my mom told me never to take anything '
    "from people I do not know, not even lollipops or chocolate or a shiny balloon, not ever, not even once, "
    'and I always remember what she says."\n'
    'Mom: "That is exactly right, my clever girl, and I am so proud of you for remembering it all by yourself."\n'
    'Stranger: "Oh. Okay then, have a nice day."'
)
SIZES = [(768, 512), (512, 768), (1024, 1024), (256, 256)]
THIRD = 1 / 3  # the most of a panel that lettering may cover
MIA_MOM = Composition.in_cast_order(["Mia", "Mom"])


def panel_image(width: int = 768, height: int = 512, style: str = "cartoon", dialogue: str = SHORT) -> bytes:
    scene = SceneDraft(
        scene_id=2,
        title=TITLE,
        description="Mia waits at the bus stop in the park with Mom.",
        dialogue=dialogue,
        learning_point="Say no to sweets from strangers.",
        visual_elements=["bench", "bus stop"],
    )
    cast = [PRESET_CAST["Mia"], PRESET_CAST["Mom"]]
    request = ImageRequest(prompt="", width=width, height=height, seed=3, scene=scene, cast=cast, style=STYLES[style])
    return render_panel(request)


def _inside_rounded(point: tuple[float, float], box: Box, radius: float) -> bool:
    """Whether `point` lies inside the rounded rectangle `box` with corner `radius`."""
    x, y = point
    if not (box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1):
        return False
    cx = min(max(x, box.x0 + radius), box.x1 - radius)
    cy = min(max(y, box.y0 + radius), box.y1 - radius)
    return math.hypot(x - cx, y - cy) <= radius


def ink_boxes(item: Item) -> list[tuple[float, float, float, float]]:
    """Where each line's glyphs actually land, as Pillow measures them."""
    font = font_for(item.text, item.font_size)
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    return [
        draw.textbbox(origin, line, font=font, anchor="la")
        for line, origin in zip(item.lines, line_origins(item), strict=True)
    ]


def assert_well_placed(layout: Layout) -> None:
    panel = Box(0, 0, layout.width, layout.height)
    stroke = layout.stroke
    for item in layout.items:
        assert panel.contains(item.box), item
        if item.tail:
            assert panel.contains(tail_box(item.tail)), item
        inner = item.box.inflate(-stroke)
        radius = max(0, item.radius - stroke) if item.kind == "balloon" else 0
        for x0, y0, x1, y1 in ink_boxes(item):
            for corner in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
                assert _inside_rounded(corner, inner, radius), f"{item.kind} text leaves its frame at {corner}"
    for a, b in itertools.combinations(layout.items, 2):
        assert not a.box.overlaps(b.box), (a.box, b.box)
    assert layout.covered <= layout.width * layout.height * THIRD


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("dialogue", [SHORT, LONG], ids=["short", "long"])
def test_lettering_stays_inside_the_panel_and_the_balloons(width: int, height: int, dialogue: str) -> None:
    layout = plan(Reading.blank(width, height), TITLE, dialogue, MIA_MOM)
    assert_well_placed(layout)
    assert layout.items[0].kind == "caption"


def test_one_balloon_per_speaker_line_with_the_name_first() -> None:
    layout = plan(Reading.blank(768, 512), TITLE, LONG, MIA_MOM)
    balloons = [item for item in layout.items if item.kind == "balloon"]
    assert [b.speaker for b in balloons] == ["Mia", "Mom", "Stranger"]
    assert balloons[2].tail is None  # the stranger is not in the picture: his balloon points at nobody
    assert [b.lines[0].split(":")[0] for b in balloons] == ["Mia", "Mom", "Stranger"]
    words = " ".join(" ".join(b.lines) for b in balloons).split()
    assert "yourself." in words  # nothing was dropped at this size
    assert not layout.shortened


def test_long_dialogue_is_set_smaller_than_short_dialogue() -> None:
    short = plan(Reading.blank(768, 512), TITLE, SHORT, MIA_MOM)
    long = plan(Reading.blank(768, 512), TITLE, LONG, MIA_MOM)
    assert max(i.font_size for i in long.items) < max(i.font_size for i in short.items)


def test_tails_point_to_the_speakers_side() -> None:
    # The cast stands left to right in order: Mia on the left, Mom on the right.
    layout = plan(Reading.blank(768, 512), "", 'Mia: "Hi!"\nMom: "Hello!"', MIA_MOM)
    mia, mom = (item.tail for item in layout.items)
    assert mia is not None
    assert mom is not None
    assert mia[2][0] < 768 / 2 < mom[2][0]


def test_text_that_cannot_fit_is_shortened_with_an_ellipsis_never_clipped() -> None:
    flood = 'Mia: "' + "blah " * 400 + '"'
    layout = plan(Reading.blank(256, 256), TITLE, flood, Composition.in_cast_order(["Mia"]))
    assert layout.shortened
    assert layout.items
    assert layout.items[-1].lines[-1].endswith("…")
    assert_well_placed(layout)


def test_only_pixels_under_the_lettering_change() -> None:
    raw = panel_image()
    lettered, layout = letter_png(raw, TITLE, LONG, MIA_MOM)
    before = Image.open(io.BytesIO(raw)).convert("RGB")
    after = Image.open(io.BytesIO(lettered)).convert("RGB")
    assert after.size == before.size
    covered = Image.new("1", before.size, 0)
    draw = ImageDraw.Draw(covered)
    for item in layout.items:
        # One pixel of slack: shapes are drawn at 3x and shrunk, so their edges blend into neighbours.
        grown = item.box.union(tail_box(item.tail)) if item.tail else item.box
        draw.rectangle((grown.x0 - 1, grown.y0 - 1, grown.x1, grown.y1), fill=1)
    changed = 0
    for x, y in itertools.product(range(0, before.width, 2), range(0, before.height, 2)):
        if before.getpixel((x, y)) != after.getpixel((x, y)):
            changed += 1
            assert covered.getpixel((x, y)), f"pixel {(x, y)} changed outside the lettering"
    sampled = (before.width // 2) * (before.height // 2)
    assert 0.05 < changed / sampled <= THIRD + 0.02


def test_the_raw_panel_bytes_are_not_modified() -> None:
    raw = panel_image()
    copy = bytes(raw)
    letter_png(raw, TITLE, SHORT, MIA_MOM)
    assert raw == copy


TESSERACT = shutil.which("tesseract")


def _ocr_words(image: Image.Image, box: Box, tmp_path: Path) -> set[str]:
    crop = image.crop((box.x0, box.y0, box.x1, box.y1)).convert("L")
    crop = crop.resize((crop.width * 2, crop.height * 2), Image.Resampling.LANCZOS)
    path = tmp_path / "crop.png"
    crop.save(path)
    assert TESSERACT is not None
    out = subprocess.run([TESSERACT, str(path), "stdout", "--psm", "6"], capture_output=True, text=True, timeout=30)
    return set(re.findall(r"[a-z']+", out.stdout.lower()))


@pytest.mark.skipif(TESSERACT is None, reason="tesseract is not installed (.ci/run installs tesseract-ocr)")
@pytest.mark.parametrize("style", ["storybook", "comic_book"])  # soft washes, and busy halftone dots
def test_ocr_reads_the_balloon_text_back(style: str, tmp_path: Path) -> None:
    raw = panel_image(style=style, dialogue=LONG)
    lettered, layout = letter_png(raw, TITLE, LONG, MIA_MOM)
    image = Image.open(io.BytesIO(lettered))
    for item in layout.items:
        expected = set(re.findall(r"[a-z']+", " ".join(item.lines).lower()))
        read = _ocr_words(image, item.text_box.inflate(item.font_size // 2), tmp_path)
        found = len(expected & read) / len(expected)
        assert found >= 0.85, f"{item.kind}: OCR read {sorted(read)}, expected {sorted(expected)}"
