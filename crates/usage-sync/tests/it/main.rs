//! Integration tests of the sync engine against meraki-sim, with SQLite files on disk.

mod common;
mod exact;
mod faults;
mod incremental;
mod moving;
mod network;
