"""What the lettering tests measure a layout with: the pixels its frames and tails cover, as drawn."""

from __future__ import annotations

from PIL import Image, ImageDraw

from app.rendering.lettering import Layout


def lettering_mask(layout: Layout) -> Image.Image:
    """A 1-bit picture of the panel: 1 under every balloon, caption and tail (their shapes, not their boxes)."""
    mask = Image.new("1", (layout.width, layout.height), 0)
    draw = ImageDraw.Draw(mask)
    for item in layout.items:
        draw.rounded_rectangle((item.box.x0, item.box.y0, item.box.x1 - 1, item.box.y1 - 1), item.radius, fill=1)
        if item.tail:
            draw.polygon(list(item.tail), fill=1)
    return mask
