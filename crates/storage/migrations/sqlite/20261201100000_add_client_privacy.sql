-- Privacy controls for per-client rows (issue 15 of the project). Group rows (daily_usage and
-- its rollups) are never affected by any of these settings.
--
-- settings.client_detail: what a client row keeps. 'full' = as read from the Dashboard (the only
-- mode before this migration); 'pseudonymous' = the client id, MAC, IPv4, IPv6, description and
-- user are replaced by keyed hashes (HMAC-SHA256 with client_pseudonym_key.key); 'none' = no
-- client rows are stored at all.
-- settings.client_retention_days: client rows older than this many days before their network's
-- newest synced day are deleted after each sync; NULL = kept forever.
ALTER TABLE settings ADD COLUMN client_detail TEXT NOT NULL DEFAULT 'full'
    CHECK (client_detail IN ('full', 'pseudonymous', 'none'));
ALTER TABLE settings ADD COLUMN client_retention_days INTEGER
    CHECK (client_retention_days IS NULL OR client_retention_days > 0);

-- What the Dashboard says about a client besides its addresses (NULL when it says nothing, and
-- for rows written before this migration). `pseudonymized` = 1 when the row's identifying
-- columns hold keyed hashes instead of the values read.
ALTER TABLE client_daily_usage ADD COLUMN description TEXT;
ALTER TABLE client_daily_usage ADD COLUMN user TEXT;
ALTER TABLE client_daily_usage ADD COLUMN pseudonymized INTEGER NOT NULL DEFAULT 0
    CHECK (pseudonymized IN (0, 1));

-- The per-database secret of the pseudonyms: 32 bytes from the operating system's random
-- generator, written by usagestats when the database is created (or, for older databases, when
-- first needed). Never printed: `dump` leaves this table out.
CREATE TABLE client_pseudonym_key (
    id  INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    key BLOB NOT NULL CHECK (length(key) = 32)
);

-- Client rows deleted by the retention after the run's sync, in the same transaction as the
-- deletion.
ALTER TABLE sync_runs ADD COLUMN client_rows_expired INTEGER NOT NULL DEFAULT 0;
