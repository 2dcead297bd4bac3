"""The lettering fonts: shipped with their licences, and able to set accented Latin text without tofu."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PIL import ImageFont

from app.rendering import fonts
from app.rendering.fonts import FONT_DIR, font_for, font_name_for, has_glyph, normalize

LATIN = "Élodie, Zoë, Søren, Łucja, Ñuño, Őrs, Şule, Dvořák, Ærø, straße — “curly” \u2018single\u2019 « » … ¿¡"


@pytest.fixture
def fresh_font_caches() -> Iterator[None]:
    caches = (fonts._load, fonts._sized, fonts.has_glyph)
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


def test_every_shipped_font_loads_and_has_its_licence_beside_it() -> None:
    shipped = sorted(p for p in FONT_DIR.iterdir() if p.suffix in {".otf", ".ttf"})
    assert [p.name for p in shipped] == ["ComicNeue-Bold.otf", "ComicNeue-Regular.otf", "DejaVuSans-Bold.ttf"]
    for path in shipped:
        assert ImageFont.truetype(str(path), 20).getname()[0]
        family = path.stem.split("-")[0]
        licence = FONT_DIR / f"{family}-LICENSE.txt"
        assert licence.is_file(), licence
    assert "SIL OPEN FONT LICENSE" in (FONT_DIR / "ComicNeue-LICENSE.txt").read_text()


def test_accented_latin_and_curly_quotes_are_set_in_the_comic_font() -> None:
    assert font_name_for(LATIN) == "ComicNeue-Bold.otf"
    missing = [ch for ch in LATIN if not has_glyph("ComicNeue-Bold.otf", ch)]
    assert missing == []


def test_text_the_comic_font_cannot_set_falls_back_to_a_wider_font() -> None:
    vietnamese = "Cảm ơn bạn, Mẹ ơi!"
    assert not all(has_glyph("ComicNeue-Bold.otf", ch) for ch in vietnamese)
    assert font_name_for(vietnamese) == "DejaVuSans-Bold.ttf"
    assert all(has_glyph("DejaVuSans-Bold.ttf", ch) for ch in vietnamese)


def test_the_missing_glyph_probe_can_tell_a_missing_character() -> None:
    assert has_glyph("ComicNeue-Bold.otf", "a")
    assert not has_glyph("ComicNeue-Bold.otf", "\u4e2d")  # a CJK character: not Latin, not in the font


@pytest.mark.usefixtures("fresh_font_caches")
def test_without_the_shipped_files_pillows_own_font_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_CHAINS", {True: ("Missing.otf",), False: ("Missing.otf",)})
    font = font_for("Hello", 30)
    assert isinstance(font, ImageFont.FreeTypeFont)
    assert font.size == 30


def test_normalize_composes_accents_and_drops_control_characters() -> None:
    assert normalize("Zoe\u0308\tsays\x00hi") == "Zoë says hi"
