//! A simulator running on a runtime owned by the test, and helpers to run the binary at it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use meraki_sim::{SimConfig, SimHandle, Simulator};
pub use test_support::truth::{
    Table, assert_tables_match, day_span, device_client_calls, expected_days, now,
};
use usage_model::{Filter, Groups};

pub struct Sim {
    pub rt: tokio::runtime::Runtime,
    handle: Option<SimHandle>,
}

impl Sim {
    pub fn start(cfg: SimConfig) -> Sim {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let handle = rt
            .block_on(Simulator::start(cfg))
            .expect("simulator starts");
        Sim {
            rt,
            handle: Some(handle),
        }
    }

    pub fn handle(&self) -> &SimHandle {
        self.handle.as_ref().expect("running")
    }

    /// The binary, pointed at the simulator through the environment so command lines stay
    /// exactly as the manual writes them.
    pub fn cmd(&self, dir: &Path) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_usagestats"));
        c.current_dir(dir)
            .env("USAGESTATS_BASE_URL", self.handle().base_url())
            .env("USAGESTATS_NOW", self.handle().now().to_string())
            .env("USAGESTATS_ORG_RATE", "1000")
            .env("TZ", "UTC")
            .env_remove("MERAKI_DASHBOARD_API_KEY")
            .env_remove("USAGESTATS_SMTP_PASSWORD")
            .env_remove("RUST_LOG");
        c
    }

    pub fn store(&self, path: &Path) -> storage::Store {
        self.rt
            .block_on(storage::Store::open_existing(path))
            .expect("database opens")
    }

    pub fn stored(&self, path: &Path, first: Date, last: Date) -> Table {
        let store = self.store(path);
        self.rt.block_on(async {
            let table = test_support::truth::stored(&store, first, last).await;
            store.close().await;
            table
        })
    }

    pub fn complete_days(&self, path: &Path) -> BTreeMap<String, usize> {
        let store = self.store(path);
        self.rt.block_on(async {
            let mut out = BTreeMap::new();
            for n in store.networks().await.expect("networks") {
                let days = store.complete_days(&n.id).await.expect("days");
                out.insert(n.id, days.len());
            }
            store.close().await;
            out
        })
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

/// Runs and returns the output; prints it when the test fails later.
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("binary runs");
    eprintln!(
        "--- {:?}\nexit {:?}\nstdout:\n{}\nstderr:\n{}",
        cmd.get_args().collect::<Vec<_>>(),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Per selected network, how many days a 30-day sync at the simulator's now stores.
pub fn expected_day_counts(sim: &SimHandle, filter: &Filter) -> BTreeMap<String, usize> {
    sim.world()
        .networks()
        .filter(|(org, net)| {
            net.devices
                .iter()
                .any(|d| filter.selects_device(&org.name, &net.name, &net.tags, &d.model, &d.tags))
        })
        .map(|(_, n)| {
            let tz = TimeZone::get(&n.time_zone).expect("zone");
            (n.id.clone(), expected_days(sim.now(), &tz, 30).len())
        })
        .collect()
}

/// Ground truth of the last 30 days for what `filter` selects, classified into `groups`.
pub fn expected(sim: &SimHandle, groups: &Groups, filter: &Filter) -> Table {
    test_support::truth::expected(sim, groups, filter, &|tz| expected_days(sim.now(), tz, 30))
}

/// Selected network ids under `filter`.
pub fn selected_networks(sim: &SimHandle, filter: &Filter) -> Vec<String> {
    sim.world()
        .networks()
        .filter(|(org, net)| {
            net.devices
                .iter()
                .any(|d| filter.selects_device(&org.name, &net.name, &net.tags, &d.model, &d.tags))
        })
        .map(|(_, n)| n.id.clone())
        .collect()
}

/// Snapshot calls a first 30-day sync makes: days + 1 per selected device of each network, plus
/// the two reads of the newest boundary that measure each device's error bound.
pub fn minimal_snapshot_calls(sim: &SimHandle, filter: &Filter) -> u64 {
    sim.world()
        .networks()
        .map(|(org, net)| {
            let devices = net
                .devices
                .iter()
                .filter(|d| {
                    filter.selects_device(&org.name, &net.name, &net.tags, &d.model, &d.tags)
                })
                .count() as u64;
            if devices == 0 {
                return 0;
            }
            let tz = TimeZone::get(&net.time_zone).expect("zone");
            (expected_days(sim.now(), &tz, 30).len() as u64 + 1 + 2) * devices
        })
        .sum()
}

/// A small world with the manual's key `1234`.
pub fn small_sim() -> Sim {
    let mut cfg = SimConfig {
        orgs: 1,
        networks_per_org: 2,
        devices_per_network: 1,
        clients_per_network: 12,
        ..SimConfig::default()
    }
    .with_now(now());
    cfg.api_key = "1234".into();
    Sim::start(cfg)
}

/// `sim.cmd` with the key in the environment.
pub fn keyed(sim: &Sim, dir: &Path) -> Command {
    let mut c = sim.cmd(dir);
    c.env("MERAKI_DASHBOARD_API_KEY", "1234");
    c
}

/// Syncs `name` in `dir` and checks it worked.
pub fn synced(sim: &Sim, dir: &Path, name: &str) {
    let out = run(keyed(sim, dir).args(["-d", name, "sync"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// `runuser -u nobody --` in front of the binary when the tests run as root (CI does), so the
/// directory's permissions apply.
pub fn as_unprivileged(template: Command) -> Command {
    let uid = Command::new("id").arg("-u").output().expect("id -u");
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return template;
    }
    let mut c = Command::new("runuser");
    c.args(["-u", "nobody", "--"]).arg(template.get_program());
    c.args(template.get_args());
    if let Some(dir) = template.get_current_dir() {
        c.current_dir(dir);
    }
    for (k, v) in template.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c
}

pub fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The only line on standard error, which must be a `usagestats: error:` line.
pub fn one_error_line(out: &Output) -> String {
    let err = stderr(out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("usagestats: error: "), "{err}");
    lines[0].to_string()
}
