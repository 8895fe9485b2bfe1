-- Where usage is read from (issue 12 of the project): 'device' = one client list per selected
-- device (the only source before this migration), 'network' = one paged client list per network,
-- each client once. The setting chooses the source of future syncs; every stored (network, day)
-- records the source it was read from, and a day is always written whole from one source.
-- Existing rows, and days imported from the original script (which read devices), mean 'device'.
ALTER TABLE settings ADD COLUMN source TEXT NOT NULL DEFAULT 'device'
    CHECK (source IN ('device', 'network'));
ALTER TABLE synced_days ADD COLUMN usage_source TEXT NOT NULL DEFAULT 'device'
    CHECK (usage_source IN ('device', 'network'));

-- The SSID of a wireless client (network source only; NULL for wired clients and for rows read
-- from devices), so `reconfigure --reclassify` can apply ssid: rules to stored days.
ALTER TABLE client_daily_usage ADD COLUMN ssid TEXT;
