"""Counting the structured-output formats the OpenAI text model builds (each costs ~1-12 ms of the event loop)."""

from __future__ import annotations

import pytest
from openai.lib._parsing._completions import type_to_response_format_param

from app.providers import openai_text


def count_response_formats(monkeypatch: pytest.MonkeyPatch) -> list[type]:
    """The schemas `openai_text` builds a response format for from now on, in order (the build still happens)."""
    made: list[type] = []

    def counted(schema: type) -> object:
        made.append(schema)
        return type_to_response_format_param(schema)

    monkeypatch.setattr(openai_text, "type_to_response_format_param", counted)
    return made
