-- Files `folio publish` copied into an album's folder (a Lightroom publish service hands Folio
-- its renders this way). `folio unpublish` deletes only these from the folder: a file the
-- photographer put there is theirs, and Folio only ever reads it.
CREATE TABLE published_copies (
  album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
  rel_path TEXT NOT NULL,
  PRIMARY KEY (album_id, rel_path)
);
