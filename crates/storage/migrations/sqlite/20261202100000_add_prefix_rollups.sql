-- Prefix sums, so that a report over any period reads a handful of rows per network and group
-- instead of one per month, week or day (issue 14 of the project: a five-year report read 60
-- months of monthly_usage and took 0.4-2 s on 1,000 networks). With P(x) = the sum of every day
-- up to and including day x,
--     sum(a..b) = P(b) - P(a - 1 day)
--     P(x)      = sum of usage_year for the years before x's year
--               + usage_year_to_month at the month before x's month (none in January)
--               + usage_month_to_day at x itself,
-- and the years before cancel out between P(b) and P(a - 1) but for those in between, so a
-- period of N years reads N + 4 slices of about (networks x groups) rows each.
--
-- The cumulative tables are dense from the first day (month) with data to the end of its month
-- (year), so the row at x exists whenever anything before x in its month (year) exists; a missing
-- row means zero. `rows` counts the daily_usage rows summed, so a report can tell "no row in the
-- period" from "rows that sum to zero". All of it is kept by the triggers below, in the
-- transaction that changes daily_usage or synced_days; never write these tables directly.

-- 0..30: the offsets a trigger adds to a day (SQLite triggers cannot use WITH).
CREATE TABLE day_offsets (n INTEGER PRIMARY KEY NOT NULL CHECK (n BETWEEN 0 AND 30));
WITH RECURSIVE o(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM o WHERE n < 30)
INSERT INTO day_offsets (n) SELECT n FROM o;

CREATE TABLE usage_year (
    year           INTEGER NOT NULL,
    network_id     TEXT NOT NULL,
    group_position INTEGER NOT NULL,
    up_mkb         INTEGER NOT NULL,
    down_mkb       INTEGER NOT NULL,
    rows           INTEGER NOT NULL,
    PRIMARY KEY (year, network_id, group_position)
) WITHOUT ROWID;

-- `month` 'YYYY-MM': the sum of that month and the months before it in the same year.
CREATE TABLE usage_year_to_month (
    month          TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    network_id     TEXT NOT NULL,
    group_position INTEGER NOT NULL,
    up_mkb         INTEGER NOT NULL,
    down_mkb       INTEGER NOT NULL,
    rows           INTEGER NOT NULL,
    PRIMARY KEY (month, network_id, group_position)
) WITHOUT ROWID;

-- `day`: the sum of that day and the days before it in the same month.
CREATE TABLE usage_month_to_day (
    day            TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    network_id     TEXT NOT NULL,
    group_position INTEGER NOT NULL,
    up_mkb         INTEGER NOT NULL,
    down_mkb       INTEGER NOT NULL,
    rows           INTEGER NOT NULL,
    PRIMARY KEY (day, network_id, group_position)
) WITHOUT ROWID;

-- The same for complete days (synced_days), per network and source: missing days and the
-- sources of a period are counted from them.
CREATE TABLE synced_year (
    year         INTEGER NOT NULL,
    network_id   TEXT NOT NULL,
    usage_source TEXT NOT NULL,
    days         INTEGER NOT NULL,
    PRIMARY KEY (year, network_id, usage_source)
) WITHOUT ROWID;

CREATE TABLE synced_year_to_month (
    month        TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    network_id   TEXT NOT NULL,
    usage_source TEXT NOT NULL,
    days         INTEGER NOT NULL,
    PRIMARY KEY (month, network_id, usage_source)
) WITHOUT ROWID;

CREATE TABLE synced_month_to_day (
    day          TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    network_id   TEXT NOT NULL,
    usage_source TEXT NOT NULL,
    days         INTEGER NOT NULL,
    PRIMARY KEY (day, network_id, usage_source)
) WITHOUT ROWID;

-- Backfill from the rows already there.
INSERT INTO usage_year (year, network_id, group_position, up_mkb, down_mkb, rows)
SELECT CAST(substr(day, 1, 4) AS INTEGER), network_id, group_position,
       SUM(up_mkb), SUM(down_mkb), COUNT(*)
FROM daily_usage
GROUP BY substr(day, 1, 4), network_id, group_position;

INSERT INTO usage_year_to_month (month, network_id, group_position, up_mkb, down_mkb, rows)
SELECT x.month, x.network_id, x.group_position,
       SUM(COALESCE(m.up, 0)) OVER w, SUM(COALESCE(m.down, 0)) OVER w, SUM(COALESCE(m.n, 0)) OVER w
FROM (
    SELECT substr(f.first, 1, 5) || printf('%02d', CAST(substr(f.first, 6, 2) AS INTEGER) + o.n)
               AS month,
           f.network_id, f.group_position
    FROM (SELECT network_id, group_position, MIN(substr(day, 1, 7)) AS first
          FROM daily_usage GROUP BY substr(day, 1, 4), network_id, group_position) AS f
    JOIN day_offsets AS o ON CAST(substr(f.first, 6, 2) AS INTEGER) + o.n <= 12
) AS x
LEFT JOIN (
    SELECT substr(day, 1, 7) AS month, network_id, group_position,
           SUM(up_mkb) AS up, SUM(down_mkb) AS down, COUNT(*) AS n
    FROM daily_usage GROUP BY substr(day, 1, 7), network_id, group_position
) AS m ON m.month = x.month AND m.network_id = x.network_id
      AND m.group_position = x.group_position
WINDOW w AS (PARTITION BY x.network_id, x.group_position, substr(x.month, 1, 4) ORDER BY x.month);

INSERT INTO usage_month_to_day (day, network_id, group_position, up_mkb, down_mkb, rows)
SELECT x.day, x.network_id, x.group_position,
       SUM(COALESCE(u.up_mkb, 0)) OVER w, SUM(COALESCE(u.down_mkb, 0)) OVER w,
       SUM(u.up_mkb IS NOT NULL) OVER w
FROM (
    SELECT date(f.first, '+' || o.n || ' days') AS day, f.network_id, f.group_position
    FROM (SELECT network_id, group_position, MIN(day) AS first
          FROM daily_usage GROUP BY substr(day, 1, 7), network_id, group_position) AS f
    JOIN day_offsets AS o
        ON substr(date(f.first, '+' || o.n || ' days'), 1, 7) = substr(f.first, 1, 7)
) AS x
LEFT JOIN daily_usage AS u
    ON u.day = x.day AND u.network_id = x.network_id AND u.group_position = x.group_position
WINDOW w AS (PARTITION BY x.network_id, x.group_position, substr(x.day, 1, 7) ORDER BY x.day);

INSERT INTO synced_year (year, network_id, usage_source, days)
SELECT CAST(substr(day, 1, 4) AS INTEGER), network_id, usage_source, COUNT(*)
FROM synced_days
GROUP BY substr(day, 1, 4), network_id, usage_source;

INSERT INTO synced_year_to_month (month, network_id, usage_source, days)
SELECT x.month, x.network_id, x.usage_source, SUM(COALESCE(m.n, 0)) OVER w
FROM (
    SELECT substr(f.first, 1, 5) || printf('%02d', CAST(substr(f.first, 6, 2) AS INTEGER) + o.n)
               AS month,
           f.network_id, f.usage_source
    FROM (SELECT network_id, usage_source, MIN(substr(day, 1, 7)) AS first
          FROM synced_days GROUP BY substr(day, 1, 4), network_id, usage_source) AS f
    JOIN day_offsets AS o ON CAST(substr(f.first, 6, 2) AS INTEGER) + o.n <= 12
) AS x
LEFT JOIN (
    SELECT substr(day, 1, 7) AS month, network_id, usage_source, COUNT(*) AS n
    FROM synced_days GROUP BY substr(day, 1, 7), network_id, usage_source
) AS m ON m.month = x.month AND m.network_id = x.network_id AND m.usage_source = x.usage_source
WINDOW w AS (PARTITION BY x.network_id, x.usage_source, substr(x.month, 1, 4) ORDER BY x.month);

