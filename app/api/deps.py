"""`Annotated` dependency aliases the routes declare."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.export.service import ExportService
from app.services.comic_service import ComicService
from app.services.container import Services
from config import Settings


def _services(request: Request) -> Services:
    return request.app.state.services


def _comic_service(request: Request) -> ComicService:
    return _services(request).comics


def _settings(request: Request) -> Settings:
    return _services(request).settings


def _export_service(request: Request) -> ExportService:
    services = _services(request)
    return ExportService(services.data, services.settings.supabase_bucket)


ServicesDep = Annotated[Services, Depends(_services)]
ComicServiceDep = Annotated[ComicService, Depends(_comic_service)]
SettingsDep = Annotated[Settings, Depends(_settings)]
ExportServiceDep = Annotated[ExportService, Depends(_export_service)]
