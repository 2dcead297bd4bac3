"""Character references through the real `fal_client` SDK against the fal.ai fake: who is drawn from what."""

from __future__ import annotations

import io
from uuid import UUID

from fastapi.testclient import TestClient
from PIL import Image

from app.models.records import Composition, Figure, Job
from app.providers.fal_references import compact_jpeg
from tests.fakes.fal_server import FakeFal
from tests.utils.flow import API, job_ready_to_generate, wait_for_references, wait_until_settled

TEXT_MODEL, REFERENCE_MODEL = "fal-ai/flux/schnell", "fal-ai/flux-pro/kontext/multi"
MIA_AND_MOM = [{"character_type": "girl_young", "count": 1}, {"character_type": "parent_mom", "count": 1}]


def _reference_draws(fal: FakeFal) -> list[dict]:
    return [s for s in fal.submissions if "Character reference sheet" in s["arguments"]["prompt"]]


def _comic(client: TestClient, cast: list[dict], style: str = "storybook") -> dict:
    job_id = job_ready_to_generate(client, cast)
    assert client.post(f"{API}/comics/{job_id}/generate", json={"style": style}).status_code == 202
    status = wait_until_settled(client, job_id)
    assert status["status"] == "completed", status
    return status


def _stored_reference(client: TestClient, character_type: str, style: str = "storybook") -> bytes:
    characters = client.get(f"{API}/comics/characters").json()["characters"]
    url = next(c for c in characters if c["id"] == character_type)["references"][style]["image_url"]
    return client.get(url).content


def test_each_panel_carries_exactly_its_characters_references_and_the_comics_seed(
    real_client: TestClient, fake_fal: FakeFal
) -> None:
    job_id = job_ready_to_generate(real_client, MIA_AND_MOM)
    wait_for_references(real_client, ["girl_young", "parent_mom"])
    mia = Figure(name="Mia", character_type="girl_young", position="left")
    mom = Figure(name="Mom", character_type="parent_mom", position="right")
    stranger = Figure(name="Stranger", look="a tall man in a grey coat")
    compositions = {
        1: Composition(figures=[mia]),
        2: Composition(figures=[mom]),
        3: Composition(figures=[mia, mom, stranger]),
        4: Composition(figures=[stranger]),  # nobody of the cast: drawn from text by FAL_MODEL
    }  # 5 and 6 have none: the whole cast, as before compositions existed

    def compose(job: Job) -> None:
        job.panel_compositions = compositions

    services = real_client.app.state.services  # type: ignore[attr-defined]
    assert real_client.portal is not None
    real_client.portal.call(services.data.update_job, UUID(job_id), compose)
    before = len(fake_fal.submissions)
    assert real_client.post(f"{API}/comics/{job_id}/generate").status_code == 202
    status = wait_until_settled(real_client, job_id)
    assert status["status"] == "completed", status

    sent = {
        "girl_young": compact_jpeg(_stored_reference(real_client, "girl_young")),
        "parent_mom": compact_jpeg(_stored_reference(real_client, "parent_mom")),
    }
    panels = fake_fal.submissions[before:]
    assert len(panels) == 6
    assert not _reference_draws(fake_fal)[2:]
    by_prompt = {p["arguments"]["prompt"]: p for p in panels}
    comic = real_client.get(f"{API}/comics/{job_id}/result").json()
    seed = real_client.portal.call(services.data.get_job, UUID(job_id)).seed
    expected = {1: ["girl_young"], 2: ["parent_mom"], 3: ["girl_young", "parent_mom"], 4: []}
    for panel in comic["panels"]:
        pid = panel["panel_id"]
        submission = next(s for p, s in by_prompt.items() if p.startswith(panel["prompt"]))
        assert submission["arguments"]["seed"] == seed
        wanted = expected.get(pid, ["girl_young", "parent_mom"])
        if not wanted:
            assert submission["application"] == TEXT_MODEL
            assert "image_urls" not in submission["arguments"]
            continue
        assert submission["application"] == REFERENCE_MODEL
        assert submission["images"] == [sent[kind] for kind in wanted], f"panel {pid}"
        names = {"girl_young": "Mia", "parent_mom": "Mom"}
        who = "; ".join(f"picture {n}: {names[kind]}" for n, kind in enumerate(wanted, start=1))
        assert f"reference picture ({who})" in submission["arguments"]["prompt"]


