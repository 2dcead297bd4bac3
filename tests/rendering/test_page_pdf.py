"""The comic page PNG and the print PDFs (A4 and US Letter at 300 dpi)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from app.rendering.page import PageText, compose_page, grid
from app.rendering.pdf import paper_size, render_pdf

COLOURS = [(220, 40, 40), (40, 160, 60), (40, 80, 220), (230, 180, 20), (150, 50, 180), (20, 170, 170)]
TEXT = PageText(
    title="Mia and the Candy Lesson",
    subtitle="A Fable Tales comic for ages 5-8",
    lessons=[f"Lesson number {n}: say no, walk away and tell a grown-up you trust." for n in range(1, 7)],
)


def panels(count: int = 6, size: tuple[int, int] = (768, 512)) -> list[Image.Image]:
    return [Image.new("RGB", size, COLOURS[i % len(COLOURS)]) for i in range(count)]


@pytest.mark.parametrize(
    ("count", "aspect", "expected"), [(6, 1.5, (2, 3)), (4, 1.5, (2, 2)), (6, 0.66, (3, 2)), (1, 1.5, (1, 1))]
)
def test_grid(count: int, aspect: float, expected: tuple[int, int]) -> None:
    assert grid(count, aspect) == expected


def test_page_lays_the_panels_out_in_reading_order_with_gutters() -> None:
    page = compose_page(panels(), TEXT)
    assert page.width < page.height  # portrait: title, three rows of two, lessons
    # Sample the middle of each grid cell: the panels appear left to right, top to bottom.
    found = []
    for y in range(0, page.height, 8):
        for x in (page.width // 4, 3 * page.width // 4):
            colour = page.getpixel((x, y))
            if colour in COLOURS and colour not in found:
                found.append(colour)
    assert found == COLOURS
    # The gutter between the two columns is page background, not panel.
    assert page.getpixel((page.width // 2, page.height // 2)) not in COLOURS


def test_panels_of_another_size_are_fitted_not_stretched() -> None:
    page = compose_page([*panels(5), Image.new("RGB", (300, 400), (0, 0, 0))], TEXT)
    assert page.width > 2 * 768


@pytest.mark.parametrize(("paper", "points"), [("a4", (595.2, 841.92)), ("letter", (612.0, 792.0))])
def test_pdf_has_the_page_and_a_lessons_page_at_300_dpi(paper: str, points: tuple[float, float]) -> None:
    pdf = PdfReader(io.BytesIO(render_pdf(compose_page(panels(), TEXT), TEXT, paper)))
    assert len(pdf.pages) == 2
    for page in pdf.pages:
        assert float(page.mediabox.width) == pytest.approx(points[0], abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(points[1], abs=0.5)
        (image,) = page.images
        width_px, height_px = image.image.size
        assert (width_px, height_px) == paper_size(paper)
        assert width_px / (float(page.mediabox.width) / 72) == pytest.approx(300, abs=1)
    assert "Lesson number 6" not in pdf.pages[0].extract_text()  # pages are pictures; no text layer
    assert pdf.metadata is not None
    assert pdf.metadata.title == TEXT.title


def test_paper_sizes_at_300_dpi() -> None:
    assert paper_size("a4") == (2480, 3508)
    assert paper_size("letter") == (2550, 3300)


def test_pdf_without_lessons_has_one_page() -> None:
    text = PageText(title="Untitled", subtitle="", lessons=[])
    pdf = PdfReader(io.BytesIO(render_pdf(compose_page(panels(2), text), text, "a4")))
    assert len(pdf.pages) == 1


def test_same_comic_gives_the_same_pdf_bytes() -> None:
    page = compose_page(panels(), TEXT)
    assert render_pdf(page, TEXT, "a4") == render_pdf(page, TEXT, "a4")
