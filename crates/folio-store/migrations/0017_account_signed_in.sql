-- When the account was last signed in (its secret kept), UTC "YYYY-MM-DDTHH:MM:SSZ": a pasted
-- token that lasts a known while (Figma's, 90 days at most) is asked for again before it
-- stops working. Accounts from before are taken as signed in when they were made.
ALTER TABLE accounts ADD COLUMN signed_in_at TEXT;
UPDATE accounts SET signed_in_at = created_at;
