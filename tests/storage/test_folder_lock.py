"""The data folder's lock: one owner at a time, re-entered by its own process, freed when its holder dies.

The other holder is a real process (a small Python child), because `flock` only excludes other open files.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.errors import FolderBusy
from app.export.cli import run_export_command
from app.models.records import Job, Providers
from app.models.states import AgeGroup, JobStatus, JobStep
from app.services.container import Services
from app.services.ops.doctor_cli import run_doctor_command
from app.storage import folder_lock
from app.storage.folder_lock import OWNER_FILE
from config import Settings
from tests.conftest import MakeSettings
from tests.utils.server import REPO_ROOT

_HOLDER = """
import sys, time
from pathlib import Path
from app.storage import folder_lock
try:
    folder_lock.hold(Path(sys.argv[1]), sys.argv[2], url=sys.argv[3] or None)
except Exception as exc:
    print("busy:", exc, flush=True)
    sys.exit(1)
print("held", flush=True)
time.sleep(600)
"""


@contextmanager
def held_elsewhere(data_dir: Path, purpose: str = "serve", url: str = "") -> Iterator[subprocess.Popen[str]]:
    """Another process holding the folder until the block ends (then SIGKILLed: the kernel frees the lock)."""
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(data_dir), purpose, url], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "held\n"
        yield process
    finally:
        process.kill()
        process.wait()


def test_a_hold_records_its_owner_and_is_released(data_dir: Path) -> None:
    with folder_lock.hold(data_dir, "generate") as lock:
        record = json.loads((data_dir / OWNER_FILE).read_text())
        assert record["pid"] == os.getpid()
        assert record["purpose"] == "generate"
        assert record["url"] is None
        assert lock.owner.pid == os.getpid()
    assert not (data_dir / OWNER_FILE).exists()
    assert (data_dir / ".lock").exists()  # never deleted: see the module's docstring
    with folder_lock.hold(data_dir):  # free again
        pass


def test_the_same_process_re_enters_its_hold_and_keeps_it_until_the_last_release(data_dir: Path) -> None:
    outer = folder_lock.hold(data_dir, "serve")
    inner = folder_lock.hold(data_dir, "serve", url="http://127.0.0.1:8123")
    assert json.loads((data_dir / OWNER_FILE).read_text())["url"] == "http://127.0.0.1:8123"
    inner.release()
    inner.release()  # idempotent: does not give back the outer hold
    with held_attempt(data_dir) as output:
        assert output.startswith("busy:")
    outer.release()
    with held_attempt(data_dir) as output:
        assert output == "held\n"


@contextmanager
def held_attempt(data_dir: Path) -> Iterator[str]:
    """What another process gets when it tries to take the folder now."""
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(data_dir), "serve", ""], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline()
    finally:
        process.kill()
        process.wait()


def test_a_busy_folder_names_its_holder(data_dir: Path) -> None:
    with held_elsewhere(data_dir, "serve", "http://127.0.0.1:8765") as holder, pytest.raises(FolderBusy) as caught:
        folder_lock.hold(data_dir, "serve")
    busy = caught.value
    assert (busy.pid, busy.purpose, busy.url) == (holder.pid, "serve", "http://127.0.0.1:8765")
    message = str(busy)
    assert str(data_dir.resolve()) in message
    assert f"pid {holder.pid}" in message
    assert "http://127.0.0.1:8765" in message


def test_a_killed_holder_frees_the_folder_and_its_stale_record_is_replaced(data_dir: Path) -> None:
    with held_elsewhere(data_dir, "generate") as holder:
        pass  # SIGKILLed on leaving the block
    assert json.loads((data_dir / OWNER_FILE).read_text())["pid"] == holder.pid  # left behind by the kill
    with folder_lock.hold(data_dir, "serve", url="http://127.0.0.1:8000"):
        record = json.loads((data_dir / OWNER_FILE).read_text())
        assert (record["pid"], record["purpose"]) == (os.getpid(), "serve")


def test_a_worker_of_the_serving_process_works_under_its_hold(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # uvicorn --reload: the supervisor holds the folder, the app runs in a child process it starts.
    with folder_lock.hold(data_dir, "serve", url="http://127.0.0.1:8000"):
        with held_attempt(data_dir) as output:
            assert output.startswith("busy:")  # a child is not lent the folder unless the holder says so
        monkeypatch.setenv(folder_lock.LENT_ENV, str(os.getpid()))  # what lend_to_children() does
        with held_attempt(data_dir) as output:
            assert output == "held\n"


def _job_mid_step(data_dir: Path) -> tuple[Job, Path]:
    """A stored job whose scenes are being written, as a running process leaves it on disk."""
    job = Job(
        topic="share toys with your sister",
        age_group=AgeGroup.YOUNG,
        status=JobStatus.PROCESSING,
        step=JobStep.GENERATING_SCENES,
        seed=7,
        providers=Providers(text="offline"),
    )
    document = data_dir / "jobs" / f"{job.id}.json"
    document.parent.mkdir(parents=True)
    document.write_text(job.model_dump_json())
    return job, document


@pytest.mark.anyio
async def test_start_up_leaves_jobs_alone_when_another_process_holds_the_folder(make_settings: MakeSettings) -> None:
    settings: Settings = make_settings()
    job, document = _job_mid_step(settings.data_dir)
    before = document.read_bytes()
    with held_elsewhere(settings.data_dir):
        with pytest.raises(FolderBusy):
            await Services.start(settings)
        assert document.read_bytes() == before  # not marked interrupted: it is the other process's job
    services = await Services.start(settings)  # the folder is ours now: its job mid-step is an orphan
    try:
        assert (await services.comics.get(job.id)).status == "interrupted"
    finally:
        await services.aclose()
    assert not (settings.data_dir / OWNER_FILE).exists()


def test_doctor_and_export_read_a_held_folder_without_changing_it(
    make_settings: MakeSettings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(supabase_url=None, supabase_key=None)
    _, document = _job_mid_step(settings.data_dir)
    before = document.read_bytes()
    export = argparse.Namespace(
        out=tmp_path / "export", database_url=None, comic=None, supabase_url=None, supabase_key=None
    )
    with held_elsewhere(settings.data_dir):
        assert run_doctor_command(argparse.Namespace(json=True), settings) == 0
        assert run_export_command(export, settings) == 0
    assert document.read_bytes() == before
    assert (tmp_path / "export" / "csv").is_dir()
    assert "rows: " in capsys.readouterr().out
