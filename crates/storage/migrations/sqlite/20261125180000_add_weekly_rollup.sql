-- Weekly (ISO, Monday to Sunday) sums of daily_usage, kept exact by triggers, so the parts of a
-- report period that are not whole months (the default report is last week) read one row per
-- network, group and week instead of seven.
-- `week` is the Monday of the week: date(day, 'weekday 0') is the Sunday on or after the day.
CREATE TABLE weekly_usage (
    week           TEXT NOT NULL CHECK (week GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    network_id     TEXT NOT NULL,
    group_position INTEGER NOT NULL,
    up_mkb         INTEGER NOT NULL,
    down_mkb       INTEGER NOT NULL,
    PRIMARY KEY (week, network_id, group_position)
) WITHOUT ROWID;

INSERT INTO weekly_usage (week, network_id, group_position, up_mkb, down_mkb)
SELECT date(day, 'weekday 0', '-6 days'), network_id, group_position, SUM(up_mkb), SUM(down_mkb)
FROM daily_usage
GROUP BY date(day, 'weekday 0', '-6 days'), network_id, group_position;

CREATE TRIGGER daily_usage_weekly_insert AFTER INSERT ON daily_usage
BEGIN
    INSERT INTO weekly_usage (week, network_id, group_position, up_mkb, down_mkb)
    VALUES (date(NEW.day, 'weekday 0', '-6 days'), NEW.network_id, NEW.group_position,
            NEW.up_mkb, NEW.down_mkb)
    ON CONFLICT (week, network_id, group_position) DO UPDATE
        SET up_mkb = up_mkb + excluded.up_mkb, down_mkb = down_mkb + excluded.down_mkb;
END;

CREATE TRIGGER daily_usage_weekly_delete AFTER DELETE ON daily_usage
BEGIN
    UPDATE weekly_usage
        SET up_mkb = up_mkb - OLD.up_mkb, down_mkb = down_mkb - OLD.down_mkb
        WHERE week = date(OLD.day, 'weekday 0', '-6 days') AND network_id = OLD.network_id
          AND group_position = OLD.group_position;
END;

CREATE TRIGGER daily_usage_weekly_update AFTER UPDATE ON daily_usage
BEGIN
    UPDATE weekly_usage
        SET up_mkb = up_mkb - OLD.up_mkb, down_mkb = down_mkb - OLD.down_mkb
        WHERE week = date(OLD.day, 'weekday 0', '-6 days') AND network_id = OLD.network_id
          AND group_position = OLD.group_position;
    INSERT INTO weekly_usage (week, network_id, group_position, up_mkb, down_mkb)
    VALUES (date(NEW.day, 'weekday 0', '-6 days'), NEW.network_id, NEW.group_position,
            NEW.up_mkb, NEW.down_mkb)
    ON CONFLICT (week, network_id, group_position) DO UPDATE
        SET up_mkb = up_mkb + excluded.up_mkb, down_mkb = down_mkb + excluded.down_mkb;
END;
