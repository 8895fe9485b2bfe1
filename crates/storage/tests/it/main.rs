//! Integration tests of the storage crate, on real SQLite files in temporary directories.

mod crash;
mod dump;
mod legacy;
mod lock;
mod open;
mod privacy;
mod reclassify;
mod report;
mod runs;
mod source;
mod top;
mod write;

use jiff::civil::{Date, date};
use tempfile::TempDir;
use usage_model::{Kb, Traffic};
use usagestats_storage::{ClientDayRecord, DayRecord, NetworkRecord, Settings, Store};

/// A fresh store with two groups, two organizations and three networks.
pub async fn fixture() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("usage.db")).await.unwrap();
    populate(&store).await;
    (dir, store)
}

/// The settings, organizations and networks of [`fixture`], written into `store`.
pub async fn populate(store: &Store) {
    store
        .save_settings(
            &Settings {
                groups: "Corp=sub:10.0.0.0/8;Guest=vid:30".into(),
                filter: "dtype:mx".into(),
                time_zone_mode: usagestats_storage::TimeZoneMode::Network,
                source: usage_model::Source::Device,
            },
            &["Corp".to_string(), "Guest".to_string()],
        )
        .await
        .unwrap();
    store.upsert_organization("O_2", "Beta").await.unwrap();
    store.upsert_organization("O_1", "Acme").await.unwrap();
    for (id, org, name) in [
        ("N_1", "O_1", "Zeta site"),
        ("N_2", "O_1", "Alpha site"),
        ("N_3", "O_2", "Depot"),
    ] {
        store
            .upsert_network(&NetworkRecord {
                id: id.into(),
                organization_id: org.into(),
                name: name.into(),
                tags: vec!["branch".into()],
                time_zone: "Europe/Berlin".into(),
            })
            .await
            .unwrap();
    }
}

/// Traffic from thousandths of a kB.
pub fn t(up: i64, down: i64) -> Traffic {
    Traffic {
        up: Kb::from_millis(up),
        down: Kb::from_millis(down),
    }
}

/// A client row with fixed MAC, VLAN and VLAN name.
pub fn client(id: &str, ip: &str, group: Option<usize>, traffic: Traffic) -> ClientDayRecord {
    ClientDayRecord {
        client_id: id.into(),
        mac: Some(format!("00:11:22:33:44:{:02x}", id.len())),
        ip: Some(ip.into()),
        ip6: None,
        vlan: Some(10),
        named_vlan: Some("corp".into()),
        ssid: None,
        description: None,
        user: None,
        group,
        traffic,
        bound: Traffic::default(),
    }
}

/// A day whose group rows are the sums of its clients.
pub fn day(network: &str, d: Date, clients: Vec<ClientDayRecord>) -> DayRecord {
    let mut groups = vec![(0, Traffic::default()), (1, Traffic::default())];
    let mut unmatched = Traffic::default();
    for c in &clients {
        match c.group {
            Some(g) => groups[g].1 += c.traffic,
            None => unmatched += c.traffic,
        }
    }
    DayRecord {
        network_id: network.into(),
        day: d,
        source: usage_model::Source::Device,
        groups,
        unmatched,
        clients,
        bounds: vec![],
        unmatched_bound: Traffic::default(),
    }
}

/// A day of 2026.
pub fn d(m: i8, dd: i8) -> Date {
    date(2026, m, dd)
}