INSERT INTO synced_month_to_day (day, network_id, usage_source, days)
SELECT x.day, x.network_id, x.usage_source, SUM(s.day IS NOT NULL) OVER w
FROM (
    SELECT date(f.first, '+' || o.n || ' days') AS day, f.network_id, f.usage_source
    FROM (SELECT network_id, usage_source, MIN(day) AS first
          FROM synced_days GROUP BY substr(day, 1, 7), network_id, usage_source) AS f
    JOIN day_offsets AS o
        ON substr(date(f.first, '+' || o.n || ' days'), 1, 7) = substr(f.first, 1, 7)
) AS x
LEFT JOIN synced_days AS s
    ON s.network_id = x.network_id AND s.day = x.day AND s.usage_source = x.usage_source
WINDOW w AS (PARTITION BY x.network_id, x.usage_source, substr(x.day, 1, 7) ORDER BY x.day);

-- Kept by triggers from here on.
CREATE TRIGGER daily_usage_prefix_insert AFTER INSERT ON daily_usage
BEGIN
    INSERT INTO usage_year (year, network_id, group_position, up_mkb, down_mkb, rows)
    VALUES (CAST(substr(NEW.day, 1, 4) AS INTEGER), NEW.network_id, NEW.group_position,
            NEW.up_mkb, NEW.down_mkb, 1)
    ON CONFLICT (year, network_id, group_position) DO UPDATE
        SET up_mkb = up_mkb + excluded.up_mkb, down_mkb = down_mkb + excluded.down_mkb,
            rows = rows + 1;
    INSERT INTO usage_year_to_month (month, network_id, group_position, up_mkb, down_mkb, rows)
    SELECT substr(NEW.day, 1, 5) || printf('%02d', CAST(substr(NEW.day, 6, 2) AS INTEGER) + o.n),
           NEW.network_id, NEW.group_position, NEW.up_mkb, NEW.down_mkb, 1
    FROM day_offsets AS o WHERE CAST(substr(NEW.day, 6, 2) AS INTEGER) + o.n <= 12
    ON CONFLICT (month, network_id, group_position) DO UPDATE
        SET up_mkb = up_mkb + excluded.up_mkb, down_mkb = down_mkb + excluded.down_mkb,
            rows = rows + 1;
    INSERT INTO usage_month_to_day (day, network_id, group_position, up_mkb, down_mkb, rows)
    SELECT date(NEW.day, '+' || o.n || ' days'), NEW.network_id, NEW.group_position,
           NEW.up_mkb, NEW.down_mkb, 1
    FROM day_offsets AS o
    WHERE substr(date(NEW.day, '+' || o.n || ' days'), 1, 7) = substr(NEW.day, 1, 7)
    ON CONFLICT (day, network_id, group_position) DO UPDATE
        SET up_mkb = up_mkb + excluded.up_mkb, down_mkb = down_mkb + excluded.down_mkb,
            rows = rows + 1;
END;

CREATE TRIGGER daily_usage_prefix_delete AFTER DELETE ON daily_usage
BEGIN
    UPDATE usage_year
        SET up_mkb = up_mkb - OLD.up_mkb, down_mkb = down_mkb - OLD.down_mkb, rows = rows - 1
        WHERE year = CAST(substr(OLD.day, 1, 4) AS INTEGER) AND network_id = OLD.network_id
          AND group_position = OLD.group_position;
    UPDATE usage_year_to_month
        SET up_mkb = up_mkb - OLD.up_mkb, down_mkb = down_mkb - OLD.down_mkb, rows = rows - 1
        WHERE month >= substr(OLD.day, 1, 7) AND month <= substr(OLD.day, 1, 4) || '-12'
          AND network_id = OLD.network_id AND group_position = OLD.group_position;
    UPDATE usage_month_to_day
        SET up_mkb = up_mkb - OLD.up_mkb, down_mkb = down_mkb - OLD.down_mkb, rows = rows - 1
        WHERE day >= OLD.day AND day <= substr(OLD.day, 1, 7) || '-31'
          AND network_id = OLD.network_id AND group_position = OLD.group_position;
