-- Small key/value facts about this installation (e.g. its id, used in remote slugs so two
-- computers publishing to one site never collide).
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
