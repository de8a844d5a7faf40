-- Secrets are never stored here: `secret_ref` names an entry in the OS keychain.
CREATE TABLE sites (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  url TEXT NOT NULL,
  account TEXT NOT NULL,
  secret_ref TEXT NOT NULL,
  capabilities TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE albums (
  id INTEGER PRIMARY KEY,
  root TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  -- Conversion preset and text patterns, as JSON owned by the engine.
  settings TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE album_sites (
  album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  auto_sync INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (album_id, site_id)
);

-- One source photo. Its identity is the content hash, so a rename moves the row rather than
-- making a new one.
CREATE TABLE assets (
  id INTEGER PRIMARY KEY,
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
CREATE INDEX assets_by_hash ON assets (album_id, content_hash);

-- Asset × site: what was pushed where. A row is written (state 'pending', with its slug) before
-- the upload starts, so after a crash the slug finds an upload whose answer was lost.
CREATE TABLE publications (
  id INTEGER PRIMARY KEY,
  asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  slug TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  preset_hash TEXT NOT NULL,
  remote_id INTEGER,
  remote_url TEXT,
  thumbnail_url TEXT,
  -- pending | synced | failed | orphaned | superseded | deleted
  state TEXT NOT NULL,
  last_error TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX publications_by_asset ON publications (asset_id, site_id);

CREATE TABLE activity (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  album_id INTEGER REFERENCES albums(id) ON DELETE CASCADE,
  level TEXT NOT NULL,
  message TEXT NOT NULL
);