END;

CREATE TRIGGER daily_usage_prefix_update AFTER UPDATE ON daily_usage
BEGIN
    UPDATE usage_year
        SET up_mkb = up_mkb - OLD.up_mkb, down_mkb = down_mkb - OLD.down_mkb, rows = rows - 1
        WHERE year = CAST(substr(OLD.day, 1, 4) AS INTEGER) AND network_id = OLD.network_id
          AND group_position = OLD.group_position;
    UPDATE usage_year_to_month
        SET up_mkb = up_mkb - OLD.up_mkb, down_mkb = down_mkb - OLD.down_mkb, rows = rows - 1
        WHERE month >= substr(OLD.day, 1, 7) AND month <= substr(OLD.day, 1, 4) || '-12'
          AND network_id = OLD.network_id AND group_position = OLD.group_position;
    UPDATE usage_month_to_day
        SET up_mkb = up_mkb - OLD.up_mkb, down_mkb = down_mkb - OLD.down_mkb, rows = rows - 1
        WHERE day >= OLD.day AND day <= substr(OLD.day, 1, 7) || '-31'
          AND network_id = OLD.network_id AND group_position = OLD.group_position;
    INSERT INTO usage_year (year, network_id, group_position, up_mkb, down_mkb, rows)
    VALUES (CAST(substr(NEW.day, 1, 4) AS INTEGER), NEW.network_id, NEW.group_position,
            NEW.up_mkb, NEW.down_mkb, 1)
    ON CONFLICT (year, network_id, group_position) DO UPDATE
        SET up_mkb = up_mkb + excluded.up_mkb, down_mkb = down_mkb + excluded.down_mkb,
            rows = rows + 1;
    INSERT INTO usage_year_to_month (month, network_id, group_position, up_mkb, down_mkb, rows)
    SELECT substr(NEW.day, 1, 5) || printf('%02d', CAST(substr(NEW.day, 6, 2) AS INTEGER) + o.n),
           NEW.network_id, NEW.group_position, NEW.up_mkb, NEW.down_mkb, 1
    FROM day_offsets AS o WHERE CAST(substr(NEW.day, 6, 2) AS INTEGER) + o.n <= 12
    ON CONFLICT (month, network_id, group_position) DO UPDATE
        SET up_mkb = up_mkb + excluded.up_mkb, down_mkb = down_mkb + excluded.down_mkb,
            rows = rows + 1;
    INSERT INTO usage_month_to_day (day, network_id, group_position, up_mkb, down_mkb, rows)
    SELECT date(NEW.day, '+' || o.n || ' days'), NEW.network_id, NEW.group_position,
           NEW.up_mkb, NEW.down_mkb, 1
    FROM day_offsets AS o
    WHERE substr(date(NEW.day, '+' || o.n || ' days'), 1, 7) = substr(NEW.day, 1, 7)
    ON CONFLICT (day, network_id, group_position) DO UPDATE
        SET up_mkb = up_mkb + excluded.up_mkb, down_mkb = down_mkb + excluded.down_mkb,
            rows = rows + 1;
END;

