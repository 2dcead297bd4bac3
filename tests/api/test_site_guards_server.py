"""The Host and cross-site checks on a real `python main.py serve`, as a browser elsewhere would meet them.

One server: HOST=localhost with ALLOWED_HOSTS naming only the loopback addresses (so `localhost`
is allowed only because HOST names it), an API token and one CORS origin.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.utils.server import API, ServerProcess, service_env, start_server, stop_server

APP = "http://app.example:3000"
TOKEN = {"authorization": "Bearer s3cret"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Path]]:
    root = tmp_path_factory.mktemp("site-guards")
    env = service_env(
        root / "data", HOST="localhost", ALLOWED_HOSTS="127.0.0.1,[::1]", API_TOKEN="s3cret", CORS_ORIGINS=APP
    )
    server = start_server(env, root / "server.log")
    yield server, root / "data"
    stop_server(server)


@pytest.fixture
def http(served: tuple[ServerProcess, Path]) -> Iterator[httpx.Client]:
    with served[0].client() as client:
        yield client


def _port(served: tuple[ServerProcess, Path]) -> int:
    return int(served[0].base_url.rsplit(":", 1)[1])


def _exports(data_dir: Path) -> list[Path]:
    folder = data_dir / "exports"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_rebound_host_name_gets_nothing(http: httpx.Client) -> None:
    for path in ("/health", f"{API}/jobs", "/docs"):
        response = http.get(path, headers={**TOKEN, "host": "evil.example"})
        assert response.status_code == 400, path
        assert response.headers["content-type"] == "application/json"
        assert "ALLOWED_HOSTS" in response.json()["detail"]


def test_loopback_and_host_s_own_name_are_allowed(served: tuple[ServerProcess, Path], http: httpx.Client) -> None:
    port = _port(served)
    for host in (f"127.0.0.1:{port}", f"[::1]:{port}", f"localhost:{port}"):  # localhost: from HOST
        assert http.get(f"{API}/jobs", headers={**TOKEN, "host": host}).status_code == 200, host


def test_a_cross_site_body_less_export_is_403_and_exports_nothing(
    served: tuple[ServerProcess, Path], http: httpx.Client
) -> None:
    before = _exports(served[1])
    for headers in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}):
        response = http.post(f"{API}/export", headers={**TOKEN, **headers})  # even with the token
        assert response.status_code == 403, headers
        assert "CORS_ORIGINS" in response.json()["detail"]
    assert _exports(served[1]) == before


def test_a_preflight_works_with_token_and_cors_set(http: httpx.Client) -> None:
    preflight = {
        "origin": APP,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization",
    }
    response = http.options(f"{API}/export", headers=preflight)
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == APP
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


def test_the_cors_origin_and_the_service_s_own_pages_may_post(
    served: tuple[ServerProcess, Path], http: httpx.Client
) -> None:
    before = len(_exports(served[1]))
    from_app = http.post(f"{API}/export", headers={**TOKEN, "origin": APP})
    assert from_app.status_code == 201, from_app.text
    assert from_app.headers["access-control-allow-origin"] == APP
    own = http.post(f"{API}/export", headers={**TOKEN, "origin": served[0].base_url})  # e.g. /docs "Try it out"
    assert own.status_code == 201, own.text
    assert len(_exports(served[1])) == before + 2
