"""Command line: `python main.py [serve]` runs the API, `generate TOPIC` makes a comic, `export` moves to Supabase,
`doctor` checks the data folder."""

from __future__ import annotations

import argparse
import asyncio
import copy
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO
from uuid import UUID

from pydantic import ValidationError

from app.errors import FableError, FolderBusy, StorageUnavailable
from app.export.cli import add_export_command, run_export_command
from app.models.records import CharacterChoice, Comic, Job
from app.models.schemas import JobStatusResponse
from app.models.states import AgeGroup, JobStatus
from app.services.container import Services, check_image_store
from app.services.ops.doctor_cli import add_doctor_command, run_doctor_command
from app.storage import folder_lock
from app.storage.stores import check_document_store, prime_document_store, reading_store
from config import Settings, get_settings
from external_services import ProviderError
from master_prompts import DEFAULT_STYLE, STYLES
from utils import InstanceIdFilter, configure_logging

# A sensible cast when the user names none: a child of the right age and a parent.
DEFAULT_CAST = {"5-8": "girl_young,parent_mom", "9-12": "boy_teen,parent_dad", "5-12": "girl_young,friend_boy"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python main.py", description="Fable Tales comic service")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the HTTP API (the default command)")
    serve.add_argument("--host", help="interface to bind (default: HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: PORT or 8000)")
    serve.add_argument("--reload", action="store_true", help="restart when the code changes (development)")

    generate = commands.add_parser("generate", help="make a whole comic in-process and print where its files are")
    generate.add_argument("topic", help='what the comic should teach, e.g. "not to accept candy from strangers"')
    generate.add_argument("--age-group", choices=[a.value for a in AgeGroup], default=AgeGroup.YOUNG.value)
    generate.add_argument(
        "--characters", help="comma-separated character types, e.g. boy_young,parent_mom (default: by age group)"
    )
    generate.add_argument("--style", choices=sorted(STYLES), default=DEFAULT_STYLE, help="art style preset")
    generate.add_argument("--panels", type=_panel_count, default=6, metavar="N", help="panels, 1-12 (default 6)")
    add_export_command(commands)
    add_doctor_command(commands)
    return parser


def _panel_count(value: str) -> int:
    count = int(value) if value.strip().isdigit() else 0
    if not 1 <= count <= 12:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 12, not {value!r}")
    return count


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.host:
        # The app (made in this process, or in uvicorn's reloader child) reads HOST to allow its name.
        os.environ["HOST"] = args.host
        get_settings.cache_clear()
    settings = get_settings()
    host, port = args.host or settings.host, args.port or settings.port
    try:  # before the port is bound: a second server on this folder stops here, and says why
        folder_lock.hold(settings.data_dir, "serve", url=_local_url(host, port))  # held until the process exits
    except FolderBusy as busy:
        print(f"error: {busy}", file=sys.stderr)
        return 1
    prime_document_store(settings)  # the job index is read on the other core while uvicorn and the app load
    try:  # also before the port is bound: a database or bucket that cannot be used is said in one line
        asyncio.run(check_document_store(settings))
        asyncio.run(check_image_store(settings))
    except StorageUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.reload:  # the app runs in worker processes that this one restarts on each change
        folder_lock.lend_to_children()
        os.environ["INSTANCE_ID"] = settings.instance_id  # they are this instance, not new ones
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        reload=bool(args.reload),
        log_level=settings.log_level.lower(),
        log_config=_uvicorn_log_config(settings.instance_id),
    )
    return 0


