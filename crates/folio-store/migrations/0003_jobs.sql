-- The durable work queue: one row per photo × site that still needs pushing. Written when a
-- pass finds the work, deleted when it is done, so a crash or a quit leaves it queued. A
-- retryable failure pushes `next_attempt_at` back (exponential, with jitter); a failure that
-- cannot succeed by retrying parks the job (`state = 'parked'`) until the photo changes or the
-- user asks for a retry.
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  -- queued | parked
  state TEXT NOT NULL DEFAULT 'queued',
  attempts INTEGER NOT NULL DEFAULT 0,
  -- Unix seconds; due when <= now.
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  -- The version the job is for; a new version of the photo restarts the job's backoff.
  content_hash TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  UNIQUE (asset_id, site_id)
);
CREATE INDEX jobs_by_due ON jobs (state, next_attempt_at);

-- What the converter made for an asset under a preset: sizes for the app's detail panel and
-- for checking a site's upload limit without converting again.
CREATE TABLE renditions (
  asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  preset_hash TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  mime TEXT NOT NULL,
  made_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  PRIMARY KEY (asset_id, preset_hash)
);
