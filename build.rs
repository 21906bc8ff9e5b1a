// sqlx::migrate! embeds the migrations at compile time; without this a new migration file
// would not be seen until some Rust source changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
