"""Run `python main.py serve` as a real subprocess, the way a new user starts the service.

The server's output goes to a file rather than a pipe: uvicorn logs every request, and an unread
pipe would eventually fill up and block the server mid-test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from tests.fakes.fal_server import FakeFal

REPO_ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1"
WAITING = {"pending", "processing"}
# Variables that would switch the subprocess to real providers (or another data folder) behind the test's back.
_PROVIDER_VARS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "FAL_KEY", "FAL_AI_API_KEY", "LLM_PROVIDER", "IMAGE_PROVIDER")


def free_port() -> int:
    """A port that was free a moment ago (the OS picks it, so parallel runs do not collide)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    """The caller's environment with no provider keys, offline providers and its own data folder.

    Every setting that matters is set explicitly because environment variables beat a developer's `.env`
    in the repo root, which the subprocess (cwd = repo root) would otherwise read.
    """
    env = {k: v for k, v in os.environ.items() if k not in _PROVIDER_VARS}
    env.update(
        DATA_DIR=str(data_dir),
        HOST="127.0.0.1",
        LLM_PROVIDER="offline",
        IMAGE_PROVIDER="offline",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        S3_ENDPOINT_URL="",  # a developer's `.env` naming a bucket must not turn every export into an upload
        IMAGE_STORE="files",  # nor move the images of a test's service into it
    )
    env.update(overrides)
    return env


def run_export(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python main.py export ARGS` as a user runs it: in the repo root, on `data_dir`, with `service_env(**env)`."""
    return run_command("export", data_dir, *args, **env)


def run_command(command: str, data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python main.py COMMAND ARGS` as a user runs it: in the repo root, on `data_dir`, with `service_env(**env)`."""
    return subprocess.run(
        [sys.executable, "main.py", command, *args],
        cwd=REPO_ROOT,
        env=service_env(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def real_provider_env(openai_base_url: str, fal: FakeFal, ca_file: Path | str) -> dict[str, str]:
    """The variables that point the real OpenAI and fal.ai providers at local fakes (`ca_file`: the fakes' CA)."""
    return {
        "LLM_PROVIDER": "auto",
        "IMAGE_PROVIDER": "auto",
        "OPENAI_API_KEY": "sk-test-local",
        "OPENAI_BASE_URL": openai_base_url,
        "FAL_KEY": "fal-test-local",
        "FAL_QUEUE_RUN_HOST": fal.host,
        "FAL_PLATFORM_URL": fal.platform_url,
        "SSL_CERT_FILE": str(ca_file),
    }


@dataclass
class ServerProcess:
    """A running `main.py serve` and where its output goes."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    stopped: bool = False  # set by stop_server, so an exit we caused is not mistaken for a crash

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=10.0)


def start_server(env: dict[str, str], log_path: Path, timeout: float = 20.0) -> ServerProcess:
    """Start the server on a free port and wait until `GET /health` answers; fails the test if it dies."""
    port = free_port()
    log = log_path.open("ab")
    try:
        process = subprocess.Popen(
            [sys.executable, "main.py", "serve", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()  # the child holds its own descriptor
    server = ServerProcess(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(f"server exited with status {process.returncode} before answering:\n{server.log()}")
        try:
            if httpx.get(f"{server.base_url}/health", timeout=1.0).status_code == 200:
                return server
        except httpx.TransportError:
            pass  # not listening yet
        if time.monotonic() > deadline:
            stop_server(server)
            pytest.fail(f"server did not answer /health within {timeout} s:\n{server.log()}")
        time.sleep(0.05)


def stop_server(server: ServerProcess, timeout: float = 10.0) -> int:
    """Terminate (SIGTERM, a graceful uvicorn shutdown), killing it if it hangs; returns the exit status."""
    server.stopped = True
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout)
    return server.process.returncode


def wait_until_settled(client: httpx.Client, job_id: str, timeout: float = 20.0) -> dict[str, Any]:
    """Poll the job's status until it stops processing; returns the last status body."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"{API}/comics/{job_id}/status")
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] not in WAITING:
            return body
        assert time.monotonic() < deadline, f"job still {body['status']}/{body['step']} after {timeout} s"
        time.sleep(0.02)
