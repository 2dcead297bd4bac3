-- Migration 2: what the live PostgreSQL store (DATABASE_URL) needs beyond the export's tables.
-- Idempotent, like every migration (see 001).

-- A character's reference pictures per art style, with their versions and the draw in flight.
-- Keyed by type alone, with no foreign key: the presets have references but no `characters` row.
CREATE TABLE IF NOT EXISTS character_references (
    character_type  text PRIMARY KEY,
    styles          jsonb NOT NULL,  -- style name -> {current, versions, draw}
    data            jsonb NOT NULL,  -- any other field of the references record
    updated_at      timestamptz NOT NULL
);
ALTER TABLE character_references ENABLE ROW LEVEL SECURITY;

-- GET /jobs?status= pages newest first within one status without sorting every job of it.
CREATE INDEX IF NOT EXISTS jobs_status_created_at_idx ON jobs (status, created_at DESC, id DESC);

-- The ledger itself is created by the store before it reads it (app/storage/postgres/migrate.py).
ALTER TABLE schema_migrations ENABLE ROW LEVEL SECURITY;
