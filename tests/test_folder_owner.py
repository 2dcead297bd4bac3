"""One owner per data folder, through real processes: `main.py serve` twice, `generate` next to a server."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.storage.folder_lock import OWNER_FILE
from tests.fakes.fal_server import FakeFal
from tests.fakes.openai_server import FakeOpenAI
from tests.utils.server import (
    API,
    REPO_ROOT,
    ServerProcess,
    free_port,
    real_provider_env,
    service_env,
    start_server,
    stop_server,
    wait_until_settled,
)

TOKEN = "s3cret-token"
TOPIC = "teach my kid to wash their hands before dinner"
CAST = [{"character_type": "girl_young", "count": 1}, {"character_type": "parent_mom", "count": 1}]


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    """Servers a test started; stopped however it ends."""
    started: list[ServerProcess] = []
    yield started
    for server in started:
        stop_server(server)


def _main(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def _client(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=10.0, headers={"Authorization": f"Bearer {TOKEN}"})


def _owner(data_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((data_dir / OWNER_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return None


def test_one_server_per_folder_until_it_is_killed(tmp_path: Path, servers: list[ServerProcess]) -> None:
    data_dir = tmp_path / "data"
    env = service_env(data_dir, API_TOKEN=TOKEN)
    first = start_server(env, tmp_path / "first.log")
    servers.append(first)

    second = _main(["serve", "--port", str(free_port())], env, timeout=60)
    assert second.returncode == 1, second.stderr
    assert str(data_dir.resolve()) in second.stderr
    assert f"pid {first.process.pid}" in second.stderr
    assert first.base_url in second.stderr
    assert "Traceback" not in second.stderr
    with _client(first) as http:
        assert http.get(f"{API}/jobs").status_code == 200  # the first one goes on serving

    # `generate` asks the running server for the comic; without the server's token it is refused, clearly.
    untokened = _main(["generate", TOPIC], service_env(data_dir))
    assert untokened.returncode == 1
    assert "401" in untokened.stderr, untokened.stderr
    assert "API_TOKEN" in untokened.stderr
    assert "Traceback" not in untokened.stderr
    with _client(first) as http:
        assert http.get(f"{API}/jobs").json()["total"] == 0

    first.process.kill()  # SIGKILL: no shutdown code runs, the kernel drops the lock
    first.process.wait()
    third = start_server(env, tmp_path / "third.log")
    servers.append(third)
    assert _owner(data_dir)["pid"] == third.process.pid
    assert _owner(data_dir)["url"] == third.base_url


def test_generate_next_to_a_drawing_server_makes_its_comic_through_it(
    tmp_path: Path, servers: list[ServerProcess], fake_openai: FakeOpenAI, fake_fal: FakeFal
) -> None:
    data_dir = tmp_path / "data"
    env = service_env(
        data_dir, API_TOKEN=TOKEN, **real_provider_env(fake_openai.base_url, fake_fal, os.environ["SSL_CERT_FILE"])
    )
    server = start_server(env, tmp_path / "server.log")
    servers.append(server)
    fake_fal.latency = 6.0  # the server's own comic is still being drawn while `generate` starts and runs
    with _client(server) as http:
        body = {"topic": TOPIC, "characters": CAST, "panel_count": 2}
        job_id = http.post(f"{API}/comics/scenes/generate", json=body).json()["job_id"]
        wait_until_settled(http, job_id)
        assert http.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []}).status_code == 202
        assert http.post(f"{API}/comics/{job_id}/generate").status_code == 202
        deadline = time.monotonic() + 20
        while len(fake_fal.submissions) < 2:
            assert time.monotonic() < deadline, "the server did not submit its panels"
            time.sleep(0.05)
        fake_fal.latency = 0.2  # `generate`'s panels
        status = http.get(f"{API}/comics/{job_id}/status").json()
        assert (status["status"], status["step"]) == ("processing", "generating_images"), status

        result = _main(["generate", "teach my kid to say sorry after a fight", "--panels", "3"], env)
        assert result.returncode == 0, result.stderr
        assert f"made by the server at {server.base_url}" in result.stderr
        assert "100%" in result.stderr

        # The server's comic was left alone (before, `generate` marked it interrupted) and completes.
        status = wait_until_settled(http, job_id)
        assert status["status"] == "completed", status
        assert "interrupted" not in {change["status"] for change in status["history"]}

        # `generate`'s comic is the server's job, in the same folder, at the paths it printed.
        generated = re.search(r"^job:\s+(\S+)$", result.stdout, re.MULTILINE).group(1)
        assert http.get(f"{API}/comics/{generated}/status").json()["status"] == "completed"
    record = Path(re.search(r"^record:\s+(.+)$", result.stdout, re.MULTILINE).group(1))
    assert record.is_relative_to(data_dir.resolve())
    assert record.is_file()
    assert len(json.loads(record.read_text())["panels"]) == 3
    printed = re.findall(r"^(?:panel \d+|page|pdf \(\w+\)):\s+(.+)$", result.stdout, re.MULTILINE)
    assert len(printed) == 3 + 1 + 2, result.stdout
    assert all(Path(path).is_file() for path in printed)
    assert _owner(data_dir)["pid"] == server.process.pid  # `generate` never took the folder
    assert "interrupted" not in server.log()


def test_generate_without_a_server_holds_the_folder_while_it_runs(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_fal: FakeFal
) -> None:
    data_dir = tmp_path / "data"
    env = service_env(data_dir, **real_provider_env(fake_openai.base_url, fake_fal, os.environ["SSL_CERT_FILE"]))
    fake_fal.latency = 3.0
    generate = _start_generate(env, panels=2, stdout=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while (_owner(data_dir) or {}).get("pid") != generate.pid:
            assert generate.poll() is None, generate.communicate()
            assert time.monotonic() < deadline, "generate did not take the folder"
            time.sleep(0.05)
        assert _owner(data_dir)["purpose"] == "generate"

        server = _main(["serve", "--port", str(free_port())], env, timeout=60)
        assert server.returncode == 1, server.stderr
        assert f"`python main.py generate` (pid {generate.pid}" in server.stderr
        out, err = generate.communicate(timeout=120)
    finally:
        generate.kill()
        generate.wait()
    assert generate.returncode == 0, err
    assert "record:" in out
    assert _owner(data_dir) is None  # released when it finished


def test_ctrl_c_on_generate_cancels_its_comic_on_the_server(
    tmp_path: Path, servers: list[ServerProcess], fake_openai: FakeOpenAI, fake_fal: FakeFal
) -> None:
    fakes = real_provider_env(fake_openai.base_url, fake_fal, os.environ["SSL_CERT_FILE"])
    env = service_env(tmp_path / "data", **fakes)
    server = start_server(env, tmp_path / "server.log")
    servers.append(server)
    generate = _start_generate(env, panels=1, stdout=subprocess.DEVNULL)
    try:
        with server.client() as http:
            deadline = time.monotonic() + 60
            while fake_fal.downloads < 2:  # the cast's two reference pictures, drawn at once
                assert generate.poll() is None, generate.communicate()
                assert time.monotonic() < deadline, "the cast's references were never drawn"
                time.sleep(0.05)
            fake_fal.latency = 60.0  # drawing the panel would outlast the test: only a cancel ends it
            while len(fake_fal.submissions) < 3:
                assert generate.poll() is None, generate.communicate()
                assert time.monotonic() < deadline, "generate's panel was never submitted"
                time.sleep(0.05)
            generate.send_signal(signal.SIGINT)
            generate.communicate(timeout=30)
            [job] = http.get(f"{API}/jobs").json()["jobs"]
            assert job["status"] == "cancelled", job
    finally:
        generate.kill()
        generate.wait()


def _start_generate(env: dict[str, str], panels: int, stdout: int) -> subprocess.Popen[str]:
    """`python main.py generate` in the background, its standard error piped."""
    return subprocess.Popen(
        [sys.executable, "main.py", "generate", TOPIC, "--panels", str(panels)],
        cwd=REPO_ROOT,
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )
