"""Drawing primitives for the offline illustrator: looks, settings, figures, props and labels.

Everything here is plain Pillow on an RGB image and depends only on its arguments (randomness
comes in as a seeded `Random`), so a panel is reproducible byte for byte. Each piece is kept
cheap: a whole panel should render in a few tens of milliseconds.
"""

from app.providers.sketch.effects import finish, paper_texture
from app.providers.sketch.extras import EXTRA_TAG, draw_extra, extra_colour, extra_kind
from app.providers.sketch.figures import WIDTH_RATIO, draw_figure, head_circle
from app.providers.sketch.labels import border, fit_text, get_font, label
from app.providers.sketch.palette import COLOURS, INK, RGB, Look, look_for
from app.providers.sketch.pen import Pen
from app.providers.sketch.props import draw_prop
from app.providers.sketch.reference import with_reference
from app.providers.sketch.settings import draw_setting, pick_setting
from app.providers.sketch.traits import Traits, cast_traits, figure_kind

__all__ = [
    "COLOURS",
    "EXTRA_TAG",
    "INK",
    "RGB",
    "WIDTH_RATIO",
    "Look",
    "Pen",
    "Traits",
    "border",
    "cast_traits",
    "draw_extra",
    "draw_figure",
    "draw_prop",
    "draw_setting",
    "extra_colour",
    "extra_kind",
    "figure_kind",
    "finish",
    "fit_text",
    "get_font",
    "head_circle",
    "label",
    "look_for",
    "paper_texture",
    "pick_setting",
    "with_reference",
]