def test_a_second_comic_draws_no_reference_and_a_new_cast_member_costs_exactly_one(
    real_client: TestClient, fake_fal: FakeFal
) -> None:
    first = _comic(real_client, MIA_AND_MOM)
    assert len(_reference_draws(fake_fal)) == 2
    assert first["usage"]["references"] == 2
    assert all(s["application"] == TEXT_MODEL for s in _reference_draws(fake_fal))

    second = _comic(real_client, MIA_AND_MOM)
    assert len(_reference_draws(fake_fal)) == 2  # the library's references, drawn for the first comic
    assert second["usage"]["references"] == 0
    assert second["usage"]["images"] == 6

    third = _comic(real_client, [*MIA_AND_MOM, {"character_type": "boy_young", "count": 1}])
    draws = _reference_draws(fake_fal)
    assert len(draws) == 3
    assert "Leo" in draws[-1]["arguments"]["prompt"]
    assert third["usage"]["references"] == 1

    fourth = _comic(real_client, MIA_AND_MOM, style="manga")  # another style: its own references
    assert len(_reference_draws(fake_fal)) == 5
    assert fourth["usage"]["references"] == 2


def test_one_draw_per_character_and_style_however_many_comics_ask_at_once(
    real_client: TestClient, fake_fal: FakeFal
) -> None:
    fake_fal.latency = 0.5
    jobs = [job_ready_to_generate(real_client, MIA_AND_MOM) for _ in range(3)]
    for job_id in jobs:
        assert real_client.post(f"{API}/comics/{job_id}/generate").status_code == 202
    assert all(wait_until_settled(real_client, job_id)["status"] == "completed" for job_id in jobs)
    assert len(_reference_draws(fake_fal)) == 2
    usage = [real_client.get(f"{API}/comics/{j}/status").json()["usage"]["references"] for j in jobs]
    assert sum(usage) == 2  # billed once, to the comics whose casting started the draws


def test_a_redrawn_reference_is_used_by_the_next_comic(real_client: TestClient, fake_fal: FakeFal) -> None:
    _comic(real_client, MIA_AND_MOM)
    response = real_client.post(f"{API}/comics/characters/girl_young/references/storybook/redraw")
    assert response.status_code == 200, response.text
    styles = response.json()["styles"]["storybook"]
    assert styles["current"] == 2
    assert [v["version"] for v in styles["versions"]] == [1, 2]
    assert styles["versions"][0]["seed"] != styles["versions"][1]["seed"]  # a new seed
    newest = real_client.get(styles["versions"][1]["image_url"]).content

    before = len(fake_fal.submissions)
    _comic(real_client, MIA_AND_MOM)
    panels = fake_fal.submissions[before:]
    assert all(p["images"][0] == compact_jpeg(newest) for p in panels)


def test_an_upload_during_a_draw_waits_for_it_and_becomes_current(real_client: TestClient, fake_fal: FakeFal) -> None:
    fake_fal.latency = 1.0
    job_ready_to_generate(real_client, MIA_AND_MOM)  # Mia's reference is being drawn now
    picture = io.BytesIO()
    Image.new("RGB", (120, 180), (250, 250, 250)).save(picture, "PNG")
    response = real_client.post(
        f"{API}/comics/characters/girl_young/references/storybook",
        content=picture.getvalue(),
        headers={"content-type": "image/png"},
    )
    assert response.status_code == 201, response.text
    reference = response.json()["styles"]["storybook"]
    assert [(v["version"], v["source"]) for v in reference["versions"]] == [(1, "drawn"), (2, "uploaded")]
    assert reference["current"] == 2
    assert len(_reference_draws(fake_fal)) == 2  # the draw in flight was paid for once and kept as version 1
