-- Why a photo or its copy on a site failed, as a code front ends branch on (unreadable,
-- undecodable, refused, failed) beside the words already kept. Failures recorded before this
-- have none and read as 'failed'.
ALTER TABLE assets ADD COLUMN error_code TEXT;
ALTER TABLE publications ADD COLUMN last_error_code TEXT;
