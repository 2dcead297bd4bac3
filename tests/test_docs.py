"""Every route, CLI command and setting is documented; this test fails when one is not."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from app.main import create_app
from config import Settings
from main import _parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _operations() -> list[tuple[str, str, dict]]:
    schema = create_app(Settings(_env_file=None)).openapi()
    return [(method.upper(), path, op) for path, item in schema["paths"].items() for method, op in item.items()]


@pytest.mark.parametrize(("method", "path", "operation"), _operations(), ids=lambda v: v if isinstance(v, str) else "")
def test_route_has_docstring_and_readme_row(method: str, path: str, operation: dict) -> None:
    assert operation.get("description"), f"{method} {path} has no docstring"
    assert (
        "200" in operation["responses"]
        or "201" in operation["responses"]
        or any(code in operation["responses"] for code in ("202", "204"))
    )
    assert f"`{method} {path}`" in README, f"README has no row for {method} {path}"


def test_every_cli_command_is_in_readme() -> None:
    subparsers = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in subparsers.choices.items():
        assert f"python main.py {name}" in README, name
        for action in parser._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in README, f"{name} {flag} is not in the README"


def test_every_setting_is_in_readme_and_env_example() -> None:
    env_example = (ROOT / ".env.example").read_text()
    for name, field in Settings.model_fields.items():
        variable = "FAL_KEY" if name == "fal_key" else name.upper()
        assert f"`{variable}`" in README or variable in README, f"README does not document {variable}"
        assert f"{variable}=" in env_example, f".env.example does not document {variable}"
        assert field.description is None or field.description
