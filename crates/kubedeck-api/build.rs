// The console is embedded from web/dist: rebuild when it changes, so a binary built before the console never
// keeps serving "console not built".
fn main() {
    println!("cargo:rerun-if-changed=../../web/dist");
    println!("cargo:rerun-if-changed=../../web/dist/index.html");
}
