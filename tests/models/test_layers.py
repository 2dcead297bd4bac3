"""Layers point down: the models (the transition table included) know nothing of services or storage."""

from __future__ import annotations

import ast
from pathlib import Path

MODELS = Path(__file__).resolve().parents[2] / "app" / "models"
ABOVE = ("app.services", "app.storage")


def _imports(source: str) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:  # `from app import storage` names app.storage
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return names


def test_models_import_neither_services_nor_storage() -> None:
    upward = [
        f"{path.name}: {name}"
        for path in sorted(MODELS.glob("*.py"))
        for name in _imports(path.read_text(encoding="utf-8"))
        if name in ABOVE or name.startswith(tuple(f"{layer}." for layer in ABOVE))
    ]
    assert upward == []
