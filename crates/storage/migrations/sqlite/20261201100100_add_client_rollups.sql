-- Per-client sums per calendar month and per ISO week (Monday to Sunday), kept exact by
-- triggers on client_daily_usage, for `usagestats top` and the reports' top-clients section: a
-- client's traffic within a group over a month is one row instead of ~30, and the largest
-- clients of one month or week (the default `top` period is last week) come straight from an
-- index on the total. group_position -1 = the client matched no group (NULL in the daily rows).
-- `rows` counts the daily rows summed; a rollup row disappears with its last daily row, so
-- deleting client rows (retention, forget-client, client detail `none`) leaves no trace here.
-- `week` is the Monday of the week: date(day, 'weekday 0') is the Sunday on or after the day.

CREATE TABLE client_monthly_usage (
    month          TEXT NOT NULL,
    group_position INTEGER NOT NULL,
    network_id     TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    up_mkb         INTEGER NOT NULL,
    down_mkb       INTEGER NOT NULL,
    rows           INTEGER NOT NULL,
    PRIMARY KEY (month, group_position, network_id, client_id)
) WITHOUT ROWID;

INSERT INTO client_monthly_usage (month, group_position, network_id, client_id, up_mkb, down_mkb, rows)
SELECT substr(day, 1, 7), COALESCE(group_position, -1), network_id, client_id,
       SUM(up_mkb), SUM(down_mkb), COUNT(*)
FROM client_daily_usage
GROUP BY 1, 2, 3, 4;

-- The largest clients of one month and group, straight from the index (no sort, no GROUP BY).
CREATE INDEX client_monthly_usage_by_total ON client_monthly_usage (month, group_position, up_mkb + down_mkb DESC);

CREATE TRIGGER client_daily_usage_monthly_insert AFTER INSERT ON client_daily_usage
BEGIN
    INSERT INTO client_monthly_usage (month, group_position, network_id, client_id, up_mkb, down_mkb, rows)
    VALUES (substr(NEW.day, 1, 7), COALESCE(NEW.group_position, -1), NEW.network_id, NEW.client_id,
            NEW.up_mkb, NEW.down_mkb, 1)
    ON CONFLICT (month, group_position, network_id, client_id) DO UPDATE
        SET up_mkb = up_mkb + excluded.up_mkb, down_mkb = down_mkb + excluded.down_mkb,
            rows = rows + 1;
END;

CREATE TRIGGER client_daily_usage_monthly_delete AFTER DELETE ON client_daily_usage
BEGIN
    UPDATE client_monthly_usage
        SET up_mkb = up_mkb - OLD.up_mkb, down_mkb = down_mkb - OLD.down_mkb, rows = rows - 1
        WHERE month = substr(OLD.day, 1, 7) AND group_position = COALESCE(OLD.group_position, -1)
          AND network_id = OLD.network_id AND client_id = OLD.client_id;
    DELETE FROM client_monthly_usage
        WHERE month = substr(OLD.day, 1, 7) AND group_position = COALESCE(OLD.group_position, -1)
          AND network_id = OLD.network_id AND client_id = OLD.client_id AND rows = 0;
END;

CREATE TRIGGER client_daily_usage_monthly_update
AFTER UPDATE OF day, network_id, client_id, group_position, up_mkb, down_mkb
ON client_daily_usage
BEGIN
    UPDATE client_monthly_usage
        SET up_mkb = up_mkb - OLD.up_mkb, down_mkb = down_mkb - OLD.down_mkb, rows = rows - 1
        WHERE month = substr(OLD.day, 1, 7) AND group_position = COALESCE(OLD.group_position, -1)
          AND network_id = OLD.network_id AND client_id = OLD.client_id;
    DELETE FROM client_monthly_usage
        WHERE month = substr(OLD.day, 1, 7) AND group_position = COALESCE(OLD.group_position, -1)
          AND network_id = OLD.network_id AND client_id = OLD.client_id AND rows = 0;
    INSERT INTO client_monthly_usage (month, group_position, network_id, client_id, up_mkb, down_mkb, rows)
    VALUES (substr(NEW.day, 1, 7), COALESCE(NEW.group_position, -1), NEW.network_id, NEW.client_id,
            NEW.up_mkb, NEW.down_mkb, 1)
    ON CONFLICT (month, group_position, network_id, client_id) DO UPDATE
        SET up_mkb = up_mkb + excluded.up_mkb, down_mkb = down_mkb + excluded.down_mkb,
            rows = rows + 1;