def _uvicorn_log_config(instance_id: str) -> dict[str, Any]:
    """uvicorn's own logging set-up with the instance id in its lines too: request lines name job ids."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"instance_id": {"()": InstanceIdFilter, "instance_id": instance_id}}
    for handler in config["handlers"].values():
        handler["filters"] = ["instance_id"]
    for formatter in config["formatters"].values():
        formatter["fmt"] = formatter["fmt"].replace("%(levelprefix)s", "%(levelprefix)s [%(instance_id)s]", 1)
    return config


def _local_url(host: str, port: int) -> str:
    """Where a client on this machine reaches a server bound to `host` (all interfaces: the loopback one)."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _ProgressBar:
    """A one-line progress bar on a terminal; plain lines when output is redirected."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._last = ""

    def show(self, job: Job | JobStatusResponse) -> None:
        filled = job.progress // 5
        text = f"[{'#' * filled}{'.' * (20 - filled)}] {job.progress:3d}% {job.step.value}"
        drawn = len(job.panels) if isinstance(job, Job) else job.panels_done
        if drawn:
            text += f" ({drawn}/{job.panel_count} panels)"
        if text == self._last:
            return
        self._last = text
        end = "\r" if self._stream.isatty() else "\n"
        self._stream.write(text + end)
        self._stream.flush()

    def close(self) -> None:
        if self._stream.isatty():
            self._stream.write("\n")


async def _wait(services: Services, job_id: UUID, bar: _ProgressBar) -> Job:
    # Poll the stored job rather than the task, so the bar shows what any client would see.
    while True:
        job = await services.comics.get(job_id)
        bar.show(job)
        if job.status not in (JobStatus.PENDING, JobStatus.PROCESSING):
            if job.status not in (JobStatus.REQUIRES_ACTION, JobStatus.COMPLETED):
                raise FableError(f"job {job.id} {job.status.value}: {job.error}")
            return job
        await asyncio.sleep(0.1)


async def _generate(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:  # taken before anything is read, so a server started meanwhile refuses the folder
        lock = await asyncio.to_thread(folder_lock.hold, settings.data_dir, "generate")
    except FolderBusy as busy:  # a server holds it: ask it for the comic (see app/services/ops/remote_generate.py)
        return await _generate_through(args, settings, busy)
    try:
        return await _generate_here(args, settings)
    finally:
        await asyncio.to_thread(lock.release)


async def _generate_through(args: argparse.Namespace, settings: Settings, busy: FolderBusy) -> int:
    # Imported here: it brings httpx (and, where `rich` is installed, httpx's command line), ~0.1 s
    # that `serve` would spend before it answers.
    from app.services.ops.remote_generate import generate_through_server, scenes_request

    request = scenes_request(args.topic, args.age_group, _cast(args), args.panels)
    bar = _ProgressBar(sys.stderr)
    try:
        result = await generate_through_server(
            busy, settings, request, args.style, bar.show, lambda line: print(line, file=sys.stderr)
        )
    finally:
        bar.close()
    async with reading_store(settings) as data:  # only read: the server owns the folder (or shares the database)
        comic = await data.get_comic(result.comic_id)
        record = data.comic_location(comic.id)
    _print_paths(comic, result.job_id, record, settings)
    return 0


def _cast(args: argparse.Namespace) -> list[str]:
    return [name.strip() for name in (args.characters or DEFAULT_CAST[args.age_group]).split(",") if name.strip()]


async def _generate_here(args: argparse.Namespace, settings: Settings) -> int:
    cast = _cast(args)
    services = await Services.start(settings)
    bar = _ProgressBar(sys.stderr)
    try:
        comics = services.comics
        print(f"text: {services.text.name}, images: {services.images.name}", file=sys.stderr)
        # Casting up front: a wrong name fails before any paid call, and the scenes use the cast.
        choices = [CharacterChoice(character_type=name, count=cast.count(name)) for name in dict.fromkeys(cast)]
        job = await comics.create(args.topic, AgeGroup(args.age_group), choices, args.panels)
        job = await _wait(services, job.id, bar)
        await comics.refine(job.id, [])  # approve: the cast is chosen, so this readies generation
        await comics.generate(job.id, args.style)
        job = await _wait(services, job.id, bar)
        comic = await comics.result(job.id)
        await services.prints.ensure_all(comic.id)  # the page and PDFs: made in the background by a server
    finally:
        bar.close()
        await services.aclose()
    _print_paths(comic, job.id, services.data.comic_location(comic.id), settings)
    return 0


def _print_paths(comic: Comic, job_id: UUID, record: str, settings: Settings) -> None:
    data_dir = settings.data_dir.resolve()
    print(f"comic:  {comic.title}")
    print(f"job:    {job_id}")
    print(f"record: {record}")
    for panel in comic.panels:
        print(f"panel {panel.panel_id}: {data_dir / panel.image_path}")
    if comic.page_path:
        print(f"page:   {data_dir / comic.page_path}")
    for paper, path in comic.pdf_paths.items():
        print(f"pdf ({paper}): {data_dir / path}")


def _settings_problem(exc: ValidationError) -> str:
    # Name the environment variable the user set, not the Python field behind it.
    lines = [f"  {'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()]
    return "invalid settings (environment or .env):\n" + "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as exc:
        print(f"error: {_settings_problem(exc)}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.instance_id)
    if args.command == "generate":
        for name in ("fable", "httpx"):  # the progress bar says it all (httpx: when a server makes the comic)
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            return asyncio.run(_generate(args))
        except (FableError, ProviderError, ValidationError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    if args.command == "export":
        return run_export_command(args, settings)
    if args.command == "doctor":
        return run_doctor_command(args, settings)
    if args.command in (None, "serve"):
        if args.command is None:
            args = _parser().parse_args(["serve"])
        return _serve(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
