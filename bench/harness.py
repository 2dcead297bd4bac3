"""Processes under test: the service (`python main.py serve`) and the fakes, each a subprocess on 127.0.0.1.

The service's log goes to a file, not a pipe: uvicorn logs every request, and an unread pipe
would fill up and stall the server mid-run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.utils.server import free_port
from tests.utils.server import service_env as test_service_env

REPO_ROOT = Path(__file__).resolve().parents[1]
# Besides the provider keys the tests' environment drops: what would change auth or TLS behind our back.
# PYTHONDONTWRITEBYTECODE too: with it (a developer's shell may set it) every start compiles the
# service's ~150 modules again, ~0.2 s of each start-up that a user's machine pays only once.
_DROPPED_TOO = ("API_TOKEN", "FAL_QUEUE_RUN_HOST", "SSL_CERT_FILE", "PYTHONDONTWRITEBYTECODE")


class BenchError(RuntimeError):
    """A process under test misbehaved; the message carries its log."""


@dataclass
class Fakes:
    """The fake OpenAI and fal.ai servers, and what the service needs to reach them."""

    process: subprocess.Popen[str]
    openai_base_url: str
    fal_host: str
    ca_pem: str
    _tmp: tempfile.TemporaryDirectory[str] = field(repr=False)

    @classmethod
    def start(cls, llm_latency: float, image_latency: float) -> Fakes:
        """Start `python -m bench.fakes` and wait for its addresses."""
        tmp = tempfile.TemporaryDirectory(prefix="fable-bench-ca-")
        args = ["--llm-latency", str(llm_latency), "--image-latency", str(image_latency), "--ca-dir", tmp.name]
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.fakes", *args],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise BenchError(f"the fakes exited with status {process.wait()} before announcing themselves")
        info = json.loads(line)
        return cls(process, info["openai_base_url"], info["fal_host"], info["ca_pem"], tmp)

    def env(self) -> dict[str, str]:
        """Settings that point the service's real SDKs at these fakes."""
        return {
            "LLM_PROVIDER": "openai",
            "IMAGE_PROVIDER": "fal",
            "OPENAI_API_KEY": "sk-bench-local",
            "OPENAI_BASE_URL": self.openai_base_url,
            "FAL_KEY": "fal-bench-local",
            "FAL_QUEUE_RUN_HOST": self.fal_host,
            "FAL_PLATFORM_URL": f"https://{self.fal_host}/v1",  # the fake serves fal's request listing too
            "SSL_CERT_FILE": self.ca_pem,
        }

    def stop(self) -> None:
        """Close its stdin (it exits at EOF); kill it if it lingers."""
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self._tmp.cleanup()


@dataclass
class Service:
    """A running `main.py serve`, how long it took to answer `/health`, and where its log is."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    ready_seconds: float

    def log(self) -> str:
        """What the server wrote so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def client(self) -> httpx.Client:
        """A keep-alive HTTP client for this server."""
        return httpx.Client(base_url=self.base_url, timeout=30.0)

    def processes(self) -> list[int]:
        """The server's pid and those of every process under it (the render workers and their fork server)."""
        pids, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            try:
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo += [int(child) for child in (task / "children").read_text().split()]
            except (FileNotFoundError, ProcessLookupError):  # it exited meanwhile
                continue
        return pids

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server and the processes under it have used, from /proc/<pid>/stat."""
        total = 0
        for pid in self.processes():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def loop_cpu_seconds(self) -> float:
        """User plus system CPU time of the server's main thread, the one its event loop runs in."""
        pid = self.process.pid
        fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def helpers_pss_mb(self) -> float:
        """Proportional set size of the processes under the server (shared pages split between them)."""
        total = 0
        for pid in self.processes()[1:]:
            try:
                lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
            except FileNotFoundError:
                continue
            total += sum(int(line.split()[1]) for line in lines if line.startswith("Pss:"))
        return total / 1024

    def rss_mb(self) -> float:
        """Resident memory of the server process, from /proc/<pid>/status."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise BenchError("no VmRSS line in /proc/<pid>/status")


def service_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    """The tests' server environment (offline providers, its own data folder), quieter, and with no
    token, fal host or CA from the caller's shell: the benchmark sets those itself when it needs them."""
    env = test_service_env(data_dir, LOG_LEVEL="WARNING", **overrides)
    for name in _DROPPED_TOO:
        if name not in overrides:
            env.pop(name, None)
    return env


def start_service(
    env: dict[str, str], log_path: Path, timeout: float = 60.0, launcher: tuple[str, ...] = ("main.py",)
) -> Service:
    """Start the server and wait until `/health` answers; `ready_seconds` is process start to that answer.

    `launcher`: what runs `serve` (`("-m", "bench.stalls")` for the stall watchdog).
    """
    port = free_port()
    with log_path.open("ab") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, *launcher, "serve", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    service = Service(process, url, log_path, 0.0)
    with httpx.Client(timeout=1.0) as http:
        while True:
            if process.poll() is not None:
                raise BenchError(f"server exited with status {process.returncode}:\n{service.log()}")
            try:
                if http.get(f"{url}/health").status_code == 200:
                    service.ready_seconds = time.perf_counter() - started
                    return service
            except httpx.TransportError:
                pass  # not listening yet
            if time.perf_counter() - started > timeout:
                stop_service(service)
                raise BenchError(f"server did not answer /health within {timeout} s:\n{service.log()}")
            time.sleep(0.005)


def stop_service(service: Service, timeout: float = 15.0) -> None:
    """SIGTERM (a graceful uvicorn shutdown), then SIGKILL if it hangs."""
    if service.process.poll() is None:
        service.process.terminate()
        try:
            service.process.wait(timeout)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait(timeout)
