"""Fable Tales: turn a parent's worry into a comic that teaches a child."""

__version__ = "0.1.0"
