"""Test pictures with people where the tests put them, and where each face really is.

Three kinds, so that lettering is not only tried on pictures made with its own detectors in mind:
- the offline illustrator's figures (its own drawing code), at any place and size, close-ups included;
- cartoon heads drawn here in another manner (big ovals, light to dark skin, and a blue monster
  whose face is not skin-coloured at all);
- a photograph (Grace Hopper, from matplotlib's sample data) as a close-up and small in a scene.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from random import Random

from PIL import Image, ImageDraw

from app.models.records import Composition, Figure, Position
from app.providers import sketch
from app.rendering.balloons import Box
from tests.utils.factories import PRESET_CAST


@dataclass(frozen=True)
class Person:
    """Someone in a test picture: name, where the composition says they stand, and their face box."""

    name: str
    position: Position
    face: Box
    cast: bool = True


@dataclass(frozen=True)
class Picture:
    name: str
    image: Image.Image
    people: tuple[Person, ...]

    def composition(self) -> Composition:
        figures = [
            Figure(name=p.name, character_type=p.name.lower() if p.cast else None, position=p.position)
            for p in self.people
        ]
        return Composition(figures=figures, speakers=[p.name for p in self.people])


def _background(width: int, height: int, style: str, seed: int = 1) -> tuple[Image.Image, sketch.Pen]:
    image = Image.new("RGB", (width, height), (255, 255, 255))
    pen = sketch.Pen(image, sketch.look_for(style))
    kind, variant = sketch.pick_setting("At the park", "A sunny park with trees", ["bench"])
    sketch.draw_setting(pen, kind, variant, Random(seed))
    return image, pen


def figures(
    name: str,
    places: list[tuple[str, Position, float, float, float]],
    size: tuple[int, int] = (768, 512),
    style: str = "cartoon",
) -> Picture:
    """The offline illustrator's figures: (name, position said, centre x, feet y, height), shares of the panel."""
    width, height = size
    image, pen = _background(width, height, style)
    members = [PRESET_CAST[place[0]] for place in places]
    looks = sketch.cast_traits([(m.name, m.description, m.visual_tags, m.age_group) for m in members])
    people = []
    for (who, position, cx, base, tall), traits in zip(places, looks, strict=True):
        x, feet, h = cx * width, base * height, tall * height
        sketch.draw_figure(pen, traits, x, feet, h)
        r = h * {"adult": 0.1, "preteen": 0.115, "child": 0.13}[traits.kind]  # as figures.py draws heads
        centre_y = feet - h + r
        people.append(Person(who, position, Box(int(x - r), int(centre_y - r), int(x + r), int(centre_y + r))))
    image = sketch.finish(image, pen.look)
    return Picture(name, image, tuple(people))


_HEAD_COLOURS = {"peach": (250, 214, 186), "brown": (120, 78, 52), "monster": (120, 190, 235)}


def cartoon_heads(
    name: str, heads: list[tuple[str, Position, str, float, float, float]], size: tuple[int, int] = (768, 512)
) -> Picture:
    """Big oval heads on shoulders over a sky and a wall: (name, position said, colour, centre x, centre y, radius)."""
    width, height = size
    image = Image.new("RGB", size, (150, 200, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, int(height * 0.55), width, height), fill=(214, 190, 150))
    people = []
    for who, position, colour, cx, cy, radius in heads:
        x, y, r = cx * width, cy * height, radius * min(size)
        draw.rounded_rectangle((x - r * 1.3, y + r * 0.8, x + r * 1.3, y + r * 3.5), r * 0.5, fill=(200, 60, 70))
        draw.ellipse(
            (x - r * 0.85, y - r, x + r * 0.85, y + r), fill=_HEAD_COLOURS[colour], outline=(30, 30, 30), width=3
        )
        draw.chord((x - r * 0.9, y - r * 1.1, x + r * 0.9, y - r * 0.1), 180, 360, fill=(60, 40, 30))
        for side in (-1, 1):
            ex = x + side * r * 0.35
            draw.ellipse((ex - r * 0.12, y - r * 0.05, ex + r * 0.12, y + r * 0.25), fill=(20, 20, 20))
        draw.arc((x - r * 0.35, y + r * 0.2, x + r * 0.35, y + r * 0.65), 20, 160, fill=(120, 30, 30), width=4)
        face = Box(int(x - r * 0.85), int(y - r), int(x + r * 0.85), int(y + r))
        people.append(Person(who, position, face, cast=colour != "monster" or who != "Stranger"))
    return Picture(name, image, tuple(people))


