-- An account whose password was reset by an administrator, or has expired,
-- must change it before it can do anything else.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
