-- Fable Tales schema, version 2.
--
-- The tables the export writes and the live PostgreSQL store (DATABASE_URL) uses. The store builds the same schema from migrations/ at start-up; a test
-- checks that both give the same tables, columns, indexes and constraints.
--
-- Idempotent: every statement can run again on a database that already has these tables.
-- Load it before data.sql, for example:
--     psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f schema.sql -f data.sql
--
-- Every id is the one stored in the JSON documents, so loading a newer export of the same
-- data updates rows in place instead of adding copies.

-- "already exists, skipping" notices on a second run are expected; keep them out of the output.
SET client_min_messages = warning;

-- Every job, finished or not. Its scenes, cast and panels so far are in `data`; a finished
-- comic's scenes and panels also get their own rows below.
CREATE TABLE IF NOT EXISTS jobs (
    id            uuid PRIMARY KEY,
    comic_id      uuid NOT NULL,  -- the comic this job makes; no foreign key: it exists only once the job completes
    topic         text NOT NULL,
    age_group     text NOT NULL,
    status        text NOT NULL,
    step          text NOT NULL,
    progress      integer NOT NULL,
    error         text,
    title         text,
    style         text,
    seed          bigint NOT NULL,
    panel_count   integer NOT NULL,
    refine_rounds integer NOT NULL,
    attempts      integer NOT NULL,
    providers     jsonb NOT NULL,
    data          jsonb NOT NULL,  -- the rest of the job record: scenes, cast, selection, feedback, panels
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    completed_at  timestamptz
);
CREATE INDEX IF NOT EXISTS jobs_comic_id_idx ON jobs (comic_id);
CREATE INDEX IF NOT EXISTS jobs_status_idx ON jobs (status);
CREATE INDEX IF NOT EXISTS jobs_created_at_idx ON jobs (created_at);
-- GET /jobs?status= pages newest first within one status without sorting every job of it.
CREATE INDEX IF NOT EXISTS jobs_status_created_at_idx ON jobs (status, created_at DESC, id DESC);

-- Finished comics. `characters` is the cast as it was when the comic was made (snapshots, so
-- later edits of the character library do not change it).
CREATE TABLE IF NOT EXISTS comics (
    id          uuid PRIMARY KEY,
    job_id      uuid REFERENCES jobs (id) ON DELETE SET NULL,  -- NULL only when the job record was lost
    topic       text NOT NULL,
    age_group   text NOT NULL,
    title       text NOT NULL,
    style       text NOT NULL,
    seed        bigint NOT NULL,
    characters  jsonb NOT NULL,
    providers   jsonb NOT NULL,
    data        jsonb NOT NULL,  -- any other field of the comic record
    created_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS comics_job_id_idx ON comics (job_id);
CREATE INDEX IF NOT EXISTS comics_created_at_idx ON comics (created_at);

CREATE TABLE IF NOT EXISTS scenes (
    id              uuid PRIMARY KEY,
    comic_id        uuid NOT NULL REFERENCES comics (id) ON DELETE CASCADE,
    scene_id        integer NOT NULL,  -- the scene's number in the comic, from 1
    title           text NOT NULL,
    description     text NOT NULL,
    dialogue        text NOT NULL,
    learning_point  text NOT NULL,
    visual_elements text[] NOT NULL,
    data            jsonb NOT NULL,  -- any other field of the scene record
    CONSTRAINT scenes_comic_scene_key UNIQUE (comic_id, scene_id)
);
CREATE INDEX IF NOT EXISTS scenes_comic_id_idx ON scenes (comic_id);

CREATE TABLE IF NOT EXISTS panels (
    id          uuid PRIMARY KEY,
    comic_id    uuid NOT NULL REFERENCES comics (id) ON DELETE CASCADE,
    panel_id    integer NOT NULL,  -- the panel's number in the comic, from 1
    scene_id    integer NOT NULL,  -- the number of the scene it draws
    scene_uuid  uuid NOT NULL REFERENCES scenes (id) ON DELETE CASCADE,
    prompt      text NOT NULL,
    seed        bigint,
    provider    text NOT NULL,
    source_url  text,  -- where the provider served the image; it expires, kept for the record
    data        jsonb NOT NULL,  -- any other field of the panel record (the image's are in images)
    created_at  timestamptz NOT NULL,
    CONSTRAINT panels_comic_panel_key UNIQUE (comic_id, panel_id)
);
CREATE INDEX IF NOT EXISTS panels_comic_id_idx ON panels (comic_id);
CREATE INDEX IF NOT EXISTS panels_scene_uuid_idx ON panels (scene_uuid);

-- One row per stored panel image. `storage_path` is the object's key inside `bucket`; the export
-- folder holds the file at storage/<bucket>/<storage_path>.
CREATE TABLE IF NOT EXISTS images (
    id            uuid PRIMARY KEY,
    panel_id      uuid NOT NULL REFERENCES panels (id) ON DELETE CASCADE,
    comic_id      uuid NOT NULL REFERENCES comics (id) ON DELETE CASCADE,
    bucket        text NOT NULL,
    storage_path  text NOT NULL,
    content_type  text NOT NULL,
    width         integer NOT NULL,
    height        integer NOT NULL,
    size_bytes    bigint NOT NULL,
    sha256        text NOT NULL,
    created_at    timestamptz NOT NULL,
    CONSTRAINT images_panel_id_key UNIQUE (panel_id)
);
CREATE INDEX IF NOT EXISTS images_comic_id_idx ON images (comic_id);

-- The character library: the presets and the creator's own characters.
CREATE TABLE IF NOT EXISTS characters (
    character_type  text PRIMARY KEY,
    name            text NOT NULL,
    description     text NOT NULL,
    visual_tags     text[] NOT NULL,
    age_group       text NOT NULL,
    custom          boolean NOT NULL,
    data            jsonb NOT NULL,  -- any other field of the character record
    created_at      timestamptz  -- NULL for the presets
);

-- A character's reference pictures per art style, with their versions and the draw in flight.
-- Keyed by type alone, with no foreign key: the presets have references but no `characters` row.
CREATE TABLE IF NOT EXISTS character_references (
    character_type  text PRIMARY KEY,
    styles          jsonb NOT NULL,  -- style name -> {current, versions, draw}
    data            jsonb NOT NULL,  -- any other field of the references record
    updated_at      timestamptz NOT NULL
);

-- Which migrations (app/storage/relational/migrations/) the database has had: the live store
-- applies the missing ones at start-up. This file is all of them at once.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO schema_migrations (version) VALUES (1), (2) ON CONFLICT (version) DO NOTHING;

-- Supabase serves tables in `public` over its REST API; with row level security on and no
-- policy, only the owner and the service role can read them. Add policies to open them up.
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE comics ENABLE ROW LEVEL SECURITY;
ALTER TABLE scenes ENABLE ROW LEVEL SECURITY;
ALTER TABLE panels ENABLE ROW LEVEL SECURITY;
ALTER TABLE images ENABLE ROW LEVEL SECURITY;
ALTER TABLE characters ENABLE ROW LEVEL SECURITY;
ALTER TABLE character_references ENABLE ROW LEVEL SECURITY;
ALTER TABLE schema_migrations ENABLE ROW LEVEL SECURITY;
