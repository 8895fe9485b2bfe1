//! `usagestats`: network usage per user group on Cisco Meraki networks.

fn main() {
    eprintln!("usagestats: under construction");
    std::process::exit(1);
}
