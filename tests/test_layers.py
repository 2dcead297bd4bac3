"""The layers import downwards only: storage knows nothing of the export or the services, models nothing of either,
and nothing above storage knows which document store runs (only `app/storage/stores.py` names PostgreSQL's).

Read from the source with `ast`, so an import inside a function, under `if TYPE_CHECKING:`, relative
(`from ..export import x`) or by name (`importlib.import_module("app.storage.relational.tables")`) counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Layer (a folder under app/) -> the packages none of its modules may import.
FORBIDDEN = {
    "storage": ("app.export", "app.services"),
    "models": ("app.services", "app.storage"),
    "services": ("app.storage.postgres", "psycopg", "psycopg_pool"),
    "api": ("app.storage.postgres", "psycopg", "psycopg_pool"),
}


def imported_modules(source: str, module: str) -> set[str]:
    """Every module name `source` (the module `module`, dotted) imports, wherever the import is."""
    package = module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def _breaks(name: str, forbidden: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(f"{package}.") for package in forbidden)


def _modules(layer: str) -> list[Path]:
    return sorted((ROOT / "app" / layer).rglob("*.py"))


@pytest.mark.parametrize(
    ("layer", "path"),
    [(layer, path) for layer in FORBIDDEN for path in _modules(layer)],
    ids=lambda value: value if isinstance(value, str) else value.relative_to(ROOT).as_posix(),
)
def test_a_layer_never_imports_the_layers_above_it(layer: str, path: Path) -> None:
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    names = imported_modules(path.read_text(encoding="utf-8"), module)
    wrong = sorted(name for name in names if _breaks(name, FORBIDDEN[layer]))
    assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


def test_every_layer_has_modules_to_check() -> None:
    assert all(len(_modules(layer)) > 3 for layer in FORBIDDEN)


@pytest.mark.parametrize(
    "source",
    [
        "from app.export.bundle import write_bundle",
        "import app.services.container",
        "def f():\n    from app.export import tables",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.services.jobs import runner",
        "from ..export import tables",
        "from ..services.jobs.runner import Runner",
        "import importlib\nimportlib.import_module('app.export.compat')",
        "__import__('app.services')",
    ],
)
def test_the_check_sees_every_form_of_import(source: str) -> None:
    names = imported_modules(source, "app.storage.data_manager")
    assert any(_breaks(name, FORBIDDEN["storage"]) for name in names), names


def test_the_check_lets_imports_from_below_through() -> None:
    source = "from app.models.records import Job\nfrom . import tally\nfrom .json_store import JsonStore\nimport utils"
    names = imported_modules(source, "app.storage.data_manager")
    assert names >= {"app.models.records", "app.storage", "app.storage.tally", "app.storage.json_store"}
    assert not any(_breaks(name, FORBIDDEN["storage"]) for name in names)


def test_the_check_sees_the_postgres_store_named_from_above() -> None:
    for source in ("from app.storage.postgres.store import PostgresDocuments", "import psycopg_pool"):
        names = imported_modules(source, "app.services.container")
        assert any(_breaks(name, FORBIDDEN["services"]) for name in names), source
