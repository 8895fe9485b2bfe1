-- Marks a database written by `usagestats demo`: its organizations, networks and usage come
-- from the built-in simulator, so it must never be synced against a real Dashboard (that would
-- mix a simulated and a real estate in one history). The CLI refuses to sync it and points to
-- offline reports. 0 for every other database, those created before this migration included.
ALTER TABLE settings ADD COLUMN demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1));
