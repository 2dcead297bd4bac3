"""The reader page's HTML: every user text escaped, nothing external, and old comics still shown."""

from __future__ import annotations

import re
from uuid import uuid4

from app.models.records import Comic
from app.rendering.reader import CSP, reader_html

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def comic(**overrides: object) -> Comic:
    """A stored comic document as an older version of the service wrote it (no page, no lettering)."""
    scene = {
        "scene_id": 1,
        "title": f"Title {EVIL}",
        "description": "A park.",
        "dialogue": f'Mia: "{EVIL}"',
        "learning_point": f"Lesson {EVIL}",
        "visual_elements": ["tree"],
    }
    panel = {
        "panel_id": 1,
        "scene_id": 1,
        "prompt": "p",
        "image_path": "images/comics/x/panel-1.png",
        "content_type": "image/png",
        "width": 768,
        "height": 512,
        "size_bytes": 10,
        "sha256": "0" * 64,
        "seed": 1,
        "provider": "offline",
    }
    document = {
        "id": str(uuid4()),
        "job_id": str(uuid4()),
        "topic": f"topic {EVIL}",
        "age_group": "5-8",
        "title": f"Comic {EVIL}",
        "style": "manga",
        "seed": 1,
        "scenes": [scene],
        "characters": [],
        "panels": [panel],
        "providers": {"text": "offline", "image": "offline"},
    }
    document.update(overrides)
    return Comic.model_validate(document)


def test_old_comic_documents_load_with_defaults_and_show_the_raw_panels() -> None:
    old = comic()
    assert old.page_path is None
    assert old.pdf_paths == {}
    assert old.panels[0].lettered_path is None
    assert old.panels[0].version == 1
    html = reader_html(old)
    assert 'src="/media/images/comics/x/panel-1.png"' in html
    assert "PDF" not in html  # no download links for files that do not exist


def test_user_text_is_escaped_everywhere() -> None:
    html = reader_html(comic())
    assert "<script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    # <title>, <h1>, the panel alt text (scene title and dialogue), the lesson and the topic.
    assert html.count("&lt;script&gt;") == 6


def test_lettered_panels_and_downloads_are_linked() -> None:
    finished = comic()
    finished.page_path = "images/comics/x/page.png"
    finished.pdf_paths = {"a4": "images/comics/x/comic-a4.pdf", "letter": "images/comics/x/comic-letter.pdf"}
    finished.panels[0].lettered_path = "images/comics/x/panel-1.lettered.png"
    html = reader_html(finished)
    assert 'src="/media/images/comics/x/panel-1.lettered.png"' in html
    for path in ("page.png", "comic-a4.pdf", "comic-letter.pdf"):
        assert f'href="/media/images/comics/x/{path}"' in html


def test_nothing_external_and_no_script() -> None:
    html = reader_html(comic())
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "<script" not in html
    assert "script-src" not in CSP  # default-src 'none' covers scripts: none may run
    assert "default-src 'none'" in CSP