def _hopper() -> Image.Image:
    import matplotlib  # a test dependency: its sample data is the only photograph of a face we have offline

    path = Path(matplotlib.__file__).parent / "mpl-data" / "sample_data" / "grace_hopper.jpg"
    with Image.open(path) as image:
        return image.convert("RGB")


_HOPPER_FACE = Box(158, 120, 372, 336)  # measured by eye on the 512x600 photograph: brow to chin, ear to ear


def photo_close_up() -> Picture:
    """The photograph as a panel: one face filling the middle, its head near the top."""
    return Picture("photo close-up", _hopper(), (Person("Grace", "centre", _HOPPER_FACE),))


def photo_in_scene(size: tuple[int, int] = (768, 512)) -> Picture:
    """The photograph small, on the left of a drawn park, with a drawn figure on the right."""
    picture = figures("photo in scene", [("Mom", "right", 0.78, 0.92, 0.7)], size)
    image = picture.image.copy()
    scale = size[1] * 0.55 / 600
    photo = _hopper().resize((round(512 * scale), round(600 * scale)), Image.Resampling.LANCZOS)
    left, top = round(size[0] * 0.12), round(size[1] * 0.3)
    image.paste(photo, (left, top))
    f = _HOPPER_FACE
    face = Box(left + int(f.x0 * scale), top + int(f.y0 * scale), left + int(f.x1 * scale), top + int(f.y1 * scale))
    return Picture(picture.name, image, (Person("Grace", "left", face), *picture.people))


def gallery() -> list[Picture]:
    """Every kind of test picture, with people at places other than the cast order."""
    return [
        figures("mom left of mia", [("Mom", "left", 0.2, 0.9, 0.7), ("Mia", "right", 0.62, 0.9, 0.5)]),
        figures(
            "three off-centre",
            [("Leo", "right", 0.85, 0.95, 0.45), ("Dad", "centre", 0.45, 0.95, 0.75), ("Zoe", "left", 0.12, 0.95, 0.5)],
        ),
        figures("close-up pair", [("Mia", "left", 0.3, 1.9, 1.7), ("Mom", "right", 0.75, 1.6, 1.45)]),
        figures("close-up tall", [("Sam", "centre", 0.5, 1.5, 1.3)], size=(512, 768), style="storybook"),
        figures("manga pair", [("Ava", "left", 0.3, 0.98, 0.8), ("Noah", "right", 0.7, 0.98, 0.6)], style="manga"),
        cartoon_heads(
            "cartoon close-ups", [("Mia", "left", "peach", 0.3, 0.28, 0.2), ("Dad", "right", "brown", 0.72, 0.3, 0.22)]
        ),
        cartoon_heads(
            "cartoon trio",
            [
                ("Leo", "centre", "brown", 0.5, 0.35, 0.13),
                ("Mom", "left", "peach", 0.15, 0.3, 0.14),
                ("Stranger", "right", "monster", 0.85, 0.32, 0.14),
            ],
        ),
        photo_close_up(),
        photo_in_scene(),
        *_line_art(),
    ]


def _line_art() -> list[Picture]:
    from tests.rendering import line_art  # it builds on Person and Picture above

    return [line_art.ink_sketch(), line_art.pencil_wash()]
