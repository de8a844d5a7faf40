-- Each site has a keychain entry of its own. Older Folios named the entry after a slug of the
-- site's name, so "blog" and "Blog" shared one: the later site's password overwrote the
-- earlier's, and removing either deleted both. The later site keeps the entry (it holds the
-- later password); the earlier gets a name of its own and is asked to reconnect.
UPDATE sites
   SET secret_ref = secret_ref || '-' || id,
       state = 'reconnect',
       state_error = 'another site with a similar name overwrote its password (an older Folio); reconnect it'
 WHERE EXISTS (SELECT 1 FROM sites later WHERE later.secret_ref = sites.secret_ref AND later.id > sites.id);
CREATE UNIQUE INDEX sites_by_secret_ref ON sites (secret_ref);
