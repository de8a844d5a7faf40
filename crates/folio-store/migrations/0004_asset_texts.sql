-- Text the photographer typed for one photo, in place of the album's patterns. NULL keeps the
-- pattern's result. The row follows the asset through renames and re-exports (same asset id).
CREATE TABLE asset_texts (
  asset_id INTEGER PRIMARY KEY REFERENCES assets(id) ON DELETE CASCADE,
  title TEXT,
  alt TEXT,
  caption TEXT
);
