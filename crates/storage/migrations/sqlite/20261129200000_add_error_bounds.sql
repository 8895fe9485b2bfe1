-- The error bound of every stored figure (issue 10 of the project): a day is the difference of
-- two API reads taken a moment apart, so it can be off by the traffic that flowed between them.
-- The sync measures that traffic by reading one counter twice, before and after a device's other
-- reads, and stores the largest amount each figure could be off, in thousandths of a kB like
-- the figures themselves. 0 (the usual case) means exact; rows written before this migration,
-- by frozen-clock tests or imported from the original script, have 0.
ALTER TABLE daily_usage ADD COLUMN up_bound_mkb INTEGER NOT NULL DEFAULT 0 CHECK (up_bound_mkb >= 0);
ALTER TABLE daily_usage ADD COLUMN down_bound_mkb INTEGER NOT NULL DEFAULT 0 CHECK (down_bound_mkb >= 0);
ALTER TABLE client_daily_usage ADD COLUMN up_bound_mkb INTEGER NOT NULL DEFAULT 0 CHECK (up_bound_mkb >= 0);
ALTER TABLE client_daily_usage ADD COLUMN down_bound_mkb INTEGER NOT NULL DEFAULT 0 CHECK (down_bound_mkb >= 0);

-- Non-zero bounds are rare: a report sums them through this small partial index.
CREATE INDEX daily_usage_with_bound ON daily_usage (day, network_id)
    WHERE up_bound_mkb <> 0 OR down_bound_mkb <> 0;

DROP VIEW daily_usage_named;
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
    (d.up_mkb + d.down_mkb) / 1000.0         AS total_kb,
    (d.up_bound_mkb + d.down_bound_mkb) / 1000.0 AS error_bound_kb
FROM daily_usage AS d
JOIN networks AS n ON n.id = d.network_id
JOIN organizations AS o ON o.id = n.organization_id
LEFT JOIN groups AS g ON g.position = d.group_position;
