-- A photo's version history: the renditions Folio pushed, kept in the data folder (`file`,
-- relative to it) so an earlier one can be restored. Numbered from 1 per photo, never reused.
CREATE TABLE versions (
  id INTEGER PRIMARY KEY,
  asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  preset_hash TEXT NOT NULL,
  extension TEXT NOT NULL,
  mime TEXT NOT NULL,
  file TEXT NOT NULL,
  reason TEXT NOT NULL,
  -- JSON list of the sites it went to.
  sites TEXT NOT NULL DEFAULT '[]',
  pushed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  -- When the photographer last put this version back on the sites.
  restored_at TEXT,
  UNIQUE (asset_id, number),
  UNIQUE (asset_id, content_hash, preset_hash)
);
