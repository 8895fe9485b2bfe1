//! `meraki-sim`: runs the Dashboard API simulator.

fn main() {
    eprintln!("meraki-sim: under construction");
    std::process::exit(1);
}
