"""Dialogue parsing and word wrapping."""

from __future__ import annotations

import pytest

from app.rendering.fonts import font_for
from app.rendering.text import Speech, parse_dialogue, shorten, wrap


@pytest.mark.parametrize(
    ("dialogue", "expected"),
    [
        ('Mia: "No thank you!"', [Speech("Mia", "No thank you!")]),
        ('Mia: "Hi!"\nMom: "Hello, Mia."', [Speech("Mia", "Hi!"), Speech("Mom", "Hello, Mia.")]),
        ('Mia: "Hi!" Leo: “Hello there.”', [Speech("Mia", "Hi!"), Speech("Leo", "Hello there.")]),
        ("Mr. O\u2019Neil: Good morning", [Speech("Mr. O\u2019Neil", "Good morning")]),
        ("Élodie: « Ça va ? »", [Speech("Élodie", "Ça va ?")]),
        ("The next morning...", [Speech(None, "The next morning...")]),
        ("\n  \n", []),
    ],
)
def test_parse_dialogue(dialogue: str, expected: list[Speech]) -> None:
    assert parse_dialogue(dialogue) == expected


def test_wrap_never_exceeds_the_width_and_keeps_every_word() -> None:
    font = font_for("x", 24)
    text = "Never take sweets from someone you do not know, even when they smile and say your name. " * 3
    lines = wrap(text, font, 300)
    assert len(lines) > 3
    assert all(font.getlength(line) <= 300 for line in lines)
    assert " ".join(lines).split() == text.split()


def test_a_word_longer_than_the_width_is_split() -> None:
    font = font_for("x", 24)
    lines = wrap("Supercalifragilisticexpialidocious", font, 120)
    assert len(lines) > 1
    assert all(font.getlength(line) <= 120 for line in lines)
    assert "".join(lines) == "Supercalifragilisticexpialidocious"


def test_shorten_drops_words_and_adds_an_ellipsis() -> None:
    assert shorten("one two three") == "one two…"
    assert shorten("one two…") == "one…"
    assert shorten("one") == "one"
    assert shorten(" ".join(["word"] * 100)) == " ".join(["word"] * 80) + "…"
