"""Image downloads go over https to fal.ai's media hosts or the queue's host only, never to private addresses.

The rules on their own first (with the resolver replaced, since tests have no DNS), then through the
real `fal_client` SDK and the fake fal.ai server, whose results can point elsewhere or redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from app.providers import safe_download
from app.providers.fal_images import FalImageModel
from app.providers.safe_download import SafeDownloader, UnsafeImageUrl
from config import Settings
from external_services import ImageRequest, ProviderError
from tests.fakes.fal_server import FakeFal
from tests.utils.factories import SCENE_DRAFT

pytestmark = pytest.mark.anyio

REQUEST = ImageRequest(prompt="Mia at the bus stop", width=64, height=48, seed=7, scene=SCENE_DRAFT)
TRUSTED = "queue.example.test:8443"  # stands for FAL_QUEUE_RUN_HOST


@pytest.fixture
async def downloader() -> Any:
    downloads = SafeDownloader(1024, trusted_host=TRUSTED)
    yield downloads
    await downloads.aclose()


def _resolving_to(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> None:
    async def addresses_of(host: str, port: int) -> list[str]:
        return list(addresses)

    monkeypatch.setattr(safe_download, "_addresses", addresses_of)


async def test_fals_media_hosts_on_public_addresses_are_fetched(
    downloader: SafeDownloader, monkeypatch: pytest.MonkeyPatch
) -> None:
    _resolving_to(monkeypatch, "34.117.59.81", "2606:4700::6810:84e5")
    for url in ("https://fal.media/files/a.png", "https://v3.fal.media/files/rabbit/a.png"):
        assert await downloader.check(url) is True  # allowed, its addresses checked


async def test_the_queue_host_is_trusted_as_configured(downloader: SafeDownloader) -> None:
    assert await downloader.check(f"https://{TRUSTED}/files/a.png") is False  # allowed, whatever it resolves to


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (f"http://{TRUSTED}/files/a.png", "only https"),
        ("ftp://fal.media/a.png", "only https"),
        ("file:///etc/passwd", "only https"),
        ("https://queue.example.test/files/a.png", "not one of fal.ai's media hosts"),  # the queue host on another port
        ("https://localhost/files/a.png", "not one of fal.ai's media hosts"),
        ("https://127.0.0.1/a.png", "not one of fal.ai's media hosts"),
        ("https://169.254.169.254/latest/meta-data/", "not one of fal.ai's media hosts"),
        ("https://[::1]/a.png", "not one of fal.ai's media hosts"),
        ("https://evilfal.media/a.png", "not one of fal.ai's media hosts"),
        ("https://fal.media.evil.example/a.png", "not one of fal.ai's media hosts"),
        ("https://v3.fal.media:8443/a.png", "not one of fal.ai's media hosts"),
    ],
)
async def test_other_schemes_and_hosts_are_refused(downloader: SafeDownloader, url: str, reason: str) -> None:
    with pytest.raises(UnsafeImageUrl, match=reason):
        await downloader.check(url)


@pytest.mark.parametrize(
    "addresses",
    [
        ("127.0.0.1",),
        ("10.1.2.3",),
        ("192.168.0.10",),
        ("172.16.5.4",),
        ("169.254.169.254",),  # cloud metadata
        ("100.64.0.1",),  # carrier-grade NAT
        ("0.0.0.0",),
        ("::1",),
        ("fe80::1%eth0",),
        ("fd00::1",),
        ("::ffff:127.0.0.1",),
        ("34.117.59.81", "10.0.0.7"),  # every address counts
    ],
)
async def test_a_media_host_resolving_to_a_private_address_is_refused(
    downloader: SafeDownloader, monkeypatch: pytest.MonkeyPatch, addresses: tuple[str, ...]
) -> None:
    _resolving_to(monkeypatch, *addresses)
    with pytest.raises(UnsafeImageUrl, match="non-public address"):
        await downloader.check("https://v3.fal.media/files/a.png")


def test_the_address_a_connection_reached_is_checked_too() -> None:
    def response_from(peer: tuple[str, int]) -> httpx.Response:
        stream = SimpleNamespace(get_extra_info=lambda info: peer if info == "server_addr" else None)
        return httpx.Response(200, extensions={"network_stream": stream})

    safe_download._check_peer(response_from(("34.117.59.81", 443)), "https://v3.fal.media/a.png")
    with pytest.raises(UnsafeImageUrl, match=r"connected to non-public address 10\.0\.0\.7"):
        safe_download._check_peer(response_from(("10.0.0.7", 443)), "https://v3.fal.media/a.png")


async def _draw_with_urls(settings: Settings, fake_fal: FakeFal, image_url: Callable[[str], str]) -> None:
    fake_fal.image_url = image_url
    model = FalImageModel(settings)
    try:
        image = await model.draw(REQUEST)
        assert image.data.startswith(b"\x89PNG")
    finally:
        await model.aclose()


def _name(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def test_results_on_the_queue_host_are_downloaded_through_a_few_redirects(
    real_settings: Settings, fake_fal: FakeFal
) -> None:
    await _draw_with_urls(real_settings, fake_fal, lambda url: f"https://{fake_fal.host}/redirect/3/{_name(url)}")
    assert fake_fal.downloads == 1


@pytest.mark.parametrize(
    ("image_url", "reason"),
    [
        (lambda fal, url: f"https://localhost:{fal.port}/files/{_name(url)}", "not one of fal.ai's media hosts"),
        (lambda fal, url: f"http://{fal.host}/files/{_name(url)}", "only https"),
        (lambda fal, url: f"https://{fal.host}/redirect/0/{_name(url)}?to=https://10.0.0.7/a.png", "media hosts"),
        (lambda fal, url: f"https://{fal.host}/redirect/0/x?to=https://localhost:{fal.port}/files/x", "media hosts"),
        (lambda fal, url: f"https://{fal.host}/redirect/0/x?to=http://{fal.host}/files/{_name(url)}", "only https"),
        (lambda fal, url: f"https://{fal.host}/redirect/9/{_name(url)}", "redirected more than 5 times"),
    ],
)
async def test_results_elsewhere_are_refused_without_being_fetched(
    real_settings: Settings, fake_fal: FakeFal, image_url: Callable[[FakeFal, str], str], reason: str
) -> None:
    with pytest.raises(ProviderError, match=reason):
        await _draw_with_urls(real_settings, fake_fal, lambda url: image_url(fake_fal, url))
    assert fake_fal.downloads == 0
