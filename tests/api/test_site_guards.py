"""Only this machine's pages: the Host check, the cross-site check, and CORS before the token.

TestClient sends `Host: testserver`, which the test settings allow on purpose; these tests set the
Host and Origin headers a browser would send.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeSettings
from tests.utils.flow import API, TOPIC, job_at_review

APP = "http://app.example:3000"  # a front-end named in CORS_ORIGINS
EVIL = "https://evil.example"


def _app(settings_maker: MakeSettings, **overrides: object) -> TestClient:
    from app.main import create_app

    return TestClient(create_app(settings_maker(**overrides)))


@pytest.fixture
def cors_client(make_settings: MakeSettings) -> Iterator[TestClient]:
    with _app(make_settings, cors_origins=APP) as client:
        yield client


def _exports(data_dir: Path) -> list[Path]:
    folder = data_dir / "exports"
    return list(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "[::2]:8000"])
def test_a_host_not_allowed_is_refused_before_anything_runs(client: TestClient, host: str) -> None:
    for method, path in (("GET", f"{API}/jobs"), ("GET", "/health"), ("POST", f"{API}/comics/scenes/generate")):
        response = client.request(method, path, json={"topic": TOPIC}, headers={"host": host})
        assert response.status_code == 400, (method, path)
        assert "ALLOWED_HOSTS" in response.json()["detail"]
    assert client.get(f"{API}/jobs").json()["total"] == 0  # the POST started nothing


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "LocalHost.:1", "127.0.0.1:8000", "[::1]:8000"])
def test_loopback_names_are_allowed_with_any_port(make_settings: MakeSettings, host: str) -> None:
    with _app(make_settings, allowed_hosts="") as client:  # the default list
        assert client.get(f"{API}/jobs", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["[::1", "localhost:http", "local host", "[evil]:80", "localhost:8000:1"])
def test_a_malformed_host_is_refused(client: TestClient, host: str) -> None:
    response = client.get(f"{API}/jobs", headers={"host": host})
    assert response.status_code == 400
    assert response.json()["detail"]


def test_the_default_does_not_allow_testclient_s_own_host(make_settings: MakeSettings) -> None:
    with _app(make_settings, allowed_hosts="") as client:
        response = client.get(f"{API}/jobs")  # Host: testserver
    assert response.status_code == 400
    assert response.json()["detail"].startswith("this service does not answer to the host name 'testserver'")


def test_host_set_to_a_name_is_allowed_automatically(make_settings: MakeSettings) -> None:
    with _app(make_settings, host="fable-box.lan", allowed_hosts="") as client:
        assert client.get(f"{API}/jobs", headers={"host": "fable-box.lan:8000"}).status_code == 200
        assert client.get(f"{API}/jobs", headers={"host": "other-box.lan:8000"}).status_code == 400


def test_a_wildcard_allows_sub_domains_only(make_settings: MakeSettings) -> None:
    with _app(make_settings, allowed_hosts="*.home.arpa") as client:
        assert client.get(f"{API}/jobs", headers={"host": "fable.home.arpa"}).status_code == 200
        assert client.get(f"{API}/jobs", headers={"host": "evilhome.arpa"}).status_code == 400


@pytest.mark.parametrize(
    "headers",
    [{"origin": EVIL}, {"origin": "null"}, {"sec-fetch-site": "cross-site"}, {"origin": "http://testserver:8080"}],
    ids=["other-origin", "null-origin", "sec-fetch-site-only", "same-host-other-port"],
)
def test_a_body_less_cross_site_post_is_403_and_exports_nothing(
    client: TestClient, data_dir: Path, headers: dict[str, str]
) -> None:
    response = client.post(f"{API}/export", headers=headers)
    assert response.status_code == 403
    assert "CORS_ORIGINS" in response.json()["detail"]
    assert _exports(data_dir) == []


def test_cross_site_edits_and_deletes_change_nothing(client: TestClient) -> None:
    job_id = job_at_review(client)
    before = client.get(f"{API}/comics/{job_id}/scenes").json()
    edit = client.put(f"{API}/comics/{job_id}/scenes/1", json={"title": "Pwned"}, headers={"origin": EVIL})
    cancel = client.post(f"{API}/comics/{job_id}/cancel", headers={"origin": EVIL})
    delete = client.delete(f"{API}/comics/{job_id}", headers={"origin": EVIL})
    assert (edit.status_code, cancel.status_code, delete.status_code) == (403, 403, 403)
    assert client.get(f"{API}/comics/{job_id}/scenes").json() == before
    assert client.get(f"{API}/comics/{job_id}/status").json()["step"] == "scene_review"


def test_requests_without_origin_pass_as_from_curl(client: TestClient, data_dir: Path) -> None:
    assert client.post(f"{API}/export").status_code == 201  # no Origin, no Sec-Fetch-Site
    same = client.post(f"{API}/export", headers={"sec-fetch-site": "same-origin"})
    assert same.status_code == 201
    assert len(_exports(data_dir)) == 2


def test_a_same_origin_browser_post_works(make_settings: MakeSettings) -> None:
    with _app(make_settings) as client:
        for host, origin in (("testserver", "http://testserver"), ("localhost:8000", "http://localhost:8000")):
            response = client.post(f"{API}/export", headers={"host": host, "origin": origin})
            assert response.status_code == 201, (host, response.text)
        # The scheme is part of the origin: an https page is not this http service.
        refused = client.post(f"{API}/export", headers={"host": "localhost:8000", "origin": "https://localhost:8000"})
        assert refused.status_code == 403


def test_reading_from_another_site_is_left_to_the_browser(client: TestClient) -> None:
    # Without CORS headers the other page cannot read the answer; a GET changes nothing.
    response = client.get(f"{API}/jobs", headers={"origin": EVIL})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_an_allowed_cors_origin_may_post(cors_client: TestClient, data_dir: Path) -> None:
    response = cors_client.post(f"{API}/export", headers={"origin": APP})
    assert response.status_code == 201
    assert response.headers["access-control-allow-origin"] == APP
    assert len(_exports(data_dir)) == 1
    assert cors_client.post(f"{API}/export", headers={"origin": EVIL}).status_code == 403


def test_cors_origins_are_compared_in_origin_form(make_settings: MakeSettings) -> None:
    with _app(make_settings, cors_origins="HTTP://App.Example:3000/") as client:
        response = client.post(f"{API}/export", headers={"origin": APP})
    assert response.status_code == 201
    assert response.headers["access-control-allow-origin"] == APP


def test_a_preflight_is_answered_before_the_token_check(make_settings: MakeSettings) -> None:
    preflight = {
        "origin": APP,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
    }
    with _app(make_settings, api_token="s3cret", cors_origins=APP) as client:
        answer = client.options(f"{API}/comics/scenes/generate", headers=preflight)
        assert answer.status_code == 200, answer.text
        assert answer.headers["access-control-allow-origin"] == APP
        assert "POST" in answer.headers["access-control-allow-methods"]
        assert "authorization" in answer.headers["access-control-allow-headers"].lower()
        # The request itself still needs the token; its 401 carries the CORS header so the page can read it.
        refused = client.post(f"{API}/comics/scenes/generate", json={"topic": TOPIC}, headers={"origin": APP})
        assert refused.status_code == 401
        assert refused.headers["access-control-allow-origin"] == APP
        auth = {"origin": APP, "authorization": "Bearer s3cret"}
        assert client.post(f"{API}/comics/scenes/generate", json={"topic": TOPIC}, headers=auth).status_code == 202


def test_serve_host_flag_allows_that_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from config import get_settings
    from main import main

    ran: dict[str, object] = {}
    monkeypatch.setenv("HOST", "127.0.0.1")  # restored after the test, whatever `serve` sets
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: ran.update(kwargs))
    try:
        assert main(["serve", "--host", "fable-box.lan", "--port", "8123"]) == 0
        assert ran["host"] == "fable-box.lan"
        assert "fable-box.lan" in get_settings().served_hosts  # what the app made by uvicorn will read
    finally:
        get_settings.cache_clear()
