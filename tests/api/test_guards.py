"""The optional API token and the request size limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeSettings
from tests.utils.flow import API, TOPIC


@pytest.fixture
def guarded(make_settings: MakeSettings) -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app(make_settings(api_token="s3cret", max_request_bytes=4096))) as client:
        yield client


def test_token_is_required_everywhere_but_health_and_docs(guarded: TestClient) -> None:
    assert guarded.get("/health").status_code == 200
    assert guarded.get("/openapi.json").status_code == 200
    for path in (f"{API}/jobs", f"{API}/comics/characters", "/media/images/x.png", f"{API}/storage/stats"):
        response = guarded.get(path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"
    assert guarded.get(f"{API}/jobs", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get(f"{API}/jobs", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    created = guarded.post(
        f"{API}/comics/scenes/generate", json={"topic": TOPIC}, headers={"Authorization": "Bearer s3cret"}
    )
    assert created.status_code == 202


def test_no_token_configured_means_open(client: TestClient) -> None:
    assert client.get(f"{API}/jobs").status_code == 200


def test_oversized_bodies_are_413_and_store_nothing(guarded: TestClient) -> None:
    auth = {"Authorization": "Bearer s3cret"}
    big = {"topic": "x" * 5000}
    declared = guarded.post(f"{API}/comics/scenes/generate", json=big, headers=auth)
    assert declared.status_code == 413

    def chunks() -> Iterator[bytes]:  # no content-length: the limit must hold while streaming
        yield b'{"topic": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    streamed = guarded.post(
        f"{API}/comics/scenes/generate", content=chunks(), headers={**auth, "content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert guarded.get(f"{API}/jobs", headers=auth).json()["total"] == 0


def test_a_token_in_the_url_becomes_a_cookie_for_reading(guarded: TestClient) -> None:
    response = guarded.get(f"{API}/jobs?limit=5&token=s3cret", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"{API}/jobs?limit=5"  # the token leaves the URL
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "s3cret" not in cookie  # a digest stands for the token
    assert guarded.get(f"{API}/jobs?limit=5").status_code == 200  # the client kept the cookie
    # Changes still need the header: a cookie would let another page's form act for the user.
    assert guarded.post(f"{API}/comics/scenes/generate", json={"topic": TOPIC}).status_code == 401


def test_a_wrong_token_or_a_forged_cookie_is_refused(guarded: TestClient) -> None:
    assert guarded.get(f"{API}/jobs?token=wrong", follow_redirects=False).status_code == 401
    assert guarded.get(f"{API}/jobs?token=", follow_redirects=False).status_code == 401
    guarded.cookies.set("fable_token", "s3cret")
    assert guarded.get(f"{API}/jobs").status_code == 401
    guarded.cookies.clear()
    raw = b"fable_token=" + b"\xe9" * 64  # not even ASCII
    assert guarded.get(f"{API}/jobs", headers={"cookie": raw}).status_code == 401  # type: ignore[dict-item]
