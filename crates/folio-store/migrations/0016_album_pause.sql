-- When a source asked Folio to wait (Canva's daily export limit, Figma's long Retry-After):
-- UTC, "YYYY-MM-DD HH:MM:SS UTC". Until then the album's source is not asked anything, and
-- `status` says so; a later successful look clears it.
ALTER TABLE albums ADD COLUMN paused_until TEXT;
