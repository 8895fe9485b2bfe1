-- Organization leases: several syncs (workers) share one PostgreSQL database by organization.
-- A worker claims an organization by setting itself as holder until `expires_at` (the
-- server's clock, so hosts with skewed clocks agree), renews the lease while it works and
-- releases it when done; an expired lease (a dead worker) may be claimed by any other, which
-- then marks the dead worker's run (`run_id`) aborted in sync_runs.
-- Coordination only: nothing here is reported. SQLite has its lock file instead.
CREATE TABLE organization_leases (
    organization_id text COLLATE "C" PRIMARY KEY,
    holder          text COLLATE "C" NOT NULL DEFAULT '',
    run_id          bigint,
    expires_at      timestamptz NOT NULL DEFAULT '-infinity'
);
