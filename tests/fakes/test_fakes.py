"""Drive the fake providers with the REAL openai and fal_client SDKs (no SDK mocking)."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import openai
import pydantic
import pytest
from PIL import Image

from app.models.story import PanelPrompts as StagedPanelPrompts  # the service's own schema, strict as sent

from .fal_server import FakeFal
from .openai_server import FakeOpenAI, parse_blocks

# The fakes come from tests/conftest.py, which pins FAL_QUEUE_RUN_HOST and SSL_CERT_FILE (the fake CA)
# before fal_client is first imported; these tests use its `fake_openai` and `fake_fal` fixtures.

TOPIC = "Photosynthèse: how plants 'eat' sunlight 🌞"
CHARACTERS = [{"name": "Pip", "description": "a curious sprout"}, {"name": "Sunny", "description": "the sun"}]


class Scene(pydantic.BaseModel):
    scene_id: int
    title: str
    description: str
    dialogue: str
    learning_point: str
    visual_elements: list[str]


class ComicScript(pydantic.BaseModel):
    title: str
    scenes: list[Scene]


class SceneRewrites(pydantic.BaseModel):
    scenes: list[Scene]


class PanelPrompt(pydantic.BaseModel):
    scene_id: int
    prompt: str


class PanelPrompts(pydantic.BaseModel):
    prompts: list[PanelPrompt]


def _user_message(intro: str, blocks: dict[str, Any]) -> str:
    """Same layout as the service: label line, pretty JSON, blank line between blocks."""
    parts = [intro] + [f"{label}:\n{json.dumps(v, ensure_ascii=False, indent=2)}" for label, v in blocks.items()]
    return "\n\n".join(parts)


@asynccontextmanager
async def _fal_client() -> AsyncIterator[Any]:
    import fal_client

    client = fal_client.AsyncClient(key="test-key")
    try:
        yield client
    finally:
        await (await client._client).aclose()  # the SDK offers no public close


async def _parse(fake: FakeOpenAI, model: type[pydantic.BaseModel], user: str, **kwargs: Any) -> Any:
    async with openai.AsyncOpenAI(base_url=fake.base_url, api_key="test", **kwargs) as client:
        return await client.chat.completions.parse(
            model="gpt-fake-1",
            messages=[{"role": "system", "content": "You write comics."}, {"role": "user", "content": user}],
            response_format=model,
        )


def test_parse_blocks_skips_prose_with_colons() -> None:
    text = _user_message(
        "Note:\nplease be kind\nSteps:\n1. read", {"Brief": {"topic": "x"}, "Scenes": [{"scene_id": 1}]}
    )
    assert parse_blocks(text) == {"Brief": {"topic": "x"}, "Scenes": [{"scene_id": 1}]}


@pytest.mark.anyio
async def test_comic_script_round_trip(fake_openai: FakeOpenAI) -> None:
    brief = {"topic": TOPIC, "age_group": "6-8", "panel_count": 6}
    completion = await _parse(fake_openai, ComicScript, _user_message("Write a comic.", {"Brief": brief}))
    script = completion.choices[0].message.parsed
    assert isinstance(script, ComicScript)
    assert [s.scene_id for s in script.scenes] == [1, 2, 3, 4, 5, 6]
    assert TOPIC in script.title
    assert all(TOPIC in s.description for s in script.scenes)
    assert completion.model == "gpt-fake-1"
    assert completion.usage
    assert completion.usage.total_tokens > 0
    (sent,) = fake_openai.requests_for("ComicScript")
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert TOPIC in sent["messages"][1]["content"]


@pytest.mark.anyio
async def test_scene_rewrites_with_unrequested_extra(fake_openai: FakeOpenAI) -> None:
    fake_openai.rewrite_unrequested = True
    current = [
        Scene(scene_id=i, title=f"T{i}", description=f"D{i}", dialogue="", learning_point="", visual_elements=[])
        for i in range(1, 7)
    ]
    feedback = [
        {"scene_id": 2, "feedback": "Make the sun wear sunglasses"},
        {"scene_id": 4, "feedback": "More 🐝"},
    ]
    user = _user_message(
        "Rewrite scenes.",
        {
            "Brief": {"topic": TOPIC, "age_group": "6-8"},
            "Current scenes": [s.model_dump() for s in current],
            "Feedback": feedback,
        },
    )
    rewrites = (await _parse(fake_openai, SceneRewrites, user)).choices[0].message.parsed
    by_id = {s.scene_id: s for s in rewrites.scenes}
    assert len(rewrites.scenes) == 3
    assert {2, 4} < set(by_id)
    assert "Make the sun wear sunglasses" in by_id[2].description
    assert "More 🐝" in by_id[4].description
    assert len(fake_openai.requests_for("SceneRewrites")) == 1


@pytest.mark.anyio
async def test_panel_prompts_mention_titles_and_characters(fake_openai: FakeOpenAI) -> None:
    scenes = [{"scene_id": i, "title": f"Leaf party {i}", "description": "..."} for i in (1, 2, 3)]
    user = _user_message(
        "Write prompts.",
        {"Brief": {"topic": TOPIC, "art_style": "watercolour"}, "Characters": CHARACTERS, "Scenes": scenes},
    )
    prompts = (await _parse(fake_openai, PanelPrompts, user)).choices[0].message.parsed.prompts
    assert [p.scene_id for p in prompts] == [1, 2, 3]
    assert all(f"Leaf party {p.scene_id}" in p.prompt and "Pip" in p.prompt and "Sunny" in p.prompt for p in prompts)


@pytest.mark.anyio
async def test_panel_prompts_stage_the_cast_and_an_extra_per_unknown_speaker(fake_openai: FakeOpenAI) -> None:
    scenes = [
        {"scene_id": 1, "title": "Hi", "description": "...", "dialogue": 'Pip: "Hi!"\nMr Oak: "Hello, little one."'},
        {"scene_id": 2, "title": "Quiet", "description": "...", "dialogue": "The sun rises."},
    ]
    user = _user_message("Stage.", {"Brief": {"topic": TOPIC}, "Characters": CHARACTERS, "Scenes": scenes})
    first, second = (await _parse(fake_openai, StagedPanelPrompts, user)).choices[0].message.parsed.prompts
    assert [(f.name, f.extra) for f in first.figures] == [("Pip", False), ("Sunny", False), ("Mr Oak", True)]
    assert len({(f.position, f.depth) for f in first.figures}) == 3  # nobody shares a place
    assert first.figures[2].look
    assert first.speakers == ["Pip", "Mr Oak"]
    assert second.speakers == []

    fake_openai.unstaged_replies = 1
    unstaged = (await _parse(fake_openai, StagedPanelPrompts, user)).choices[0].message.parsed.prompts[0]
    assert "Mr Oak" not in {f.name for f in unstaged.figures}


@pytest.mark.anyio
async def test_invalid_replies_fail_validation_then_recover(fake_openai: FakeOpenAI) -> None:
    fake_openai.invalid_replies = 1
    user = _user_message("Go.", {"Brief": {"topic": "bees", "age_group": "4-6", "panel_count": 2}})
    with pytest.raises(pydantic.ValidationError):
        await _parse(fake_openai, ComicScript, user)
    assert fake_openai.invalid_replies == 0
    script = (await _parse(fake_openai, ComicScript, user)).choices[0].message.parsed
    assert len(script.scenes) == 2


@pytest.mark.anyio
async def test_fail_statuses(fake_openai: FakeOpenAI) -> None:
    user = _user_message("Go.", {"Brief": {"topic": "bees", "age_group": "4-6", "panel_count": 1}})
    fake_openai.fail_statuses = [500]
    with pytest.raises(openai.InternalServerError):
        await _parse(fake_openai, ComicScript, user, max_retries=0)
    # Injected failures carry retry-after-ms: 1, so the SDK's own retry succeeds at once.
    fake_openai.fail_statuses = [429]
    started = time.monotonic()
    await _parse(fake_openai, ComicScript, user, max_retries=1)
    assert time.monotonic() - started < 0.3
    assert len(fake_openai.requests) == 3
    assert fake_openai.fail_statuses == []


@pytest.mark.anyio
async def test_openai_missing_auth_is_401(fake_openai: FakeOpenAI) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{fake_openai.base_url}/chat/completions", json={"model": "m", "messages": []})
    assert response.status_code == 401
    assert set(response.json()["error"]) >= {"message", "type", "code"}


def _flux_args(prompt: str, width: int = 320, height: int = 240, seed: int = 7) -> dict[str, Any]:
    return {
        "prompt": prompt,
        "image_size": {"width": width, "height": height},
        "seed": seed,
        "num_images": 1,
        "enable_safety_checker": True,
        "output_format": "png",
    }


@pytest.mark.anyio
async def test_fal_subscribe_and_download_png(fake_fal: FakeFal) -> None:
    import fal_client

    fake_fal.latency = 0.3
    seen: list[Any] = []
    async with _fal_client() as client:
        result = await client.subscribe(
            "fal-ai/flux/schnell", _flux_args("a happy leaf"), with_logs=True, on_queue_update=seen.append
        )
    assert isinstance(seen[-1], fal_client.Completed)
    assert len(seen) > 1
    image = result["images"][0]
    assert image["url"].startswith(f"https://{fake_fal.host}/files/")
    assert result["seed"] == 7
    async with httpx.AsyncClient() as http:  # trusts the fake CA through SSL_CERT_FILE
        response = await http.get(image["url"])
    response.raise_for_status()
    assert response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (320, 240) == (image["width"], image["height"])
    (sub,) = fake_fal.submissions
    assert sub["application"] == "fal-ai/flux/schnell"
    assert sub["authorization"] == "Key test-key"
    assert sub["arguments"]["prompt"] == "a happy leaf"
    assert fake_fal.downloads == 1


@pytest.mark.anyio
async def test_fal_data_urls(fake_fal: FakeFal) -> None:
    fake_fal.data_urls = True
    async with _fal_client() as client:
        result = await client.subscribe("fal-ai/flux/schnell", _flux_args("a sleepy bee", 64, 48))
    url = result["images"][0]["url"]
    assert url.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert image.size == (64, 48)
    assert len(image.getcolors(64 * 48) or []) > 1


@pytest.mark.anyio
async def test_fal_concurrent_subscribes(fake_fal: FakeFal) -> None:
    fake_fal.latency = 1.0
    started = time.monotonic()
    async with _fal_client() as client:
        results = await asyncio.gather(
            *(client.subscribe("fal-ai/flux/schnell", _flux_args(f"panel {i}", seed=i)) for i in range(6))
        )
    assert time.monotonic() - started < 3 * 1.1  # ~1.1 s measured; one after another: 6 s
    assert sorted(r["seed"] for r in results) == list(range(6))
    assert fake_fal.max_concurrent() == 6


@pytest.mark.anyio
async def test_fal_submit_then_cancel(fake_fal: FakeFal) -> None:
    import fal_client

    fake_fal.latency = 5.0
    async with _fal_client() as client:
        handle = await client.submit("fal-ai/flux/schnell", _flux_args("a cancelled cloud"))
        assert handle.status_url == f"https://{fake_fal.host}/fal-ai/flux/requests/{handle.request_id}/status"
        assert isinstance(await handle.status(), fal_client.Queued)
        await handle.cancel()
        status = await handle.status()
    assert fake_fal.cancelled == [handle.request_id]
    assert isinstance(status, fal_client.Completed)
    assert status.error


@pytest.mark.anyio
async def test_fal_failures_and_auth(fake_fal: FakeFal) -> None:
    import fal_client

    fake_fal.fail_statuses = [500]
    async with _fal_client() as client:
        with pytest.raises(fal_client.FalClientHTTPError) as excinfo:
            await client.submit("fal-ai/flux/schnell", _flux_args("x"))
    assert excinfo.value.status_code == 500
    assert fake_fal.rejected == [500]
    assert not fake_fal.submissions
    async with httpx.AsyncClient() as http:
        response = await http.post(f"https://{fake_fal.host}/fal-ai/flux/schnell", json=_flux_args("x"))
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.anyio
async def test_fal_failed_run_and_lost_answer(fake_fal: FakeFal) -> None:
    import fal_client

    fake_fal.fail_next = 1
    async with _fal_client() as client:
        handle = await client.submit("fal-ai/flux/schnell", _flux_args("a cloud that fails"))
        with pytest.raises(fal_client.FalClientHTTPError) as excinfo:
            await handle.get()  # the SDK fetches the result of a COMPLETED request, error or not
        status = await handle.status()
    assert (excinfo.value.status_code, excinfo.value.error_type) == (500, "runner_server_error")
    assert isinstance(status, fal_client.Completed)
    assert (status.error, status.error_type) == ("Internal Server Error", "runner_server_error")
    assert fake_fal.failed == [handle.request_id]

    fake_fal.reply_faults = ["drop"]
    async with _fal_client() as client:
        await client.submit("fal-ai/flux/schnell", _flux_args("a cloud whose answer is lost"))
    # The SDK sent it again after the dropped answer, and fal queued it twice: the reason
    # FalImageModel submits by itself (app/providers/fal_submission.py).
    assert len(fake_fal.submissions) == 3
    assert len(fake_fal.lost_replies) == 1


@pytest.mark.anyio
async def test_fal_reference_endpoint_requires_and_records_its_pictures(fake_fal: FakeFal) -> None:
    import fal_client

    picture = io.BytesIO()
    Image.new("RGB", (40, 60), (200, 30, 30)).save(picture, "JPEG")
    uri = "data:image/jpeg;base64," + base64.b64encode(picture.getvalue()).decode()
    kontext = "fal-ai/flux-pro/kontext/multi"
    async with _fal_client() as client:
        result = await client.subscribe(
            kontext, {"prompt": "Mia waves", "image_urls": [uri, "https://example.org/a.png"], "aspect_ratio": "3:2"}
        )
        assert (result["images"][0]["width"], result["images"][0]["height"]) == (768, 512)
        for bad in ({"prompt": "no pictures"}, {"prompt": "x", "image_urls": ["data:image/png;base64,AAAA"]}):
            with pytest.raises(fal_client.FalClientHTTPError) as excinfo:
                await client.submit(kontext, bad)
            assert excinfo.value.status_code == 422
    (sub,) = fake_fal.submissions
    assert sub["images"] == [picture.getvalue(), "https://example.org/a.png"]  # decoded, or the URL as sent
