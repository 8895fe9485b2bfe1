-- The largest clients of one group on one day, read largest first: the day lists of the
-- threshold ranking of top clients (`crates/storage/src/top.rs`), next to the monthly and
-- weekly rollups' indexes on the total. Client rows without a group (NULL) are never ranked.
CREATE INDEX client_daily_usage_by_total
    ON client_daily_usage (day, group_position, up_mkb + down_mkb DESC)
    WHERE group_position IS NOT NULL;
