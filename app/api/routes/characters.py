"""Routes for the character library and for casting a comic."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, status

from app.api.deps import ComicServiceDep
from app.api.responses import errors
from app.models.records import CharacterAge, CharacterType
from app.models.schemas import (
    CharacterCreate,
    CharacterOut,
    CharacterReferencesResponse,
    CharactersResponse,
    JobStatusResponse,
    ReferenceOut,
    SelectCharactersRequest,
)
from app.services.cast.reference_uploads import ACCEPTED_TYPES

router = APIRouter(prefix="/comics", tags=["characters"])


@router.get("/characters", response_model=CharactersResponse, responses=errors(422))
async def list_characters(
    service: ComicServiceDep,
    age_group: Annotated[CharacterAge | None, Query(description="only characters suiting this age group")] = None,
) -> CharactersResponse:
    """The preset characters plus the custom ones, each with its reference picture per art style."""
    characters = await service.library.list(age_group)
    references = await service.references.listing()
    return CharactersResponse(
        characters=[
            CharacterOut(
                id=c.character_type,
                references={s: ReferenceOut.of(v) for s, v in references.get(c.character_type, {}).items()},
                drawing=service.references.drawing(c.character_type),
                **c.model_dump(),
            )
            for c in characters
        ]
    )


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


StyleName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,39}$", examples=["storybook"])]


@router.post(
    "/characters/{character_type}/references/{style}/redraw",
    response_model=CharacterReferencesResponse,
    responses=errors(404, 422),
)
async def redraw_reference(
    character_type: CharacterType, style: StyleName, service: ComicServiceDep
) -> CharacterReferencesResponse:
    """Draw the character's reference picture in this style again with a new seed; the old one stays a version."""
    return CharacterReferencesResponse.of(await service.references.redraw(character_type, style))


@router.post(
    "/characters/{character_type}/references/{style}",
    status_code=status.HTTP_201_CREATED,
    response_model=CharacterReferencesResponse,
    responses=errors(404, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "the picture itself, as the whole body (not a form)",
            "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in ACCEPTED_TYPES},
        }
    },
)
async def upload_reference(
    character_type: CharacterType, style: StyleName, request: Request, service: ComicServiceDep
) -> CharacterReferencesResponse:
    """Use your own picture (PNG, JPEG or WebP body) as the character's reference in this style; it becomes current."""
    data = await request.body()
    record = await service.references.upload(character_type, style, data, request.headers.get("content-type"))
    return CharacterReferencesResponse.of(record)
