"""The reader page: one self-contained HTML document showing a finished comic.

No script, no external asset: the styles are inline and the pictures come from this service's
`/media/` route, so it works offline and on any screen (one column on a phone, two on a desktop).
Every piece of text is escaped: titles, topics and dialogue come from parents and language models.
"""

from __future__ import annotations

from html import escape

from app.models.records import Comic, Scene
from master_prompts import STYLES

# Served as the page's Content-Security-Policy: nothing runs, nothing loads from elsewhere.
CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f6f4ef;color:#1c1c20;font:17px/1.5 "Comic Neue","Comic Sans MS","Chalkboard SE",sans-serif}
main{max-width:1100px;margin:0 auto;padding:16px}
header{text-align:center;margin:8px 0 20px}
h1{font-size:clamp(1.6rem,5vw,2.6rem);line-height:1.15;margin:0 0 6px}
.sub{color:#55555f;margin:0 0 12px}
.files{display:flex;flex-wrap:wrap;gap:8px;justify-content:center;padding:0;margin:0;list-style:none}
.files a{display:inline-block;padding:6px 14px;border:2px solid #1c1c20;border-radius:999px;color:#1c1c20;
text-decoration:none;background:#fff;font-weight:bold}
.files a:hover,.files a:focus{background:#1c1c20;color:#fff}
.panels{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,440px),1fr));gap:14px;
margin:0;padding:0;list-style:none}
.panels li{margin:0}
.panels img{display:block;width:100%;height:auto;border:3px solid #1c1c20;background:#fff}
.lessons{background:#fff;border:2px solid #1c1c20;border-radius:12px;padding:12px 20px;margin:22px 0}
.lessons h2{margin:4px 0 8px;font-size:1.3rem}
.lessons ol{margin:0;padding-left:1.4em}
footer{color:#55555f;font-size:.9rem;text-align:center;margin:10px 0 24px}
"""


def _alt(panel_id: int, scene: Scene | None) -> str:
    if scene is None:
        return f"Panel {panel_id}"
    words = " ".join(scene.dialogue.split())
    return f"Panel {panel_id}: {scene.title}. {words}".strip()


def _files(comic: Comic) -> str:
    links = []
    if comic.page_path:
        links.append(("/media/" + comic.page_path, "Comic page (PNG)"))
    labels = {"a4": "PDF (A4)", "letter": "PDF (US Letter)"}
    links += [("/media/" + path, labels.get(paper, f"PDF ({paper})")) for paper, path in comic.pdf_paths.items()]
    items = "".join(f'<li><a href="{escape(url)}" download>{escape(label)}</a></li>' for url, label in links)
    return f'<ul class="files">{items}</ul>' if items else ""


def reader_html(comic: Comic) -> str:
    """The reader page of `comic`."""
    scenes = {scene.scene_id: scene for scene in comic.scenes}
    style = STYLES.get(comic.style)
    subtitle = f"A comic for ages {comic.age_group.value}" + (f" · {style.label}" if style else "")
    panels = []
    for panel in comic.panels:
        src = "/media/" + (panel.lettered_path or panel.image_path)
        alt = _alt(panel.panel_id, scenes.get(panel.scene_id))
        panels.append(
            f'<li><img src="{escape(src)}" alt="{escape(alt)}" width="{int(panel.width)}" '
            f'height="{int(panel.height)}"></li>'
        )
    lessons = "".join(f"<li>{escape(s.learning_point)}</li>" for s in comic.scenes if s.learning_point.strip())
    lessons_html = (
        f'<section class="lessons"><h2>What this comic teaches</h2><ol>{lessons}</ol></section>' if lessons else ""
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(comic.title)} · Fable Tales</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<header>
<h1>{escape(comic.title)}</h1>
<p class="sub">{escape(subtitle)}</p>
{_files(comic)}
</header>
<ol class="panels">{"".join(panels)}</ol>
{lessons_html}
<footer>Made with Fable Tales about “{escape(comic.topic)}”.</footer>
</main>
</body>
</html>
"""
