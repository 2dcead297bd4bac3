"""A start-up that checks the comic documents in the background: counted at once, broken ones reported soon after."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.storage.data_manager import DataManager
from tests.utils.stores import fill_store

pytestmark = pytest.mark.anyio


async def test_counts_at_once_and_reports_broken_comics_once_checked(data_dir: Path) -> None:
    comic = await fill_store(DataManager(data_dir))
    broken = data_dir / "comics" / f"{comic.id}.json"
    broken.write_bytes(broken.read_bytes()[:100])  # cut short
    expected = await _usage(data_dir)

    data = DataManager(data_dir)
    await data.open(check_comics_later=True)
    assert await data.usage() == expected  # the totals do not wait for the check
    await data.checked()
    assert list(data.unreadable()) == [f"comics/{comic.id}.json"]
    await data.checked()  # again: returns at once


async def test_the_check_reads_only_what_changed_since_the_last_start(data_dir: Path) -> None:
    await fill_store(DataManager(data_dir))
    first = DataManager(data_dir)
    await first.open(check_comics_later=True)
    await first.checked()
    cache = data_dir / ".cache" / "comics-heads.json"
    assert cache.is_file()  # the check leaves the shortcut the next start uses
    stamp = cache.stat().st_mtime_ns
    again = DataManager(data_dir)
    await again.open(check_comics_later=True)
    await again.checked()
    assert cache.stat().st_mtime_ns == stamp  # nothing changed, nothing rewritten
    assert again.unreadable() == {}


async def _usage(data_dir: Path) -> object:
    fresh = DataManager(data_dir)
    await fresh.open()
    return await fresh.usage()
