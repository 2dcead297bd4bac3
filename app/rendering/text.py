"""Words for a panel: dialogue parsed into speaker lines, and text wrapped to a width."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.rendering.fonts import Font, normalize

_QUOTES = "\"\u201c\u201d\u201e\u00ab\u00bb'\u2018\u2019"
# `Mia: "Hi!" Leo: "Hello!"` on one line: every quoted speech with the name before it.
_NAME = r"(?P<name>[^\W\d_][\w .'\u2019-]{0,39}?)\s*:\s*"
_QUOTED_TURN = re.compile(_NAME + r"[\"\u201c\u201e\u00ab](?P<text>[^\"\u201c\u201d\u00bb]*)[\"\u201c\u201d\u00bb]")
# `Mia: text` (quoted or not).
_TURN = re.compile("^" + _NAME + r"(?P<text>.+)$")
ELLIPSIS = "…"


@dataclass(frozen=True)
class Speech:
    """One balloon's worth of words; `speaker` is None for narration."""

    speaker: str | None
    text: str


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text


def parse_dialogue(dialogue: str) -> list[Speech]:
    """Split `Name: "words"` lines (one speech per speaker turn); other lines are narration."""
    speeches: list[Speech] = []
    for raw in normalize(dialogue).splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        turns = list(_QUOTED_TURN.finditer(line))
        if len(turns) > 1:
            speeches += [Speech(t["name"].strip(), t["text"].strip()) for t in turns if t["text"].strip()]
            continue
        match = _TURN.match(line)
        if match and _unquote(match["text"]):
            speeches.append(Speech(match["name"].strip(), _unquote(match["text"])))
        else:
            speeches.append(Speech(None, _unquote(line) or line))
    return speeches


@lru_cache(maxsize=8192)
def text_length(font: Font, text: str) -> float:
    """The advance width of `text` set in `font`, in pixels.

    Remembered: placing one panel's words tries several widths at several sizes, so the same words
    are measured again and again (about a tenth of the lettering's time before).
    """
    return font.getlength(text)


def _split_long_word(word: str, font: Font, width: float) -> list[str]:
    pieces, current = [], ""
    for ch in word:
        if current and text_length(font, current + ch) > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    return [*pieces, current] if current else pieces


def wrap(text: str, font: Font, width: float) -> list[str]:
    """Greedy word wrap so that no line is wider than `width` pixels; over-long words are split."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        pieces = [word] if text_length(font, word) <= width else _split_long_word(word, font, width)
        for piece in pieces:
            candidate = f"{current} {piece}" if current else piece
            if text_length(font, candidate) <= width:
                current = candidate
            else:
                if current:
                    lines.append(current)
                current = piece
    if current:
        lines.append(current)
    return lines


def shorten(text: str) -> str:
    """`text` with its last fifth of words (at least one) cut and an ellipsis added, for text that cannot fit."""
    words = text.rstrip(ELLIPSIS).split()
    if len(words) <= 1:
        return text
    keep = len(words) - max(1, len(words) // 5)
    return " ".join(words[:keep]).rstrip(",;:") + ELLIPSIS
