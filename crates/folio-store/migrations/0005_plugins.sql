-- Sources and destinations as plug-ins (docs/adr/0006).
--
-- A remote id is whatever the site calls its item (WordPress: a number, Shopify: a gid://
-- string), and the duplicate-protection key is what the backend chose (WordPress: the slug).
ALTER TABLE publications RENAME COLUMN slug TO remote_key;
ALTER TABLE publications ADD COLUMN remote_ref TEXT;
UPDATE publications SET remote_ref = CAST(remote_id AS TEXT) WHERE remote_id IS NOT NULL;
ALTER TABLE publications DROP COLUMN remote_id;
ALTER TABLE publications RENAME COLUMN remote_ref TO remote_id;
-- The file type the site got (webp, avif, jpg, png, gif): AVIF falls back to WebP where a site
-- refuses it, and the app and CLI say which one each site has.
ALTER TABLE publications ADD COLUMN format TEXT;
UPDATE publications SET format = CASE
    WHEN lower(remote_url) LIKE '%.webp' THEN 'webp'
    WHEN lower(remote_url) LIKE '%.avif' THEN 'avif'
    WHEN lower(remote_url) LIKE '%.png' THEN 'png'
    WHEN lower(remote_url) LIKE '%.gif' THEN 'gif'
    WHEN lower(remote_url) LIKE '%.jpg' OR lower(remote_url) LIKE '%.jpeg' THEN 'jpg'
  END
  WHERE remote_url IS NOT NULL;
-- Which text (patterns and the photographer's own) the site got; NULL for rows written before
-- this was recorded, which count as current.
ALTER TABLE publications ADD COLUMN text_key TEXT;

-- ok | reconnect | unreachable: a site that refuses the credentials or cannot be reached pauses
-- as a whole, reported once.
ALTER TABLE sites ADD COLUMN state TEXT NOT NULL DEFAULT 'ok';
ALTER TABLE sites ADD COLUMN state_error TEXT;

-- Which Source implementation reads the album ('folder' for a watched folder), and where a
-- source with change cursors (the Dropbox API) left off.
ALTER TABLE albums ADD COLUMN source_kind TEXT NOT NULL DEFAULT 'folder';
ALTER TABLE albums ADD COLUMN source_cursor TEXT;
