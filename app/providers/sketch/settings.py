"""Settings: which place a scene happens in, read from its words, and painting that place's background."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from random import Random

from app.providers.sketch.indoors import draw_home, draw_school, draw_shop
from app.providers.sketch.outdoors import draw_outdoor
from app.providers.sketch.palette import word_set
from app.providers.sketch.pen import Pen

_SETTING_WORDS: dict[str, frozenset[str]] = {
    "school": word_set(
        "school classroom class teacher desk blackboard chalkboard whiteboard lesson pupil student homework"
    ),
    "shop": word_set(
        "shop store supermarket market grocery groceries bakery cashier checkout aisle shelf shelves mall trolley"
    ),
    "home": word_set(
        "home kitchen bedroom living_room house bathroom sofa couch bed hallway indoors inside apartment "
        "dinner_table fridge tv"
    ),
    "outdoor": word_set(
        "park playground street garden beach yard backyard outside outdoors forest woods road crosswalk "
        "sidewalk pavement field lake river sea bus_stop zoo farm swing slide tree path crossing traffic sky"
    ),
}
# Ordered: the first variant of a kind is its default.
_VARIANT_WORDS: dict[str, dict[str, frozenset[str]]] = {
    "outdoor": {
        "park": word_set("park playground garden yard swing slide bench"),
        "street": word_set("street road crosswalk sidewalk pavement traffic crossing car bus"),
        "beach": word_set("beach sea ocean sand seaside waves"),
        "forest": word_set("forest woods trees camp trail"),
    },
    "home": {
        "home": word_set("home house"),
        "kitchen": word_set("kitchen fridge stove cooking oven dinner"),
        "bedroom": word_set("bedroom bed pillow bedtime"),
        "living": word_set("living_room sofa couch tv television"),
    },
}


@lru_cache(maxsize=256)
def _word_re(word: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(word)}(?:s|es)?\b")


def _count(text: str, words: Iterable[str]) -> int:
    return sum(len(_word_re(w).findall(text)) for w in words)


def pick_setting(title: str, description: str, visual_elements: Sequence[str]) -> tuple[str, str]:
    """The (kind, variant) of a scene's setting from its words; an unknown scene is a park."""
    main = f"{title} {description}".lower()
    extra = " ".join(visual_elements).lower()
    # The scene text outweighs the props list; ties go to the earlier, more specific, kind.
    scores = {kind: 2 * _count(main, words) + _count(extra, words) for kind, words in _SETTING_WORDS.items()}
    kind = max(scores, key=lambda k: scores[k])
    if scores[kind] == 0:
        return ("outdoor", "park")
    variants = _VARIANT_WORDS.get(kind)
    if not variants:
        return (kind, kind)
    both = f"{main} {extra}"
    vscores = {name: _count(both, words) for name, words in variants.items()}
    best = max(vscores, key=lambda k: vscores[k])
    return (kind, best if vscores[best] else next(iter(variants)))


def draw_setting(pen: Pen, kind: str, variant: str, rng: Random) -> None:
    """Paint the background for a setting kind and variant, as `pick_setting` returns them."""
    if kind == "outdoor":
        draw_outdoor(pen, variant, rng)
    elif kind == "school":
        draw_school(pen, rng)
    elif kind == "shop":
        draw_shop(pen, rng)
    else:
        draw_home(pen, variant, rng)
