-- Photos that vanish all at once (an unmounted drive that left its mount point, an emptied
-- folder) are not taken as deleted until the user says so: how many are held back, and the
-- user's one-time go-ahead for the next pass.
ALTER TABLE albums ADD COLUMN held_removals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE albums ADD COLUMN removals_confirmed INTEGER NOT NULL DEFAULT 0;
