//! A typed async client for the Cisco Meraki Dashboard API v1.
//!
//! Owns: authentication, base URL (regional presets), timeouts, per-organization and global
//! pacing, `Retry-After` handling, retries with backoff, `Link`-header pagination and typed
//! errors. Must not know about groups, days or SQL.