CREATE TRIGGER synced_days_prefix_insert AFTER INSERT ON synced_days
BEGIN
    INSERT INTO synced_year (year, network_id, usage_source, days)
    VALUES (CAST(substr(NEW.day, 1, 4) AS INTEGER), NEW.network_id, NEW.usage_source, 1)
    ON CONFLICT (year, network_id, usage_source) DO UPDATE SET days = days + 1;
    INSERT INTO synced_year_to_month (month, network_id, usage_source, days)
    SELECT substr(NEW.day, 1, 5) || printf('%02d', CAST(substr(NEW.day, 6, 2) AS INTEGER) + o.n),
           NEW.network_id, NEW.usage_source, 1
    FROM day_offsets AS o WHERE CAST(substr(NEW.day, 6, 2) AS INTEGER) + o.n <= 12
    ON CONFLICT (month, network_id, usage_source) DO UPDATE SET days = days + 1;
    INSERT INTO synced_month_to_day (day, network_id, usage_source, days)
    SELECT date(NEW.day, '+' || o.n || ' days'), NEW.network_id, NEW.usage_source, 1
    FROM day_offsets AS o
    WHERE substr(date(NEW.day, '+' || o.n || ' days'), 1, 7) = substr(NEW.day, 1, 7)
    ON CONFLICT (day, network_id, usage_source) DO UPDATE SET days = days + 1;
END;

CREATE TRIGGER synced_days_prefix_delete AFTER DELETE ON synced_days
BEGIN
    UPDATE synced_year SET days = days - 1
        WHERE year = CAST(substr(OLD.day, 1, 4) AS INTEGER) AND network_id = OLD.network_id
          AND usage_source = OLD.usage_source;
    UPDATE synced_year_to_month SET days = days - 1
        WHERE month >= substr(OLD.day, 1, 7) AND month <= substr(OLD.day, 1, 4) || '-12'
          AND network_id = OLD.network_id AND usage_source = OLD.usage_source;
    UPDATE synced_month_to_day SET days = days - 1
        WHERE day >= OLD.day AND day <= substr(OLD.day, 1, 7) || '-31'
          AND network_id = OLD.network_id AND usage_source = OLD.usage_source;
END;

-- A day rewritten from the other source moves between sources; a rewrite from the same source
-- (only synced_at changes) costs nothing.
CREATE TRIGGER synced_days_prefix_update AFTER UPDATE ON synced_days
WHEN OLD.usage_source IS NOT NEW.usage_source OR OLD.day IS NOT NEW.day
  OR OLD.network_id IS NOT NEW.network_id
BEGIN
    UPDATE synced_year SET days = days - 1
        WHERE year = CAST(substr(OLD.day, 1, 4) AS INTEGER) AND network_id = OLD.network_id
          AND usage_source = OLD.usage_source;
    UPDATE synced_year_to_month SET days = days - 1
        WHERE month >= substr(OLD.day, 1, 7) AND month <= substr(OLD.day, 1, 4) || '-12'
          AND network_id = OLD.network_id AND usage_source = OLD.usage_source;
    UPDATE synced_month_to_day SET days = days - 1
        WHERE day >= OLD.day AND day <= substr(OLD.day, 1, 7) || '-31'
          AND network_id = OLD.network_id AND usage_source = OLD.usage_source;
    INSERT INTO synced_year (year, network_id, usage_source, days)
    VALUES (CAST(substr(NEW.day, 1, 4) AS INTEGER), NEW.network_id, NEW.usage_source, 1)
    ON CONFLICT (year, network_id, usage_source) DO UPDATE SET days = days + 1;
    INSERT INTO synced_year_to_month (month, network_id, usage_source, days)
    SELECT substr(NEW.day, 1, 5) || printf('%02d', CAST(substr(NEW.day, 6, 2) AS INTEGER) + o.n),
           NEW.network_id, NEW.usage_source, 1
    FROM day_offsets AS o WHERE CAST(substr(NEW.day, 6, 2) AS INTEGER) + o.n <= 12
    ON CONFLICT (month, network_id, usage_source) DO UPDATE SET days = days + 1;
    INSERT INTO synced_month_to_day (day, network_id, usage_source, days)
    SELECT date(NEW.day, '+' || o.n || ' days'), NEW.network_id, NEW.usage_source, 1
    FROM day_offsets AS o
    WHERE substr(date(NEW.day, '+' || o.n || ' days'), 1, 7) = substr(NEW.day, 1, 7)
    ON CONFLICT (day, network_id, usage_source) DO UPDATE SET days = days + 1;
END;
