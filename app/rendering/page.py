"""The comic page: the title on top, the lettered panels in a grid with gutters, the lessons below.

The page is drawn at the panels' own resolution (no panel is scaled up), so it is as sharp as the
panels are; the PDF places it on paper at 300 dpi.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from app.rendering.fonts import Font, font_for, normalize
from app.rendering.text import shorten, wrap

PAPER = (253, 251, 246)
INK = (24, 24, 28)
MUTED = (90, 90, 100)
ACCENT = (29, 78, 137)


@dataclass(frozen=True)
class PageText:
    """The words around the panels."""

    title: str
    subtitle: str
    lessons: Sequence[str]
    lessons_heading: str = "What this comic teaches"


def grid(count: int, aspect: float) -> tuple[int, int]:
    """Columns and rows for `count` panels of width/height `aspect`: two across, three for tall panels."""
    if count <= 1:
        return 1, max(count, 1)
    columns = 3 if aspect < 0.9 and count >= 3 else 2
    return columns, math.ceil(count / columns)


def fit_lines(text: str, size: int, width: int, max_lines: int, *, bold: bool = True) -> tuple[Font, list[str]]:
    """Wrap `text` into at most `max_lines` lines of `width` px, shrinking (then shortening) as needed."""
    text = " ".join(normalize(text).split())
    smallest = max(10, size // 2)
    while True:
        font = font_for(text, size, bold=bold)
        lines = wrap(text, font, width)
        if len(lines) <= max_lines:
            return font, lines
        if size > smallest:
            size = max(smallest, size - max(1, size // 12))
        elif shorten(text) != text:
            text = shorten(text)
        else:
            return font, lines[:max_lines]


def _line_height(font: Font) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent


def text_block(
    draw: ImageDraw.ImageDraw | None, lines: Sequence[str], font: Font, x: int, y: int, width: int, **style: object
) -> int:
    """Draw `lines` centred in `width` from `y` (or only measure when `draw` is None); returns the bottom."""
    step = round(_line_height(font) * 1.15)
    for line in lines:
        if draw is not None:
            offset = (width - font.getlength(line)) / 2 if style.get("centre", True) else 0
            draw.text((x + offset, y), line, font=font, fill=style.get("fill", INK), anchor="la")
        y += step
    return y


def lesson_lines(lessons: Sequence[str], size: int, width: int, *, bold: bool = False) -> list[tuple[Font, list[str]]]:
    """Each lesson numbered and wrapped to `width`."""
    out = []
    for number, lesson in enumerate(lessons, start=1):
        text = f"{number}. {' '.join(normalize(lesson).split())}"
        font = font_for(text, size, bold=bold)
        out.append((font, wrap(text, font, width)))
    return out


def compose_page(panels: Sequence[Image.Image], text: PageText) -> Image.Image:
    """The page as one RGB image (see the module docstring)."""
    aspect = statistics.median(p.width / p.height for p in panels) if panels else 1.5
    cell_w = max((p.width for p in panels), default=768)
    cell_h = round(cell_w / aspect)
    columns, rows = grid(len(panels), aspect)
    gutter = max(8, round(cell_w * 0.035))
    margin = gutter * 2
    page_w = columns * cell_w + (columns - 1) * gutter + 2 * margin
    inner = page_w - 2 * margin

    title_font, title_lines = fit_lines(text.title, round(page_w * 0.045), inner, 2)
    sub_font, sub_lines = fit_lines(text.subtitle, round(page_w * 0.02), inner, 1, bold=False)
    head_font, head_lines = fit_lines(text.lessons_heading, round(page_w * 0.022), inner, 1)
    lessons = lesson_lines(text.lessons, round(page_w * 0.017), inner)

    header_h = text_block(None, title_lines, title_font, 0, margin, inner)
    header_h = text_block(None, sub_lines, sub_font, 0, header_h, inner) + gutter
    grid_h = rows * cell_h + (rows - 1) * gutter
    footer_h = text_block(None, head_lines, head_font, 0, 0, inner) + gutter // 2
    footer_h += sum(text_block(None, lines, font, 0, 0, inner) for font, lines in lessons) if lessons else 0
    page_h = header_h + grid_h + gutter + footer_h + margin

    page = Image.new("RGB", (page_w, page_h), PAPER)
    draw = ImageDraw.Draw(page)
    y = text_block(draw, title_lines, title_font, margin, margin, inner)
    text_block(draw, sub_lines, sub_font, margin, y, inner, fill=MUTED)
    frame = max(2, round(cell_w / 250))
    for index, panel in enumerate(panels):
        row, column = divmod(index, columns)
        x0 = margin + column * (cell_w + gutter)
        y0 = header_h + row * (cell_h + gutter)
        fitted = panel.convert("RGB")
        scale = min(cell_w / panel.width, cell_h / panel.height)
        if scale != 1:
            size = (max(1, round(panel.width * scale)), max(1, round(panel.height * scale)))
            fitted = fitted.resize(size, Image.Resampling.LANCZOS)
        px, py = x0 + (cell_w - fitted.width) // 2, y0 + (cell_h - fitted.height) // 2
        page.paste(fitted, (px, py))
        draw.rectangle(
            (px - frame, py - frame, px + fitted.width + frame - 1, py + fitted.height + frame - 1),
            outline=INK,
            width=frame,
        )
    y = header_h + grid_h + gutter
    if lessons:
        y = text_block(draw, head_lines, head_font, margin, y, inner, fill=ACCENT) + gutter // 2
        for font, lines in lessons:
            y = text_block(draw, lines, font, margin, y, inner, centre=False)
    return page
