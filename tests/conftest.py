"""Shared fixtures: settings on a temporary data folder, app clients, and the local fake providers.

`fal_client` reads FAL_QUEUE_RUN_HOST when it is first imported, so the fake fal.ai server's
address (and the throwaway CA that its HTTPS certificate chains to) is fixed here, at import
time, before any test imports the app.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes.fal_server import FakeFal, make_ca_bundle


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_CA_DIR = tempfile.mkdtemp(prefix="fable-test-ca-")
_CA, _CA_PEM = make_ca_bundle(_CA_DIR)
_FAL_PORT = _free_port()
os.environ["FAL_QUEUE_RUN_HOST"] = f"127.0.0.1:{_FAL_PORT}"
os.environ["SSL_CERT_FILE"] = str(_CA_PEM)
# Keys from the developer's shell must not switch the offline tests to real providers.
# Nor may a shell's IMAGE_STORE=s3 or DATABASE_URL move the file store's tests into a bucket or a database.
for _name in (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "FAL_KEY",
    "FAL_AI_API_KEY",
    "LLM_PROVIDER",
    "IMAGE_PROVIDER",
    "IMAGE_STORE",
    "DATABASE_URL",
):
    os.environ.pop(_name, None)

from app.storage.data_manager import DataManager  # noqa: E402 - after the environment above is settled
from config import DEFAULT_ALLOWED_HOSTS, Settings  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.utils.postgres import PostgresServer  # noqa: E402
from tests.utils.s3 import MotoS3  # noqa: E402

MakeSettings = Callable[..., Settings]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def make_settings(data_dir: Path) -> MakeSettings:
    """Settings that ignore any `.env` file and store under the test's own folder."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": data_dir,
            "llm_provider": "offline",
            "image_provider": "offline",
            # TestClient sends `Host: testserver`; allowed here on purpose, not by the default.
            "allowed_hosts": [*DEFAULT_ALLOWED_HOSTS, "testserver"],
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return make


@pytest.fixture(scope="module")
def s3_server() -> Iterator[MotoS3]:
    """moto's S3 server on 127.0.0.1, shared by a module's tests."""
    with MotoS3() as server:
        yield server


@pytest.fixture
def s3(s3_server: MotoS3) -> MotoS3:
    """The S3 server with no bucket or object left from an earlier test."""
    s3_server.reset()
    return s3_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server (the `pgserver` wheel) for the whole session, started at the first test that needs it."""
    with PostgresServer() as server:
        yield server


@pytest.fixture
def database(postgres: PostgresServer) -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    with postgres.database() as url:
        yield url


@pytest.fixture(params=["files", "postgres"])
def both_stores(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test once on the file store and once on PostgreSQL (a fresh database), through DATABASE_URL.

    Set in the environment, so that every Settings the test makes, and every server process it
    starts, use the same store. Use it for tests that hold for any store, not for the folders' layout.
    """
    if request.param == "postgres":
        monkeypatch.setenv("DATABASE_URL", request.getfixturevalue("database"))
    return request.param


@pytest.fixture
async def store_data(both_stores: str, make_settings: MakeSettings) -> AsyncIterator[DataManager]:
    """An opened DataManager on each store in turn (see `both_stores`), closed after the test."""
    from app.storage.stores import document_store

    settings = make_settings()
    data = DataManager(settings.data_dir, documents=document_store(settings))
    await data.open()
    try:
        yield data
    finally:
        await data.aclose()


@pytest.fixture
def client(make_settings: MakeSettings) -> Iterator[TestClient]:
    """The app on the offline providers, started (lifespan run) for the test."""
    from app.main import create_app

    with TestClient(create_app(make_settings())) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="session")
def fake_fal_server() -> Iterator[FakeFal]:
    with FakeFal(_CA, port=_FAL_PORT) as server:
        yield server


@pytest.fixture
def fake_openai(fake_openai_server: FakeOpenAI) -> FakeOpenAI:
    """The fake OpenAI server with default knobs and no recorded requests."""
    fake_openai_server.reset()
    return fake_openai_server


@pytest.fixture
def fake_fal(fake_fal_server: FakeFal) -> FakeFal:
    """The fake fal.ai server with default knobs and no recorded requests."""
    fake_fal_server.reset()
    return fake_fal_server


@pytest.fixture
def make_real_settings(make_settings: MakeSettings, fake_openai: FakeOpenAI, fake_fal: FakeFal) -> MakeSettings:
    """Settings that select the real OpenAI and fal.ai providers, pointed at the local fakes, plus overrides."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "llm_provider": "auto",
            "image_provider": "auto",
            "openai_api_key": "sk-test-local",
            "openai_base_url": fake_openai.base_url,
            "fal_key": "fal-test-local",
            "fal_platform_url": fake_fal.platform_url,
        }
        return make_settings(**(values | overrides))

    return make


@pytest.fixture
def real_settings(make_real_settings: MakeSettings) -> Settings:
    """Settings that select the real OpenAI and fal.ai providers, pointed at the local fakes."""
    return make_real_settings()


@pytest.fixture
def real_client(real_settings: Settings) -> Iterator[TestClient]:
    """The app on the real SDKs, talking to the fakes on 127.0.0.1."""
    from app.main import create_app

    with TestClient(create_app(real_settings)) as test_client:
        yield test_client