END;

CREATE TABLE client_weekly_usage (
    week           TEXT NOT NULL,
    group_position INTEGER NOT NULL,
    network_id     TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    up_mkb         INTEGER NOT NULL,
    down_mkb       INTEGER NOT NULL,
    rows           INTEGER NOT NULL,
    PRIMARY KEY (week, group_position, network_id, client_id)
) WITHOUT ROWID;

INSERT INTO client_weekly_usage (week, group_position, network_id, client_id, up_mkb, down_mkb, rows)
SELECT date(day, 'weekday 0', '-6 days'), COALESCE(group_position, -1), network_id, client_id,
       SUM(up_mkb), SUM(down_mkb), COUNT(*)
FROM client_daily_usage
GROUP BY 1, 2, 3, 4;

-- The largest clients of one week and group, straight from the index (no sort, no GROUP BY).
CREATE INDEX client_weekly_usage_by_total ON client_weekly_usage (week, group_position, up_mkb + down_mkb DESC);

CREATE TRIGGER client_daily_usage_weekly_insert AFTER INSERT ON client_daily_usage
BEGIN
    INSERT INTO client_weekly_usage (week, group_position, network_id, client_id, up_mkb, down_mkb, rows)
    VALUES (date(NEW.day, 'weekday 0', '-6 days'), COALESCE(NEW.group_position, -1), NEW.network_id, NEW.client_id,
            NEW.up_mkb, NEW.down_mkb, 1)
    ON CONFLICT (week, group_position, network_id, client_id) DO UPDATE
        SET up_mkb = up_mkb + excluded.up_mkb, down_mkb = down_mkb + excluded.down_mkb,
            rows = rows + 1;
END;

CREATE TRIGGER client_daily_usage_weekly_delete AFTER DELETE ON client_daily_usage
BEGIN
    UPDATE client_weekly_usage
        SET up_mkb = up_mkb - OLD.up_mkb, down_mkb = down_mkb - OLD.down_mkb, rows = rows - 1
        WHERE week = date(OLD.day, 'weekday 0', '-6 days') AND group_position = COALESCE(OLD.group_position, -1)
          AND network_id = OLD.network_id AND client_id = OLD.client_id;
    DELETE FROM client_weekly_usage
        WHERE week = date(OLD.day, 'weekday 0', '-6 days') AND group_position = COALESCE(OLD.group_position, -1)
          AND network_id = OLD.network_id AND client_id = OLD.client_id AND rows = 0;
END;

CREATE TRIGGER client_daily_usage_weekly_update
AFTER UPDATE OF day, network_id, client_id, group_position, up_mkb, down_mkb
ON client_daily_usage
BEGIN
    UPDATE client_weekly_usage
        SET up_mkb = up_mkb - OLD.up_mkb, down_mkb = down_mkb - OLD.down_mkb, rows = rows - 1
        WHERE week = date(OLD.day, 'weekday 0', '-6 days') AND group_position = COALESCE(OLD.group_position, -1)
          AND network_id = OLD.network_id AND client_id = OLD.client_id;
    DELETE FROM client_weekly_usage
        WHERE week = date(OLD.day, 'weekday 0', '-6 days') AND group_position = COALESCE(OLD.group_position, -1)
          AND network_id = OLD.network_id AND client_id = OLD.client_id AND rows = 0;
    INSERT INTO client_weekly_usage (week, group_position, network_id, client_id, up_mkb, down_mkb, rows)
    VALUES (date(NEW.day, 'weekday 0', '-6 days'), COALESCE(NEW.group_position, -1), NEW.network_id, NEW.client_id,
            NEW.up_mkb, NEW.down_mkb, 1)
    ON CONFLICT (week, group_position, network_id, client_id) DO UPDATE
        SET up_mkb = up_mkb + excluded.up_mkb, down_mkb = down_mkb + excluded.down_mkb,
            rows = rows + 1;
END;
