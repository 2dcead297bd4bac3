"""Art styles: five named presets, chosen at generate time, stored with the comic, in every image prompt."""

from __future__ import annotations

from fastapi.testclient import TestClient

from master_prompts import STYLES
from tests.utils.flow import API, completed_job


def test_styles_lists_the_five_presets(client: TestClient) -> None:
    body = client.get(f"{API}/comics/styles").json()
    names = [style["name"] for style in body["styles"]]
    assert names == ["storybook", "cartoon", "manga", "comic_book", "paper_cutout"]
    assert body["default"] == "storybook"
    assert all(style["label"] and style["prompt"] for style in body["styles"])


def test_the_chosen_style_is_stored_and_folded_into_every_prompt(client: TestClient) -> None:
    job_id = completed_job(client, style="paper_cutout")
    comic = client.get(f"{API}/comics/{job_id}/result").json()
    assert comic["style"] == "paper_cutout"
    assert client.get(f"{API}/comics/{job_id}/status").json()["style"] == "paper_cutout"
    for panel in comic["panels"]:
        assert STYLES["paper_cutout"].prompt in panel["prompt"]
    assert "Paper cut-out" in client.get(comic["reader_url"]).text


def test_a_comic_without_a_style_gets_the_default(client: TestClient) -> None:
    job_id = completed_job(client)
    comic = client.get(f"{API}/comics/{job_id}/result").json()
    assert comic["style"] == "storybook"
    assert all(STYLES["storybook"].prompt in panel["prompt"] for panel in comic["panels"])
