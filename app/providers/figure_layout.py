"""Where the offline illustrator stands each figure: as the panel's composition says, or the cast in order.

The layout is public so that tests (and the lettering's tests) know where every figure, and its head,
was drawn without reading pixels: `figure_layout` is exactly what `render_panel` draws from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.models.records import CastMember, Composition, Figure
from app.providers import sketch

MAX_FIGURES = 4  # without a composition: the first four of the cast
MAX_STAGED = 6  # with one: three across the front and three behind is as crowded as a panel gets
GENERIC_CHILD = CastMember(
    character_type="child",
    name="",
    description="A smiling child in a blue t-shirt.",
    visual_tags=["child", "short brown hair", "blue t-shirt"],
    age_group="5-8",
)
# Heights relative to an adult, so that adults always stand taller than children.
_KIND_HEIGHT = {"adult": 1.0, "preteen": 0.84, "child": 0.72}
_ANCHOR = {"left": 0.22, "centre": 0.5, "right": 0.78}
# Feet and size per depth: people further back stand higher up the picture and smaller.
_ROW = {"front": (0.86, 1.0), "back": (0.72, 0.78)}


@dataclass(frozen=True)
class FigureSlot:
    """Where one figure stands: centre x, feet y, height and the width its name label may use."""

    kind: str
    cx: float
    base: float
    height: float
    label_width: float
    name: str = ""
    depth: str = "front"
    extra: bool = False  # not in the cast: drawn as a silhouette from `look`
    look: str = ""

    @property
    def head(self) -> tuple[float, float, float]:
        """The head as drawn: centre x, centre y and radius."""
        return sketch.head_circle(self.kind, self.cx, self.base, self.height)

    @property
    def box(self) -> tuple[float, float, float, float]:
        """The figure's bounding box, arms and hair included: (left, top, right, bottom)."""
        half = sketch.WIDTH_RATIO[self.kind] * self.height / 2
        _, hy, r = self.head
        return (self.cx - half, hy - r * 1.7, self.cx + half, self.base)


def _kind(member: CastMember) -> str:
    return sketch.figure_kind(member.age_group, member.visual_tags, member.description)


def figure_layout(
    cast: Sequence[CastMember], width: int, height: int, composition: Composition | None = None
) -> list[FigureSlot]:
    """Where each figure stands, in drawing order (the back row first, each row from left to right).

    Without a composition: up to four of the cast, evenly spaced (a lone generic child when there is
    no cast). With one: exactly its figures, at their positions and depths, pushed apart where they
    would overlap and scaled down together so that none do.
    """
    if composition is None:
        members = list(cast[:MAX_FIGURES]) or [GENERIC_CHILD]
        kinds = [_kind(m) for m in members]
        step = width / (len(members) + 1)
        adult_h = height * 0.62
        # Shrink everyone by the same factor so relative heights survive a crowded or narrow panel.
        widest = max(sketch.WIDTH_RATIO[k] * _KIND_HEIGHT[k] * adult_h for k in kinds)
        scale = min(1.0, 0.82 * step / widest)
        base = height * 0.86
        return [
            FigureSlot(k, step * (i + 1), base, adult_h * _KIND_HEIGHT[k] * scale, step * 0.96, m.name)
            for i, (k, m) in enumerate(zip(kinds, members, strict=True))
        ]
    figures = composition.figures[:MAX_STAGED]
    return [
        slot
        for depth in ("back", "front")
        for slot in _row([f for f in figures if f.depth == depth], cast, width, height)
    ]


def _row(figures: list[Figure], cast: Sequence[CastMember], width: int, height: int) -> list[FigureSlot]:
    if not figures:
        return []
    order = sorted(range(len(figures)), key=lambda i: (_ANCHOR[figures[i].position], i))
    figures = [figures[i] for i in order]
    members = {m.name.casefold(): m for m in cast}
    types = {m.character_type: m for m in cast}
    kinds, looks = [], []
    for figure in figures:
        member = None
        if figure.character_type is not None:
            member = members.get(figure.name.casefold()) or types.get(figure.character_type)
        kinds.append(_kind(member) if member else sketch.extra_kind(figure.look or ""))
        looks.append("" if member else figure.look or figure.name)
    lo, hi = width * 0.14, width * 0.86
    gap = min(width * 0.3, (hi - lo) / (len(figures) - 1)) if len(figures) > 1 else width
    xs = _spread([_ANCHOR[f.position] * width for f in figures], gap, lo, hi)
    base_share, depth_scale = _ROW[figures[0].depth]
    adult_h = height * 0.62 * depth_scale
    widest = max(sketch.WIDTH_RATIO[k] * _KIND_HEIGHT[k] * adult_h for k in kinds)
    scale = min(1.0, 0.82 * min(gap, width / 2) / widest)
    return [
        FigureSlot(
            kind,
            x,
            height * base_share,
            adult_h * _KIND_HEIGHT[kind] * scale,
            min(gap, width / 2) * 0.96,
            figure.name,
            figure.depth,
            bool(look),
            look,
        )
        for figure, kind, look, x in zip(figures, kinds, looks, xs, strict=True)
    ]


def _spread(wanted: list[float], gap: float, lo: float, hi: float) -> list[float]:
    """`wanted` x positions (sorted) moved apart to at least `gap`, kept within [`lo`, `hi`] and in order."""
    xs: list[float] = []
    for x in wanted:
        xs.append(max(x, lo, xs[-1] + gap) if xs else max(x, lo))
    if xs[-1] > hi:  # pushed off the right edge: pack back from there
        xs[-1] = hi
        for i in range(len(xs) - 2, -1, -1):
            xs[i] = min(xs[i], xs[i + 1] - gap)
    return xs
