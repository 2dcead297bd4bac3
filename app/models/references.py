"""Character references: one picture per character and art style, kept in the library with its versions.

A reference belongs to a character, not to a comic: every comic in that style draws the character
from it. Its record (`references/<character_type>.json`) lists every picture it has had, like a
panel's versions, and the draw in flight (seed, then request id), so that a draw interrupted by a
crash is collected, not paid for twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.models.records import ImageIntent, Picture
from utils import utcnow


class ReferenceVersion(Picture):
    """One picture a reference has had; 1 is the first."""

    version: int
    source: Literal["drawn", "uploaded"] = "drawn"


class ReferenceDraw(BaseModel):
    """A reference picture being requested: the seed before it is submitted, the request id after."""

    seed: int
    at: datetime = Field(default_factory=utcnow)
    request_id: str | None = None

    def intent(self) -> ImageIntent | None:
        """The intent a provider looks a request up by, while its id is not known."""
        return ImageIntent(seed=self.seed, at=self.at) if self.request_id is None else None


class StyleReference(BaseModel):
    """A character's reference in one art style: every version, the current one, and a draw in flight."""

    current: int | None = None  # None until the first picture is stored
    versions: list[ReferenceVersion] = Field(default_factory=list)
    draw: ReferenceDraw | None = None

    def picture(self) -> ReferenceVersion | None:
        """The version comics are drawn from, or None while there is none."""
        return next((v for v in self.versions if v.version == self.current), None)


class CharacterReferences(BaseModel):
    """Every reference of one character, by art style name."""

    character_type: str
    styles: dict[str, StyleReference] = Field(default_factory=dict)
