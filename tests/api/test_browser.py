"""A real headless Chromium, with no way out but 127.0.0.1, renders /docs, /redoc and the reader page.

The server is `python main.py serve` on the offline providers, as a user starts it; the comic
is made over HTTP. Screenshots are kept in the test's temporary folder for a look by eye.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.utils.browser import CHROMIUM, OutsideTrap, blank_share, capture, colourful_share
from tests.utils.server import API, ServerProcess, service_env, start_server, stop_server, wait_until_settled

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")


@dataclass(frozen=True)
class Site:
    """The running server, a finished comic on it, and the trap every outside request lands in."""

    server: ServerProcess
    comic: dict
    trap: OutsideTrap
    shots: Path


def _make_comic(client: httpx.Client) -> dict:
    cast = [{"character_type": "girl_young", "count": 1}, {"character_type": "parent_mom", "count": 1}]
    body = {"topic": "teach my kid not to accept candy from strangers", "age_group": "5-8", "characters": cast}
    job_id = client.post(f"{API}/comics/scenes/generate", json=body).json()["job_id"]
    assert wait_until_settled(client, job_id)["step"] == "scene_review"
    assert client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []}).status_code == 202
    assert client.post(f"{API}/comics/{job_id}/generate", json={"style": "cartoon"}).status_code == 202
    assert wait_until_settled(client, job_id)["status"] == "completed"
    return client.get(f"{API}/comics/{job_id}/result").json()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("browser")
    server = start_server(service_env(folder / "data"), folder / "server.log")
    trap = OutsideTrap()
    try:
        with server.client() as client:
            comic = _make_comic(client)
        yield Site(server, comic, trap, folder)
    finally:
        trap.close()
        stop_server(server)


def _operations(site: Site) -> int:
    schema = httpx.get(f"{site.server.base_url}/openapi.json").json()
    return sum(len(item) for item in schema["paths"].values())


def test_the_trap_catches_a_page_that_needs_the_internet(site: Site) -> None:
    page = site.shots / "outside.html"
    page.write_text(
        '<img src="http://cdn.example.invalid/logo.png"><link rel="stylesheet" href="https://fonts.example.invalid/a.css">'
    )
    capture(page.as_uri(), site.trap, size=(400, 300))
    assert {"cdn.example.invalid", "fonts.example.invalid"} <= set(site.trap.page_requests())
    site.trap.hosts.clear()


def test_docs_pages_reference_only_this_service(site: Site) -> None:
    for path in ("/docs", "/redoc"):
        response = httpx.get(site.server.base_url + path)
        assert response.status_code == 200
        assert "default-src 'self'" in response.headers["content-security-policy"]
        urls = re.findall(r'(?:src|href)="([^"]+)"', response.text)
        assert urls
        assert all(url.startswith("/static/") for url in urls), urls
        for url in urls:
            assert httpx.get(site.server.base_url + url).status_code == 200, url


def test_swagger_ui_renders_every_operation_offline(site: Site) -> None:
    shot = site.shots / "docs.png"
    page = capture(site.server.base_url + "/docs", site.trap, size=(1280, 1000), screenshot=shot)
    assert page.dom.count('class="opblock-summary-path"') == _operations(site)
    assert "Fable Tales" in page.dom
    assert page.screenshot is not None
    assert blank_share(page.screenshot) < 0.9, f"{shot} looks blank"
    assert site.trap.page_requests() == []


def test_redoc_renders_offline(site: Site) -> None:
    page = capture(site.server.base_url + "/redoc", site.trap, size=(1280, 1000))
    operations = set(re.findall(r'id="operation/([^"]+)"', page.dom))
    assert len(operations) == _operations(site)
    assert site.trap.page_requests() == []


def test_reader_page_shows_the_lettered_panels_on_a_desktop(site: Site) -> None:
    shot = site.shots / "reader-desktop.png"
    url = site.server.base_url + site.comic["reader_url"]
    page = capture(url, site.trap, size=(1280, 1600), screenshot=shot)
    sources = re.findall(r'<img src="([^"]+)"', page.dom)
    assert sources == [panel["lettered_url"] for panel in site.comic["panels"]]
    assert page.screenshot is not None
    # The page itself is paper and ink; the colour comes from the panel pictures having loaded.
    assert colourful_share(page.screenshot) > 0.3, f"{shot}: panels not visible"
    assert site.trap.page_requests() == []


def test_reader_page_fits_a_phone(site: Site) -> None:
    shot = site.shots / "reader-phone.png"
    url = site.server.base_url + site.comic["reader_url"]
    page = capture(url, site.trap, size=(390, 2400), screenshot=shot)
    assert page.screenshot is not None
    assert colourful_share(page.screenshot) > 0.3, f"{shot}: panels not visible"
    # One column, edge to edge: the first panel's picture reaches both sides of the screen.
    band = page.screenshot.crop((0, 300, 390, 500))
    left, right = band.crop((0, 0, 40, 200)), band.crop((350, 0, 390, 200))
    assert colourful_share(left.resize((80, 400))) > 0.2
    assert colourful_share(right.resize((80, 400))) > 0.2


def test_with_an_api_token_the_reader_opens_once_with_the_token_in_its_url(tmp_path: Path) -> None:
    # A browser cannot send the Authorization header: `?token=` trades it for a cookie, then the
    # page and its pictures load with that cookie.
    env = service_env(tmp_path / "data", API_TOKEN="s3cret")
    server = start_server(env, tmp_path / "server.log")
    trap = OutsideTrap()
    try:
        with httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer s3cret"}, timeout=10) as client:
            comic = _make_comic(client)
        reader = server.base_url + comic["reader_url"]
        shot = tmp_path / "reader-token.png"
        page = capture(f"{reader}?token=s3cret", trap, size=(1280, 1600), screenshot=shot)
        assert len(re.findall(r'<img src="([^"]+)"', page.dom)) == len(comic["panels"])
        assert page.screenshot is not None
        assert colourful_share(page.screenshot) > 0.3, f"{shot}: panels not visible"
        refused = capture(reader, trap, size=(640, 480))  # a fresh browser with no token
        assert "missing or wrong API token" in refused.dom
    finally:
        trap.close()
        stop_server(server)
