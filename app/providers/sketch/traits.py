"""Traits: what a character looks like, read from the colour and clothing words of its description and tags."""

from __future__ import annotations

import re
import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from app.providers.sketch.palette import COLOURS, RGB, SKIN_WORDS, spare_colour, word_set

_DEFAULT_SKIN: RGB = (246, 208, 176)
# Unstated hair is dark: a blond or red guess would clash with a skin-coloured face or beard.
_NATURAL_HAIR: tuple[RGB, ...] = ((58, 42, 36), (128, 80, 44), (40, 40, 46), (96, 60, 36))

_HAIR_WORDS = word_set("hair pigtails pigtail ponytail afro braids braid bun curls beard bob")
_TOP_WORDS = word_set(
    "shirt t-shirt tshirt dress hoodie jacket cardigan sweater jumper top coat blouse flannel uniform "
    "vest overalls apron jersey polo"
)
_LONG_SLEEVES = word_set("hoodie jacket cardigan sweater jumper coat blouse flannel uniform")
_BOTTOM_WORDS = word_set("shorts pants trousers jeans skirt leggings")
_HAT_WORDS = word_set("cap hat headband bow beanie helmet")
_ADULT_WORDS = word_set(
    "adult man woman mother father mom mum dad parent teacher grandma grandpa grandmother grandfather "
    "lady gentleman neighbour neighbor"
)
_CHILD_WORDS = word_set("child kid boy girl toddler son daughter")
_PRETEEN_WORDS = word_set("preteen teen teenager nine-year-old ten-year-old eleven-year-old twelve-year-old")
# Ordered: the first style whose words a character mentions wins.
_HAIR_STYLES: tuple[tuple[str, frozenset[str]], ...] = (
    ("afro", word_set("afro")),
    ("pigtails", word_set("pigtails pigtail bunches")),
    ("ponytail", word_set("ponytail")),
    ("spiky", word_set("spiky")),
    ("curly", word_set("curly curls")),
    ("long", word_set("long shoulder-length braids braid bob")),
    ("short", word_set("short straight bald beard")),
)


@dataclass(frozen=True)
class Traits:
    """What the offline illustrator reads from a character's description and tags."""

    kind: str  # "adult", "preteen" or "child"
    skin: RGB
    hair: RGB
    top: RGB
    top_given: bool
    bottom: RGB
    hat: RGB | None
    hair_style: str
    hat_style: str | None
    dress: bool
    shorts: bool
    long_sleeves: bool
    striped: bool
    glasses: bool
    beard: bool
    freckles: bool


def _phrases(description: str, tags: Sequence[str]) -> list[list[str]]:
    # One phrase per tag and per clause, so that "red" in "red t-shirt" never colours the hair.
    chunks = [*tags, *re.split(r",|\.|;|\band\b|\bwith\b|\bin\b|\bwearing\b", description)]
    return [re.findall(r"[a-z]+(?:-[a-z]+)*", c.lower()) for c in chunks]


def figure_kind(age_group: str, tags: Sequence[str], description: str = "") -> str:
    """Whether a character is drawn as an adult, a preteen or a young child."""
    known = {"adult": "adult", "9-12": "preteen", "5-8": "child"}
    if age_group in known:
        return known[age_group]
    # Tags describe the character itself, so they speak first: a description may mention others ("his dad").
    for text in (" ".join(tags), description):
        words = {w for p in _phrases(text, []) for w in p}
        if words & _ADULT_WORDS and age_group != "5-12":
            return "adult"
        if words & _PRETEEN_WORDS:
            return "preteen"
        if words & _CHILD_WORDS:
            return "child"
    return "child"


def cast_traits(members: Sequence[tuple[str, str, Sequence[str], str]]) -> list[Traits]:
    """Traits of a whole cast of (name, description, tags, age group), with invented top colours kept apart.

    Depends only on the cast, so each character keeps one look in every panel of a comic.
    """
    first = [_read_traits(*m) for m in members]
    taken = [t.top for t in first if t.top_given]
    out = []
    for m, t in zip(members, first, strict=True):
        if not t.top_given:
            t = _read_traits(*m, avoid=taken)
            taken.append(t.top)
        out.append(t)
    return out


def _read_traits(
    name: str, description: str, tags: Sequence[str], age_group: str, avoid: Collection[RGB] = ()
) -> Traits:
    # An unstated top colour comes from the name, so it is the same in every panel; `avoid` keeps it unique.
    phrases = _phrases(description, tags)
    words = {w for p in phrases for w in p}
    found: dict[str, RGB] = {}
    hat_style = None
    for p in phrases:
        colour = next((COLOURS[w] for w in p if w in COLOURS and w != "dark"), None)
        if colour is None and "dark" in p:
            colour = COLOURS["dark"]
        if "skin" in p:
            tone = next((SKIN_WORDS[w] for w in p if w in SKIN_WORDS), None)
            found.setdefault("skin", tone or _DEFAULT_SKIN)
            continue
        hat = next((w for w in p if w in _HAT_WORDS), None)
        if hat:
            hat_style = hat_style or ("headband" if hat in {"headband", "bow"} else "cap")
        for slot, vocab in (("hair", _HAIR_WORDS), ("hat", _HAT_WORDS), ("top", _TOP_WORDS), ("bottom", _BOTTOM_WORDS)):
            if colour and vocab.intersection(p):
                found.setdefault(slot, colour)
                break
    pick = zlib.crc32(name.encode())  # crc32, not hash(): str hashes change between processes
    hair_style = next(
        (s for s, ws in _HAIR_STYLES if words & ws), "short" if "man" in words or "boy" in words else "long"
    )
    return Traits(
        kind=figure_kind(age_group, tags, description),
        skin=found.get("skin", _DEFAULT_SKIN),
        hair=found.get("hair", _NATURAL_HAIR[pick % len(_NATURAL_HAIR)]),
        top=found.get("top") or spare_colour(pick, avoid),
        top_given="top" in found,
        bottom=found.get("bottom", (64, 86, 132)),
        hat=found.get("hat", (230, 80, 80)) if hat_style else None,
        hair_style=hair_style,
        hat_style=hat_style,
        dress="dress" in words or "skirt" in words,
        shorts="shorts" in words,
        long_sleeves=bool(words & _LONG_SLEEVES),
        striped="striped" in words or "stripes" in words,
        glasses="glasses" in words,
        beard="beard" in words,
        freckles="freckles" in words,
    )
