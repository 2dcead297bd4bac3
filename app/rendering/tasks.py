"""The rendering a finished comic needs, as plain functions of bytes: what the render workers run.

Each function is top-level and takes and returns picklable data (bytes, strings, `PageText`), so
`app/services/finishing/cpu_pool.py` can run it in a worker process; it works as well in a thread.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence

from PIL import Image

from app.models.records import Composition
from app.rendering.page import PageText, compose_page
from app.rendering.pdf import Paper, render_pdf
from app.rendering.png import encode_png


def warm_up() -> int:
    """Import what lettering reads pictures with, before the first panel needs it; returns the worker's pid."""
    import app.rendering.lettering  # noqa: F401 - the import is the work

    return os.getpid()


def letter_panel(data: bytes, title: str, dialogue: str, composition: Composition) -> bytes:
    """The panel image `data` with its title and dialogue lettered on, placed by reading the picture, as PNG bytes."""
    # Imported here: lettering brings OpenCV and NumPy (~0.3 s, ~40 MB), which only the render
    # workers need; the server process imports this module for the functions' names alone.
    from app.rendering.lettering import letter_png

    return letter_png(data, title, dialogue, composition)[0]


def _decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def page_png(lettered: Sequence[bytes], text: PageText) -> bytes:
    """The comic page (see `page.compose_page`) from the lettered panels' PNG bytes, as PNG bytes."""
    return encode_png(compose_page([_decode(data) for data in lettered], text))


def pdf_from_page(page: bytes, text: PageText, paper: Paper) -> bytes:
    """The print PDF (see `pdf.render_pdf`) of the page PNG `page` on `paper`."""
    return render_pdf(_decode(page), text, paper)
