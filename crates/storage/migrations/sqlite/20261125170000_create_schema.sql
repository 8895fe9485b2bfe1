-- usagestats schema, version 1. Forward-only: never edit this file once released; add a new one.
-- Conventions (docs/schema.md): days are TEXT 'YYYY-MM-DD' (in the zone the day was measured in),
-- instants are INTEGER unix seconds (UTC), usage is INTEGER thousandths of a kB ("mkb"), exact.

CREATE TABLE organizations (
    id   TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE networks (
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name            TEXT NOT NULL,
    tags            TEXT NOT NULL DEFAULT '[]',
    time_zone       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX networks_by_organization ON networks (organization_id);

-- The group definitions in report order; `position` is what usage rows refer to.
CREATE TABLE groups (
    position INTEGER PRIMARY KEY NOT NULL CHECK (position >= 0),
    name     TEXT NOT NULL
);

-- One row (id = 1): the configuration stored in the database, as the original did.
CREATE TABLE settings (
    id             INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    groups         TEXT NOT NULL,
    filter         TEXT NOT NULL,
    time_zone_mode TEXT NOT NULL,
    updated_at     INTEGER NOT NULL
);

-- Per network, day and group: traffic in thousandths of a kB. group_position -1 = unmatched.
CREATE TABLE daily_usage (
    day            TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    network_id     TEXT NOT NULL REFERENCES networks (id),
    group_position INTEGER NOT NULL CHECK (group_position >= -1),
    up_mkb         INTEGER NOT NULL,
    down_mkb       INTEGER NOT NULL,
    PRIMARY KEY (day, network_id, group_position)
) WITHOUT ROWID;

-- Per network, day and client: what the group rows were computed from (for re-classification).
CREATE TABLE client_daily_usage (
    network_id     TEXT NOT NULL REFERENCES networks (id),
    day            TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    client_id      TEXT NOT NULL,
    mac            TEXT,
    ip             TEXT,
    ip6            TEXT,
    vlan           INTEGER,
    named_vlan     TEXT,
    group_position INTEGER CHECK (group_position >= 0),
    up_mkb         INTEGER NOT NULL,
    down_mkb       INTEGER NOT NULL,
    PRIMARY KEY (network_id, day, client_id)
) WITHOUT ROWID;

-- A row here means: this network's day is complete and its usage rows are final.
CREATE TABLE synced_days (
    network_id TEXT NOT NULL REFERENCES networks (id),
    day        TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    synced_at  INTEGER NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('sync', 'legacy')),
    PRIMARY KEY (network_id, day)
) WITHOUT ROWID;

CREATE TABLE sync_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    status       TEXT NOT NULL CHECK (status IN ('running', 'ok', 'partial', 'failed', 'aborted')),
    pid          INTEGER NOT NULL,
    calls        INTEGER NOT NULL DEFAULT 0,
    retries      INTEGER NOT NULL DEFAULT 0,
    rate_limited INTEGER NOT NULL DEFAULT 0,
    days_written INTEGER NOT NULL DEFAULT 0,
    error        TEXT
);

-- For database viewers (Grafana, Datasette, sqlite3): names joined in, kB as REAL.
CREATE VIEW daily_usage_named AS
SELECT
    d.day                                    AS day,
    o.id                                     AS organization_id,
    o.name                                   AS organization_name,
    n.id                                     AS network_id,
    n.name                                   AS network_name,
    CASE WHEN d.group_position < 0 THEN NULL ELSE d.group_position END AS group_position,
    CASE WHEN d.group_position < 0 THEN '(unmatched)' ELSE g.name END AS group_name,
    d.up_mkb / 1000.0                        AS up_kb,
    d.down_mkb / 1000.0                      AS down_kb,
    (d.up_mkb + d.down_mkb) / 1000.0         AS total_kb
FROM daily_usage AS d
JOIN networks AS n ON n.id = d.network_id
JOIN organizations AS o ON o.id = n.organization_id
LEFT JOIN groups AS g ON g.position = d.group_position;
