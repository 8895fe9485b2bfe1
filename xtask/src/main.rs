//! Project automation: `cargo xtask ci | bench | demo | fuzz | screenshot`.

fn main() {
    eprintln!("xtask: under construction");
    std::process::exit(1);
}
