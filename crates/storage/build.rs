//! Build script: `sqlx::migrate!` embeds `migrations/sqlite/` (and, with the `postgres`
//! feature, `migrations/postgres/`) at compile time, so rebuild the crate whenever a migration
//! file changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
