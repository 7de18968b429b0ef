// The migrations are embedded at compile time (`sqlx::migrate!`): a new or changed file
// must rebuild the binary, which cargo does not know on its own (as sqlx documents).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
