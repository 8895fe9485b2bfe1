-- Privacy controls for per-client rows and per-client rollups: the PostgreSQL form of SQLite's
-- migrations 20261201100000_add_client_privacy and 20261201100100_add_client_rollups (same
-- columns, tables and meanings; docs/schema.md). Group rows are never affected.

ALTER TABLE settings ADD COLUMN client_detail text COLLATE "C" NOT NULL DEFAULT 'full'
    CHECK (client_detail IN ('full', 'pseudonymous', 'none'));
ALTER TABLE settings ADD COLUMN client_retention_days bigint
    CHECK (client_retention_days IS NULL OR client_retention_days > 0);

ALTER TABLE client_daily_usage ADD COLUMN description text COLLATE "C";
ALTER TABLE client_daily_usage ADD COLUMN "user" text COLLATE "C";
ALTER TABLE client_daily_usage ADD COLUMN pseudonymized bigint NOT NULL DEFAULT 0
    CHECK (pseudonymized IN (0, 1));

-- The per-database secret of the pseudonyms (32 random bytes). Never printed: `dump` leaves
-- this table out.
CREATE TABLE client_pseudonym_key (
    id  bigint PRIMARY KEY CHECK (id = 1),
    key bytea NOT NULL CHECK (length(key) = 32)
);

ALTER TABLE sync_runs ADD COLUMN client_rows_expired bigint NOT NULL DEFAULT 0;

-- Per-client sums per calendar month ('YYYY-MM') and per ISO week (its Monday), kept exact by
-- the statement triggers below; group_position -1 = the client matched no group. A rollup row
-- disappears with its last daily row.
CREATE TABLE client_monthly_usage (
    month          text COLLATE "C" NOT NULL,
    group_position bigint NOT NULL,
    network_id     text COLLATE "C" NOT NULL,
    client_id      text COLLATE "C" NOT NULL,
    up_mkb         bigint NOT NULL,
    down_mkb       bigint NOT NULL,
    rows           bigint NOT NULL,
    PRIMARY KEY (month, group_position, network_id, client_id)
);
CREATE INDEX client_monthly_usage_by_total
    ON client_monthly_usage (month, group_position, (up_mkb + down_mkb) DESC);

CREATE TABLE client_weekly_usage (
    week           date NOT NULL,
    group_position bigint NOT NULL,
    network_id     text COLLATE "C" NOT NULL,
    client_id      text COLLATE "C" NOT NULL,
    up_mkb         bigint NOT NULL,
    down_mkb       bigint NOT NULL,
    rows           bigint NOT NULL,
    PRIMARY KEY (week, group_position, network_id, client_id)
);
CREATE INDEX client_weekly_usage_by_total
    ON client_weekly_usage (week, group_position, (up_mkb + down_mkb) DESC);

CREATE FUNCTION usagestats_client_rollups() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE client_monthly_usage AS t
            SET up_mkb = t.up_mkb - s.up, down_mkb = t.down_mkb - s.down, rows = t.rows - s.n
            FROM (SELECT usagestats_month(day) AS month, COALESCE(group_position, -1) AS g,
                         network_id, client_id, SUM(up_mkb) AS up, SUM(down_mkb) AS down,
                         COUNT(*) AS n
                  FROM removed GROUP BY 1, 2, 3, 4) AS s
            WHERE t.month = s.month AND t.group_position = s.g AND t.network_id = s.network_id
              AND t.client_id = s.client_id;
        DELETE FROM client_monthly_usage AS t
            USING (SELECT DISTINCT usagestats_month(day) AS month,
                          COALESCE(group_position, -1) AS g, network_id, client_id
                   FROM removed) AS s
            WHERE t.month = s.month AND t.group_position = s.g AND t.network_id = s.network_id
              AND t.client_id = s.client_id AND t.rows = 0;
        UPDATE client_weekly_usage AS t
            SET up_mkb = t.up_mkb - s.up, down_mkb = t.down_mkb - s.down, rows = t.rows - s.n
            FROM (SELECT usagestats_monday(day) AS week, COALESCE(group_position, -1) AS g,
                         network_id, client_id, SUM(up_mkb) AS up, SUM(down_mkb) AS down,
                         COUNT(*) AS n
                  FROM removed GROUP BY 1, 2, 3, 4) AS s
            WHERE t.week = s.week AND t.group_position = s.g AND t.network_id = s.network_id
              AND t.client_id = s.client_id;
        DELETE FROM client_weekly_usage AS t
            USING (SELECT DISTINCT usagestats_monday(day) AS week,
                          COALESCE(group_position, -1) AS g, network_id, client_id
                   FROM removed) AS s
            WHERE t.week = s.week AND t.group_position = s.g AND t.network_id = s.network_id
              AND t.client_id = s.client_id AND t.rows = 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO client_monthly_usage AS t
                (month, group_position, network_id, client_id, up_mkb, down_mkb, rows)
            SELECT usagestats_month(day), COALESCE(group_position, -1), network_id, client_id,
                   SUM(up_mkb), SUM(down_mkb), COUNT(*)
            FROM added GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            ON CONFLICT (month, group_position, network_id, client_id) DO UPDATE
                SET up_mkb = t.up_mkb + excluded.up_mkb, down_mkb = t.down_mkb + excluded.down_mkb,
                    rows = t.rows + excluded.rows;
        INSERT INTO client_weekly_usage AS t
                (week, group_position, network_id, client_id, up_mkb, down_mkb, rows)
            SELECT usagestats_monday(day), COALESCE(group_position, -1), network_id, client_id,
                   SUM(up_mkb), SUM(down_mkb), COUNT(*)
            FROM added GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            ON CONFLICT (week, group_position, network_id, client_id) DO UPDATE
                SET up_mkb = t.up_mkb + excluded.up_mkb, down_mkb = t.down_mkb + excluded.down_mkb,
                    rows = t.rows + excluded.rows;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER client_daily_usage_rollups_insert AFTER INSERT ON client_daily_usage
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION usagestats_client_rollups();
CREATE TRIGGER client_daily_usage_rollups_delete AFTER DELETE ON client_daily_usage
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION usagestats_client_rollups();
CREATE TRIGGER client_daily_usage_rollups_update AFTER UPDATE ON client_daily_usage
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION usagestats_client_rollups();
