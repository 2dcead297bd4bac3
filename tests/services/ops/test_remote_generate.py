"""`generate` when another process holds the data folder: it asks a serving holder, and refuses clearly otherwise.

The whole path through a real server is in tests/test_folder_owner.py; these are the refusals.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import FolderBusy, ServerCallFailed
from app.services.ops import remote_generate
from app.services.ops.remote_generate import generate_through_server, scenes_request
from tests.conftest import MakeSettings
from tests.utils.server import free_port

pytestmark = pytest.mark.anyio
REQUEST = scenes_request("teach my kid to tidy up their toys", "5-8", ["girl_young", "parent_mom"], 2)


def _unexpected(_: object) -> None:
    raise AssertionError("nothing is shown when nothing is made")


async def test_a_folder_held_by_another_generate_is_refused(make_settings: MakeSettings, tmp_path: Path) -> None:
    busy = FolderBusy("in use by `python main.py generate` (pid 42)", folder=tmp_path, pid=42, purpose="generate")
    with pytest.raises(FolderBusy) as caught:
        await generate_through_server(busy, make_settings(), REQUEST, "storybook", _unexpected, _unexpected)
    assert caught.value is busy


async def test_a_server_that_does_not_answer_is_named(
    make_settings: MakeSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote_generate, "_STARTING_SECONDS", 0.3)
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    busy = FolderBusy("in use", folder=tmp_path, pid=4242, purpose="serve", url=url)
    with pytest.raises(ServerCallFailed) as caught:
        await generate_through_server(busy, make_settings(), REQUEST, "storybook", _unexpected, _unexpected)
    message = str(caught.value)
    assert url in message
    assert "pid 4242" in message
    assert str(tmp_path) in message
    assert "does not answer" in message


def test_the_request_carries_the_cast_with_counts() -> None:
    request = scenes_request("teach my kid to tidy up their toys", "9-12", ["boy_teen", "boy_teen", "parent_dad"], 4)
    assert [(c.character_type, c.count) for c in request.characters or []] == [("boy_teen", 2), ("parent_dad", 1)]
    assert request.panel_count == 4
    assert request.age_group.value == "9-12"
