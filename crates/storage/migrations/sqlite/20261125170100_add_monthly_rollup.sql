-- Monthly sums of daily_usage, kept exact by triggers, so a report over many months reads one
-- row per network, group and month instead of one per day (see benches/report_query.rs).
CREATE TABLE monthly_usage (
    month          TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    network_id     TEXT NOT NULL,
    group_position INTEGER NOT NULL,
    up_mkb         INTEGER NOT NULL,
    down_mkb       INTEGER NOT NULL,
    PRIMARY KEY (month, network_id, group_position)
) WITHOUT ROWID;

INSERT INTO monthly_usage (month, network_id, group_position, up_mkb, down_mkb)
SELECT substr(day, 1, 7), network_id, group_position, SUM(up_mkb), SUM(down_mkb)
FROM daily_usage
GROUP BY substr(day, 1, 7), network_id, group_position;

CREATE TRIGGER daily_usage_rollup_insert AFTER INSERT ON daily_usage
BEGIN
    INSERT INTO monthly_usage (month, network_id, group_position, up_mkb, down_mkb)
    VALUES (substr(NEW.day, 1, 7), NEW.network_id, NEW.group_position, NEW.up_mkb, NEW.down_mkb)
    ON CONFLICT (month, network_id, group_position) DO UPDATE
        SET up_mkb = up_mkb + excluded.up_mkb, down_mkb = down_mkb + excluded.down_mkb;
END;

CREATE TRIGGER daily_usage_rollup_delete AFTER DELETE ON daily_usage
BEGIN
    UPDATE monthly_usage
        SET up_mkb = up_mkb - OLD.up_mkb, down_mkb = down_mkb - OLD.down_mkb
        WHERE month = substr(OLD.day, 1, 7) AND network_id = OLD.network_id
          AND group_position = OLD.group_position;
END;

CREATE TRIGGER daily_usage_rollup_update AFTER UPDATE ON daily_usage
BEGIN
    UPDATE monthly_usage
        SET up_mkb = up_mkb - OLD.up_mkb, down_mkb = down_mkb - OLD.down_mkb
        WHERE month = substr(OLD.day, 1, 7) AND network_id = OLD.network_id
          AND group_position = OLD.group_position;
    INSERT INTO monthly_usage (month, network_id, group_position, up_mkb, down_mkb)
    VALUES (substr(NEW.day, 1, 7), NEW.network_id, NEW.group_position, NEW.up_mkb, NEW.down_mkb)
    ON CONFLICT (month, network_id, group_position) DO UPDATE
        SET up_mkb = up_mkb + excluded.up_mkb, down_mkb = down_mkb + excluded.down_mkb;
END;
