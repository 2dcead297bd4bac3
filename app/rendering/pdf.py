"""The print file: the comic page on A4 or US Letter at 300 dpi, with the lessons on a back page."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from PIL import Image, ImageDraw

from app.rendering.page import ACCENT, INK, MUTED, PageText, fit_lines, lesson_lines, text_block

Paper = Literal["a4", "letter"]
DPI = 300
PAPERS: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}  # millimetres
MARGIN_MM = 12.0
_JPEG_QUALITY = 92  # Pillow stores RGB pages as JPEG; high quality with no chroma subsampling keeps text crisp


def _px(mm: float) -> int:
    return round(mm / 25.4 * DPI)


def paper_size(paper: Paper) -> tuple[int, int]:
    """The paper in pixels at 300 dpi (A4: 2480 x 3508, Letter: 2550 x 3300)."""
    width, height = PAPERS[paper]
    return _px(width), _px(height)


def print_page(page: Image.Image, paper: Paper) -> Image.Image:
    """The comic page scaled to fit the paper inside its margins, centred on white."""
    width, height = paper_size(paper)
    margin = _px(MARGIN_MM)
    scale = min((width - 2 * margin) / page.width, (height - 2 * margin) / page.height)
    size = (round(page.width * scale), round(page.height * scale))
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    sheet.paste(page.convert("RGB").resize(size, Image.Resampling.LANCZOS), ((width - size[0]) // 2, margin))
    return sheet


def back_page(text: PageText, paper: Paper) -> Image.Image:
    """The lessons, large enough to read aloud from, with the title above them."""
    width, height = paper_size(paper)
    margin = _px(MARGIN_MM * 2)
    inner = width - 2 * margin
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font, lines = fit_lines(text.title, _px(9), inner, 3)
    y = text_block(draw, lines, font, margin, margin, inner)
    font, lines = fit_lines(text.subtitle, _px(4.5), inner, 2, bold=False)
    y = text_block(draw, lines, font, margin, y, inner, fill=MUTED) + _px(10)
    font, lines = fit_lines(text.lessons_heading, _px(6.5), inner, 2)
    y = text_block(draw, lines, font, margin, y, inner, fill=ACCENT) + _px(4)
    size = _px(5)
    while size > _px(2.5):  # shrink the lessons until they all fit on the page
        lessons = lesson_lines(text.lessons, size, inner, bold=False)
        bottom = y + sum(text_block(None, ls, f, 0, 0, inner) + _px(3) for f, ls in lessons)
        if bottom <= height - margin:
            break
        size -= _px(0.5)
    for font, lines in lesson_lines(text.lessons, size, inner, bold=False):
        y = text_block(draw, lines, font, margin, y, inner, centre=False, fill=INK) + _px(3)
    return sheet


def render_pdf(page: Image.Image, text: PageText, paper: Paper, created: datetime | None = None) -> bytes:
    """A two-page PDF: the comic page, then the lessons (the back page is left out when there are none)."""
    sheets: Sequence[Image.Image] = [print_page(page, paper)]
    if text.lessons:
        sheets = [*sheets, back_page(text, paper)]
    out = io.BytesIO()
    # A fixed date unless given, so the same comic gives the same bytes.
    stamp = (created or datetime(2000, 1, 1, tzinfo=UTC)).utctimetuple()
    sheets[0].save(
        out,
        "PDF",
        resolution=DPI,
        save_all=True,
        append_images=list(sheets[1:]),
        quality=_JPEG_QUALITY,
        subsampling=0,
        title=text.title,
        producer="Fable Tales",
        creationDate=stamp,
        modDate=stamp,
    )
    return out.getvalue()
