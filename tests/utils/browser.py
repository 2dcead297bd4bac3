"""Headless Chromium for the browser tests, with the network effectively off.

Every request not for 127.0.0.1 goes to `OutsideTrap`, a proxy that records where the browser
tried to go and answers nothing, so a page that needs the internet both fails to render and is
caught red-handed. Chromium also phones home for its own housekeeping (clock, component
updates, sign-in, autofill); those hosts are known and left out of what a test asserts on.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageChops

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOUSEKEEPING_HOSTS = frozenset(
    {
        "clients2.google.com",
        "update.googleapis.com",
        "accounts.google.com",
        "content-autofill.googleapis.com",
        "optimizationguide-pa.googleapis.com",
        "safebrowsingohttpgateway.googleapis.com",
        "android.clients.google.com",
        "redirector.gvt1.com",
    }
)
_HOST = re.compile(rb"^[A-Z]+ (?:https?://)?([^/:\s]+)")


@dataclass
class OutsideTrap:
    """A dead-end proxy on 127.0.0.1 that records the hosts requests were meant for."""

    hosts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    match = _HOST.match(conn.recv(4096))
                except OSError:
                    continue
                if match:
                    self.hosts.append(match.group(1).decode())

    def page_requests(self) -> list[str]:
        """Hosts the pages (not the browser's own housekeeping) tried to reach."""
        return sorted(set(self.hosts) - HOUSEKEEPING_HOSTS)

    def close(self) -> None:
        self._server.close()


@dataclass(frozen=True)
class Capture:
    """What the browser made of a page."""

    dom: str
    screenshot: Image.Image | None


def capture(url: str, trap: OutsideTrap, *, size: tuple[int, int], screenshot: Path | None = None) -> Capture:
    """Load `url` in a fresh headless Chromium; returns the DOM after scripts ran, and the screenshot."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="fable-chromium-") as profile:
        command = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--proxy-server=127.0.0.1:{trap.port}",
            "--proxy-bypass-list=127.0.0.1",
            f"--window-size={size[0]},{size[1]}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            *([f"--screenshot={screenshot}"] if screenshot else []),
            url,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    image = None
    if screenshot:
        with Image.open(screenshot) as shot:
            image = shot.convert("RGB")
    return Capture(done.stdout, image)


def colourful_share(image: Image.Image) -> float:
    """The share of clearly coloured pixels (saturated, not dark): pictures, not text on paper."""
    _, saturation, value = image.resize((image.width // 4, image.height // 4)).convert("HSV").split()
    coloured = ImageChops.multiply(
        saturation.point(lambda s: 255 if s > 89 else 0), value.point(lambda v: 255 if v > 63 else 0)
    )
    return coloured.histogram()[255] / (coloured.width * coloured.height)


def blank_share(image: Image.Image) -> float:
    """The share of the most common colour: 1.0 for a blank screenshot."""
    small = image.resize((image.width // 4, image.height // 4))
    counts = small.getcolors(maxcolors=small.width * small.height) or []
    return max(count for count, _ in counts) / (small.width * small.height)
