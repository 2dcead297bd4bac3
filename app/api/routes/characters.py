"""Routes for the character library and for casting a comic."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from app.api.deps import ComicServiceDep
from app.api.responses import errors
from app.models.records import CharacterAge
from app.models.schemas import (
    CharacterCreate,
    CharacterOut,
    CharactersResponse,
    JobStatusResponse,
    SelectCharactersRequest,
)

router = APIRouter(prefix="/comics", tags=["characters"])


@router.get("/characters", response_model=CharactersResponse, responses=errors(422))
async def list_characters(
    service: ComicServiceDep,
    age_group: Annotated[CharacterAge | None, Query(description="only characters suiting this age group")] = None,
) -> CharactersResponse:
    """The preset characters plus the custom ones."""
    characters = await service.library.list(age_group)
    return CharactersResponse(characters=[CharacterOut(id=c.character_type, **c.model_dump()) for c in characters])


@router.post(
    "/characters", status_code=status.HTTP_201_CREATED, response_model=CharacterOut, responses=errors(409, 422)
)
async def add_character(body: CharacterCreate, service: ComicServiceDep) -> CharacterOut:
    """Add a custom character to the library."""
    character = await service.library.add(body)
    return CharacterOut(id=character.character_type, **character.model_dump())


@router.post("/{job_id}/characters/select", response_model=JobStatusResponse, responses=errors(404, 409, 422))
async def select_characters(job_id: UUID, body: SelectCharactersRequest, service: ComicServiceDep) -> JobStatusResponse:
    """Cast the comic (1-4 characters in all); this approves the scenes and readies generation."""
    return JobStatusResponse.of(await service.select_characters(job_id, body.characters))
