-- How many times a re-edit replaced this copy under the same id but the site gave the file a new
-- URL (Contentful, WordPress.com, …): pages that embed the file's URL keep the old image, so
-- `status` says how often that happened per album and site.
ALTER TABLE publications ADD COLUMN url_changes INTEGER NOT NULL DEFAULT 0;
