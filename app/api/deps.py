"""`Annotated` dependency aliases the routes declare."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.export.service import ExportService
from app.services.container import Services
from app.services.jobs.comic_service import ComicService
from config import Settings


# `async def` although they never await: FastAPI runs a plain `def` dependency in a worker thread,
# a thread hop per dependency per request that showed up under load.
async def _services(request: Request) -> Services:
    return request.app.state.services


async def _comic_service(request: Request) -> ComicService:
    return request.app.state.services.comics


async def _settings(request: Request) -> Settings:
    return request.app.state.services.settings


async def _export_service(request: Request) -> ExportService:
    services = request.app.state.services
    return ExportService(services.data, services.settings.supabase_bucket)


ServicesDep = Annotated[Services, Depends(_services)]
ComicServiceDep = Annotated[ComicService, Depends(_comic_service)]
SettingsDep = Annotated[Settings, Depends(_settings)]
ExportServiceDep = Annotated[ExportService, Depends(_export_service)]
