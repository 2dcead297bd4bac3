"""Custom characters (`characters` rows with `custom`) and reference records (`character_references`).

The `characters` table may also hold the presets, with `custom` false, when an export was loaded
into the database; the service's presets are code, so those rows are never read here.
"""

from __future__ import annotations

from collections.abc import Callable

from app.errors import CharacterNotFound, Conflict
from app.models.records import Character
from app.models.references import CharacterReferences
from app.storage.critical import KeyedLocks, run_to_end
from app.storage.postgres import statements as sql
from app.storage.postgres.connect import Database
from app.storage.postgres.corrupt import CorruptRows
from app.storage.relational.records import character_of, references_of
from app.storage.relational.rows import Row, character_row, references_row
from app.storage.relational.schema import CHARACTER_REFERENCES, CHARACTERS
from utils import utcnow


def _character(row: Row) -> str:
    return f"characters/{row.get('character_type')}"


def _references(row: Row) -> str:
    return f"character_references/{row.get('character_type')}"


class PgCharacters:
    """`documents.CharacterRecords` on the `characters` table."""

    def __init__(self, db: Database, corrupt: CorruptRows) -> None:
        self._db = db
        self._corrupt = corrupt

    async def custom(self) -> list[Character]:
        """Every readable custom character, by type."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(f"{sql.select(CHARACTERS, 'custom')} ORDER BY character_type")
            rows = await cursor.fetchall()
        return self._corrupt.read_all(rows, _character, character_of)

    async def get(self, character_type: str) -> Character:
        """One custom character; raises CharacterNotFound."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(sql.select(CHARACTERS, "character_type = %s AND custom"), (character_type,))
            row = await cursor.fetchone()
        if row is None:
            raise CharacterNotFound(f"no record with id {character_type}")
        return self._corrupt.read(_character(row), row, character_of)

    async def add(self, character: Character) -> None:
        """Insert a new custom character; raises Conflict when the type is taken."""
        row = character_row(character)
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                sql.insert(CHARACTERS, on_conflict="ON CONFLICT (character_type) DO NOTHING RETURNING character_type"),
                sql.params(CHARACTERS, row),
            )
            if await cursor.fetchone() is None:
                raise Conflict(f"{character.character_type!r} already exists")


class PgReferences:
    """`documents.ReferenceRecords` on the `character_references` table."""

    def __init__(self, db: Database, corrupt: CorruptRows) -> None:
        self._db = db
        self._corrupt = corrupt
        self._locks: KeyedLocks[str] = KeyedLocks()

    async def get(self, character_type: str) -> CharacterReferences:
        """The character's references; an empty record when it has none yet."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(sql.select(CHARACTER_REFERENCES, "character_type = %s"), (character_type,))
            row = await cursor.fetchone()
        if row is None:
            return CharacterReferences(character_type=character_type)
        return self._corrupt.read(_references(row), row, references_of)

    async def all(self) -> list[CharacterReferences]:
        """Every readable references record, by character type."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(f"{sql.select(CHARACTER_REFERENCES)} ORDER BY character_type")
            rows = await cursor.fetchall()
        return self._corrupt.read_all(rows, _references, references_of)

    async def update(self, character_type: str, change: Callable[[CharacterReferences], None]) -> CharacterReferences:
        """Change a character's record in one transaction, the row locked (created empty when missing)."""
        async with self._locks(character_type):
            return await run_to_end(self._update(character_type, change))

    async def _update(self, character_type: str, change: Callable[[CharacterReferences], None]) -> CharacterReferences:
        empty = sql.params(
            CHARACTER_REFERENCES, references_row(CharacterReferences(character_type=character_type), utcnow())
        )
        async with self._db.connection() as conn, conn.transaction():
            # The row must exist to be locked; a change that raises rolls this insert back too.
            await conn.execute(sql.insert(CHARACTER_REFERENCES, on_conflict="ON CONFLICT DO NOTHING"), empty)
            cursor = await conn.execute(
                sql.select(CHARACTER_REFERENCES, "character_type = %s", for_update=True), (character_type,)
            )
            row = await cursor.fetchone()
            if row is None:  # inserted above or already there: only a concurrent DELETE by hand gets here
                raise CharacterNotFound(f"the references of {character_type} were deleted meanwhile")
            record = self._corrupt.read(_references(row), row, references_of)
            change(record)
            await conn.execute(
                sql.update(CHARACTER_REFERENCES), sql.params(CHARACTER_REFERENCES, references_row(record, utcnow()))
            )
        return record
