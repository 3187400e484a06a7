// Re-embeds the migrations (sqlx::migrate!) when one is added or changed, not only when Rust
// code changes.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
