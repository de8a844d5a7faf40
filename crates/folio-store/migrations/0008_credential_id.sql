-- Which credential the site gave Folio (a WordPress Application Password's uuid), so that
-- removing the site from Folio can revoke it on the site. Not a secret: the password is in the
-- keychain.
ALTER TABLE sites ADD COLUMN credential_id TEXT;
