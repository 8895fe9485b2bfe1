//! Build script: `sqlx::migrate!()` embeds `migrations/` at compile time, so rebuild the crate
//! whenever a migration file changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
