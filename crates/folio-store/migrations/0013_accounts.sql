-- Accounts: one row per signed-in service account, whatever its connector (a Dropbox, a
-- WordPress site, a Shopify store). Sites and albums point at one. Secrets stay in the OS
-- keychain; `secret_ref` names the entry.
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  connector TEXT NOT NULL,
  -- The connector's non-secret fields the user set, as JSON. Defaults are not copied in, so a
  -- connector's changed default (or its FOLIO_* variable) applies.
  config TEXT NOT NULL DEFAULT '{}',
  secret_ref TEXT UNIQUE,
  -- Who is signed in, for display (a Dropbox account's name, a WordPress user).
  who TEXT NOT NULL DEFAULT '',
  email TEXT,
  -- ok | reconnect | unreachable. A destination's is its site's (sites.state).
  state TEXT NOT NULL DEFAULT 'ok',
  state_error TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

ALTER TABLE sites ADD COLUMN account_id INTEGER REFERENCES accounts(id);
ALTER TABLE albums ADD COLUMN account_id INTEGER REFERENCES accounts(id);

-- Every site becomes its own account, under the site's name and with its keychain entry, so
-- nobody signs in again.
INSERT INTO accounts (name, connector, config, secret_ref, who, state, state_error, created_at)
  SELECT name, kind, json_object('url', url), secret_ref,
         coalesce(json_extract(capabilities, '$.account'), ''), state, state_error, created_at
  FROM sites ORDER BY id;
UPDATE sites SET account_id = (SELECT a.id FROM accounts a WHERE a.name = sites.name);

-- The one Dropbox sign-in (a setting and the keychain entry 'dropbox-refresh-token') becomes
-- the account named 'dropbox', which `dropbox:/…` albums keep meaning. Signed out (the setting
-- emptied) but with Dropbox albums, it is kept as an account to reconnect.
INSERT INTO accounts (name, connector, secret_ref, who, email, state)
  SELECT CASE WHEN EXISTS (SELECT 1 FROM accounts WHERE name = 'dropbox')
              THEN 'dropbox-account' ELSE 'dropbox' END,
         'dropbox', 'dropbox-refresh-token',
         coalesce((SELECT json_extract(value, '$.name') FROM settings
                   WHERE key = 'dropbox_account' AND json_valid(value)), ''),
         (SELECT json_extract(value, '$.email') FROM settings
          WHERE key = 'dropbox_account' AND json_valid(value)),
         CASE WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'dropbox_account'
                           AND json_valid(value) AND json_extract(value, '$.connected'))
              THEN 'ok' ELSE 'reconnect' END
  WHERE EXISTS (SELECT 1 FROM settings WHERE key = 'dropbox_account' AND json_valid(value)
                AND json_extract(value, '$.connected'))
     OR EXISTS (SELECT 1 FROM albums WHERE source_kind = 'dropbox');
UPDATE albums SET account_id = (SELECT id FROM accounts WHERE connector = 'dropbox' ORDER BY id LIMIT 1)
  WHERE source_kind = 'dropbox';
DELETE FROM settings WHERE key = 'dropbox_account';
