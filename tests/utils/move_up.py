"""What moving a store up must keep: comics made over HTTP, and a snapshot of what an instance serves of them.

The snapshot is what a client sees: each result, the bytes behind every URL in it (by SHA-256),
each reader page, the panels' versions, the job listing and counts, the storage stats' counts and
the character library with its references. Two instances that serve equal snapshots serve the
same comics, whatever store each one runs on.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx

from tests.utils.server import API, wait_until_settled

Snapshot = dict[str, Any]

GRANDMA = {
    "character_type": "grandma_rose",
    "name": "Grandma Rose",
    "description": "A cheerful grandmother with silver curls, round glasses and a lilac cardigan.",
    "visual_tags": ["adult", "woman", "silver curls", "lilac cardigan"],
    "age_group": "adult",
}
_CAST = [{"character_type": "girl_young", "count": 1}, {"character_type": "grandma_rose", "count": 1}]
_MEDIA_URL = re.compile(r'/media/images/[^"\'<>\s]+')


@dataclass(frozen=True)
class Made:
    """What `make_comics` made: every job, every finished comic, and the job whose document a test loses."""

    job_ids: list[str]
    comic_ids: list[str]
    lost_job: str


def make_comics(client: httpx.Client) -> Made:
    """Three finished comics (one with a redrawn panel, one casting a custom character) and a job at review."""
    assert client.post(f"{API}/comics/characters", json=GRANDMA).status_code == 201
    redrawn = _finished(client, _CAST, panels=3)
    assert client.post(f"{API}/comics/{redrawn}/panels/2/regenerate", json={"seed": 7}).status_code == 202
    assert wait_until_settled(client, redrawn)["status"] == "completed"
    plain = _finished(client, None, panels=2)
    lost = _finished(client, None, panels=1)
    waiting = _start(client, None, panels=2)
    assert wait_until_settled(client, waiting)["step"] == "scene_review"
    _references_drawn(client, ["girl_young", "grandma_rose"])
    comic_ids = [client.get(f"{API}/comics/{job}/result").json()["comic_id"] for job in (redrawn, plain, lost)]
    return Made([redrawn, plain, lost, waiting], comic_ids, lost)


def snapshot(client: httpx.Client, made: Made) -> Snapshot:
    """What `client`'s instance serves of the comics `made` (see the module's notes)."""
    results: dict[str, Any] = {}
    readers, media = {}, {}
    for job_id in made.job_ids:
        answer = client.get(f"{API}/comics/{job_id}/result")
        if answer.status_code != 200:  # not finished, or its job is lost: no result, the reader page below
            results[job_id] = answer.status_code
            continue
        result = results[job_id] = answer.json()
        for panel in result["panels"]:
            versions = client.get(f"{API}/comics/{job_id}/panels/{panel['panel_id']}/versions").json()
            result[f"versions of panel {panel['panel_id']}"] = versions
            media.update(_fetched(client, [v["image_url"] for v in versions["versions"]]))
        media.update(_fetched(client, _urls(result)))
    for comic_id in made.comic_ids:  # the lost job's comic is still read here, and its images through it
        page = client.get(f"/comics/{comic_id}/view")
        readers[comic_id] = (page.status_code, page.text)
        media.update(_fetched(client, _MEDIA_URL.findall(page.text)))
    characters = client.get(f"{API}/comics/characters").json()["characters"]
    media.update(_fetched(client, [ref["image_url"] for c in characters for ref in c["references"].values()]))
    stats = client.get(f"{API}/storage/stats").json()
    return {
        "results": results,
        "readers": readers,
        "media": media,
        "jobs": client.get(f"{API}/jobs").json(),
        "completed": client.get(f"{API}/jobs", params={"status": "completed"}).json()["total"],
        "characters": characters,
        # Sizes of the records differ by nature (files against tables); the counts and the images do not.
        "records": {k: v for k, v in stats["json_storage"].items() if k != "total_size_mb"},
        "images": stats["image_storage"],
        "problems": stats["problems"],
    }


def _start(client: httpx.Client, cast: list[dict[str, Any]] | None, panels: int) -> str:
    body: dict[str, Any] = {"topic": "sharing toys at the park", "age_group": "5-8", "panel_count": panels}
    if cast:
        body["characters"] = cast
    answer = client.post(f"{API}/comics/scenes/generate", json=body)
    assert answer.status_code == 202, answer.text
    return answer.json()["job_id"]


def _finished(client: httpx.Client, cast: list[dict[str, Any]] | None, panels: int) -> str:
    job_id = _start(client, cast, panels)
    assert wait_until_settled(client, job_id)["step"] == "scene_review"
    assert client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []}).status_code == 202
    if not cast:
        cast = [{"character_type": "boy_young", "count": 1}]
        assert wait_until_settled(client, job_id)["step"] == "character_selection"
        assert client.post(f"{API}/comics/{job_id}/characters/select", json={"characters": cast}).status_code == 200
    assert wait_until_settled(client, job_id)["step"] == "comic_generation"
    assert client.post(f"{API}/comics/{job_id}/generate").status_code == 202
    assert wait_until_settled(client, job_id)["status"] == "completed"
    result = client.get(f"{API}/comics/{job_id}/result").json()
    _fetched(client, [result["page_url"], *result["pdf_urls"].values()])  # made just after completed, or now
    return job_id


def _references_drawn(client: httpx.Client, types: list[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        characters = client.get(f"{API}/comics/characters").json()["characters"]
        if all(c["references"] and not c["drawing"] for c in characters if c["id"] in types):
            return
        assert time.monotonic() < deadline, f"references of {types} not drawn after {timeout} s"
        time.sleep(0.05)


def _urls(result: dict[str, Any]) -> list[str]:
    urls = [result["page_url"], result["pdf_url"], *result["pdf_urls"].values()]
    urls += [url for panel in result["panels"] for url in (panel["image_url"], panel["lettered_url"])]
    return [url for url in urls if url]


def _fetched(client: httpx.Client, urls: list[str]) -> dict[str, tuple[int, str, str]]:
    """URL -> (status, content type, SHA-256 of the bytes)."""
    found = {}
    for url in urls:
        answer = client.get(url)
        found[url] = (
            answer.status_code,
            answer.headers.get("content-type", ""),
            hashlib.sha256(answer.content).hexdigest(),
        )
    return found


def differences(got: Any, want: Any, where: str = "") -> list[str]:
    """Where two snapshots differ, one line each (an assertion on the whole would show neither side)."""
    if isinstance(got, dict) and isinstance(want, dict):
        return [
            line
            for key in sorted({*got, *want}, key=str)
            for line in differences(got.get(key, "<missing>"), want.get(key, "<missing>"), f"{where}/{key}")
        ]
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        return [
            line for i, (g, w) in enumerate(zip(got, want, strict=True)) for line in differences(g, w, f"{where}[{i}]")
        ]
    return [] if got == want else [f"{where}: {str(got)[:300]!r} != {str(want)[:300]!r}"]
