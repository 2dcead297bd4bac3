"""Where each figure of a panel is: the composition's hint, checked against the faces the picture shows.

The composition says who stands left, centre or right, in front or at the back; the picture says
where faces really are. When they disagree the picture wins: detected faces are handed to the
composition's figures in left-to-right order (a model that misplaces a figure rarely swaps the
order), each to the nearest figure it can be. A figure no face was found for keeps a place
estimated from its position and depth, wide and tall enough to hold the head wherever the model
is likely to have drawn it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.models.records import Composition, Figure, Position
from app.rendering.balloons import Box
from app.rendering.picture import Reading

_X = {"left": 0.22, "centre": 0.5, "right": 0.78}
_STRAY = 0.06  # how far (share of the width) a figure may stand from its named place, for unseen heads
# Where an unseen head may be, as shares of the height: from a close-up's top edge down to a
# child's chin near the bottom (measured in the README, "Finished comics").
_FRONT_ROWS, _BACK_ROWS = (0.02, 0.62), (0.1, 0.5)
_ORDER: dict[Position, int] = {"left": 0, "centre": 1, "right": 2}


@dataclass(frozen=True)
class Place:
    """A figure's head in the picture; `seen` when a detected face backs it, not only the composition."""

    name: str
    head: Box
    seen: bool


def _estimate(figure: Figure, same_place: list[Figure], reading: Reading) -> Box:
    spread = 0.12 if figure.position == "centre" else 0.1
    offset = (same_place.index(figure) - (len(same_place) - 1) / 2) * spread
    cx = (_X[figure.position] + offset) * reading.width
    # Tall, because only the picture could say how tall the figure stands: a front figure's head
    # is anywhere from the top edge (a close-up) down to a little below the middle (a small child
    # standing near the bottom: the offline illustrator draws one's head at 0.41 .. 0.53 of the
    # height), a back one's a little higher and smaller. Wide by as much as an image model strays
    # from the named place, because this zone is kept off like a face: measured with every detector
    # off, the gallery's worst face cover fell from 100% to 6% with the margin and the close-up top,
    # and to 3.2% with the zone reaching down to 0.62 (README).
    back = figure.depth == "back"
    half = min(reading.width, reading.height) * (0.06 if back else 0.1) + reading.width * _STRAY
    top, bottom = _BACK_ROWS if back else _FRONT_ROWS
    return Box(int(cx - half), int(reading.height * top), int(cx + half), int(reading.height * bottom))


def places(composition: Composition, reading: Reading) -> list[Place]:
    """Every figure's place, in the composition's order."""
    figures = composition.figures
    estimated = [_estimate(f, [g for g in figures if g.position == f.position], reading) for f in figures]
    heads: list[Box | None] = [None] * len(figures)
    by_x = sorted(range(len(figures)), key=lambda i: (estimated[i].x0 + estimated[i].x1) / 2)
    faces = sorted(reading.faces, key=lambda b: b.x0 + b.x1)
    # A face below where any head of a standing figure can be is not one (two shoes and a label
    # read as eyes and a mouth): it keeps the lettering off, but no figure takes it for its head.
    lowest = max((box.y1 for box in estimated), default=0)
    faces = [face for face in faces if (face.y0 + face.y1) / 2 <= lowest]
    if len(faces) == len(figures):
        for figure_index, face in zip(by_x, faces, strict=True):
            heads[figure_index] = face
    else:
        reach = reading.width * 0.3
        pairs = sorted(
            (abs(_cx(face) - _cx(estimated[i])), i, k) for i in range(len(figures)) for k, face in enumerate(faces)
        )
        used: set[int] = set()
        for distance, i, k in pairs:
            if distance <= reach and heads[i] is None and k not in used:
                heads[i], _ = faces[k], used.add(k)
    return [Place(f.name, heads[i] or estimated[i], heads[i] is not None) for i, f in enumerate(figures)]


def _cx(box: Box) -> float:
    return (box.x0 + box.x1) / 2


def find(places_: Sequence[Place], speaker: str) -> Place | None:
    """The place of the figure the speaker is: by name, or by first name ("Mia" for "Mia Rose")."""
    key = speaker.strip().casefold()
    for place in places_:
        name = place.name.strip().casefold()
        if key == name or key == name.split(" ")[0] or name == key.split(" ")[0]:
            return place
    return None
