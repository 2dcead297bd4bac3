"""JSON documents: atomic writes, lossless concurrent updates, hostile keys, corrupt files."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from pydantic import BaseModel

from app.errors import Conflict, CorruptDocument, NotFound
from app.storage.json_store import JsonStore

pytestmark = pytest.mark.anyio


class Counter(BaseModel):
    value: int = 0
    tags: list[str] = []


@pytest.fixture
def store(tmp_path: Path) -> JsonStore[Counter]:
    (tmp_path / "docs").mkdir()
    return JsonStore(tmp_path / "docs", Counter, NotFound)


async def test_round_trip_is_human_readable(store: JsonStore[Counter]) -> None:
    await store.put("abc", Counter(value=3))
    assert await store.get("abc") == Counter(value=3)
    text = (store.folder / "abc.json").read_text()
    assert json.loads(text) == {"value": 3, "tags": []}
    assert "\n  " in text  # indented


async def test_concurrent_updates_lose_nothing(store: JsonStore[Counter]) -> None:
    await store.put("abc", Counter())

    def bump(n: int):
        def change(doc: Counter) -> Counter:
            return doc.model_copy(update={"value": doc.value + 1, "tags": [*doc.tags, str(n)]})

        return change

    await asyncio.gather(*(store.update("abc", bump(n)) for n in range(50)))
    final = await store.get("abc")
    assert final.value == 50
    assert sorted(final.tags, key=int) == [str(n) for n in range(50)]


async def test_crash_during_write_keeps_the_old_document(
    store: JsonStore[Counter], monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.put("abc", Counter(value=1))

    def power_cut(src: str, dst: str) -> None:
        raise OSError("disk went away")

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(OSError, match="disk went away"):
        await store.put("abc", Counter(value=2))
    monkeypatch.undo()
    assert await store.get("abc") == Counter(value=1)
    assert [p.name for p in store.folder.iterdir()] == ["abc.json"]  # no temp file left behind


async def test_failed_update_writes_nothing(store: JsonStore[Counter]) -> None:
    await store.put("abc", Counter(value=1))

    def refuse(doc: Counter) -> Counter:
        raise Conflict("no")

    with pytest.raises(Conflict):
        await store.update("abc", refuse)
    assert await store.get("abc") == Counter(value=1)


@pytest.mark.parametrize("key", ["../escape", "..", "/etc/passwd", "a/b", "ABC", "", "x" * 100, "a.json", "é"])
async def test_unsafe_keys_never_touch_the_disk(store: JsonStore[Counter], key: str) -> None:
    with pytest.raises(NotFound):
        await store.get(key)
    with pytest.raises(NotFound):
        await store.put(key, Counter())
    assert list(store.folder.parent.iterdir()) == [store.folder]


async def test_create_refuses_existing_keys(store: JsonStore[Counter]) -> None:
    await store.create("abc", Counter(value=1))
    with pytest.raises(Conflict):
        await store.create("abc", Counter(value=2))
    assert (await store.get("abc")).value == 1


async def test_corrupt_documents_are_reported_and_skipped(store: JsonStore[Counter]) -> None:
    await store.put("good", Counter(value=1))
    (store.folder / "bad.json").write_text('{"value": ')
    with pytest.raises(CorruptDocument):
        await store.get("bad")
    assert await store.all() == [Counter(value=1)]
    assert (await store.usage())[0] == 2


async def test_delete(store: JsonStore[Counter]) -> None:
    await store.put("abc", Counter())
    await store.delete("abc")
    with pytest.raises(NotFound):
        await store.get("abc")
    with pytest.raises(NotFound):
        await store.delete("abc")


async def test_get_many_returns_each_document_or_its_error_in_place(store: JsonStore[Counter]) -> None:
    await store.put("one", Counter(value=1))
    await store.put("two", Counter(value=2))
    (store.folder / "bad.json").write_text('{"value": ')
    found = await store.get_many(["two", "gone", "bad", "one", "../x"])
    assert found[0] == Counter(value=2)
    assert isinstance(found[1], NotFound)
    assert isinstance(found[2], CorruptDocument)
    assert found[3] == Counter(value=1)
    assert isinstance(found[4], NotFound)  # a key that cannot be an id never reaches the file system
