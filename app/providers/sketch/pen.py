"""The pen: filled shapes drawn the way a look wants them, tinted, inked and maybe shadowed."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from PIL import Image, ImageDraw

from app.providers.sketch.palette import INK, RGB, Look

Box = tuple[float, float, float, float]
SHADOW = (40, 30, 20, 70)  # translucent, so a cut-out's shadow darkens whatever lies under it


@lru_cache(maxsize=8)
def _gradient(size: tuple[int, int]) -> Image.Image:
    return Image.linear_gradient("L").resize(size)


class Pen:
    """Draws filled shapes the way a `Look` wants them: tinted, inked and maybe shadowed."""

    def __init__(self, image: Image.Image, look: Look) -> None:
        self.image = image
        self.look = look
        self.draw = ImageDraw.Draw(image, "RGBA")  # RGBA mode so translucent fills blend
        scale = min(image.size) / 512
        self.ink = max(1, round(look.outline * scale)) if look.outline else 0
        self.drop = max(2, round(5 * scale))

    def _outline(self, ink: bool) -> tuple[RGB | None, int]:
        return (INK, self.ink) if ink and self.ink else (None, 0)

    def _shadow(self, box: Box) -> Box:
        d = self.drop
        return (box[0] + d, box[1] + d, box[2] + d, box[3] + d)

    def ellipse(self, box: Box, colour: RGB, *, ink: bool = True, shadow: bool = True) -> None:
        """A filled ellipse."""
        if self.look.shadow and shadow:
            self.draw.ellipse(self._shadow(box), fill=SHADOW)
        outline, width = self._outline(ink)
        self.draw.ellipse(box, fill=self.look.tint(colour), outline=outline, width=width)

    def rect(self, box: Box, colour: RGB, radius: float = 0, *, ink: bool = True, shadow: bool = True) -> None:
        """A filled, optionally rounded, rectangle."""
        radius = max(0, min(radius, (box[2] - box[0]) / 2, (box[3] - box[1]) / 2))
        if self.look.shadow and shadow:
            self.draw.rounded_rectangle(self._shadow(box), radius, fill=SHADOW)
        outline, width = self._outline(ink)
        self.draw.rounded_rectangle(box, radius, fill=self.look.tint(colour), outline=outline, width=width)

    def polygon(self, points: Sequence[tuple[float, float]], colour: RGB, *, ink: bool = True) -> None:
        """A filled polygon."""
        if self.look.shadow:
            d = self.drop
            self.draw.polygon([(x + d, y + d) for x, y in points], fill=SHADOW)
        outline, width = self._outline(ink)
        self.draw.polygon(list(points), fill=self.look.tint(colour), outline=outline, width=width)

    def pieslice(self, box: Box, start: float, end: float, colour: RGB, *, ink: bool = True) -> None:
        """A filled slice of an ellipse (hair domes, caps, beards)."""
        outline, width = self._outline(ink)
        self.draw.pieslice(box, start, end, fill=self.look.tint(colour), outline=outline, width=width)

    def plain(self, colour: RGB, alpha: int = 255) -> tuple[int, int, int, int]:
        """A tinted fill for small details that get no ink or shadow."""
        return (*self.look.tint(colour), alpha)

    def backdrop(self, top: RGB, bottom: RGB, y1: int) -> None:
        """Fill the panel above `y1` (a sky or a wall), fading from `top` to `bottom` in looks with gradients."""
        w = self.image.size[0]
        if self.look.gradient and y1 > 1:
            a, b = Image.new("RGB", (w, y1), self.look.tint(bottom)), Image.new("RGB", (w, y1), self.look.tint(top))
            self.image.paste(Image.composite(a, b, _gradient((w, y1))), (0, 0))
        else:
            self.draw.rectangle((0, 0, w, y1), fill=self.look.tint(top))
