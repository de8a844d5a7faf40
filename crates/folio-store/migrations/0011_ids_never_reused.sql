-- Ids are never given twice. Without AUTOINCREMENT SQLite gives a new row the largest id + 1,
-- so once the newest album (site, photo) is removed the next one takes its ids, and whatever is
-- keyed by them outside the database (a photo's kept versions under history/, thumbnails the
-- window caches as immutable, duplicate keys on the sites) would belong to two. SQLite cannot
-- add AUTOINCREMENT to a table: each is rebuilt and its rows copied with their ids (the next id
-- then starts above the largest kept). Foreign keys are off while migrations run, so dropping
-- the old table removes nothing that points to it; they are checked before the migration is
-- committed.

CREATE TABLE sites_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  url TEXT NOT NULL,
  account TEXT NOT NULL,
  secret_ref TEXT NOT NULL,
  capabilities TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  state TEXT NOT NULL DEFAULT 'ok',
  state_error TEXT,
  credential_id TEXT
);
INSERT INTO sites_new (id, name, kind, url, account, secret_ref, capabilities, created_at, state,
    state_error, credential_id)
  SELECT id, name, kind, url, account, secret_ref, capabilities, created_at, state, state_error,
    credential_id FROM sites;
DROP TABLE sites;
ALTER TABLE sites_new RENAME TO sites;
CREATE UNIQUE INDEX sites_by_secret_ref ON sites (secret_ref);

CREATE TABLE albums_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  root TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  -- Conversion preset and text patterns, as JSON owned by the engine.
  settings TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  source_kind TEXT NOT NULL DEFAULT 'folder',
  source_cursor TEXT,
  held_removals INTEGER NOT NULL DEFAULT 0,
  removals_confirmed INTEGER NOT NULL DEFAULT 0
);
INSERT INTO albums_new (id, root, name, settings, created_at, source_kind, source_cursor,
    held_removals, removals_confirmed)
  SELECT id, root, name, settings, created_at, source_kind, source_cursor, held_removals,
    removals_confirmed FROM albums;
DROP TABLE albums;
ALTER TABLE albums_new RENAME TO albums;

CREATE TABLE assets_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
  rel_path TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  -- present | missing | failed
  state TEXT NOT NULL,
  error TEXT,
  UNIQUE (album_id, rel_path)
);
INSERT INTO assets_new (id, album_id, rel_path, size, mtime_ns, content_hash, state, error)
  SELECT id, album_id, rel_path, size, mtime_ns, content_hash, state, error FROM assets;
DROP TABLE assets;
ALTER TABLE assets_new RENAME TO assets;
CREATE INDEX assets_by_hash ON assets (album_id, content_hash);
