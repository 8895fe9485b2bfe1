//! Fidelity against a client nobody here wrote: the official Meraki Python SDK (`pip install
//! meraki`) lists organizations, walks every page of networks and devices, reads device
//! clients, and rides out the simulator's 429s.
//!
//! The interpreter is `USAGESTATS_PYTHON` or `python3`; without `meraki` the test fails with
//! one line saying how to get it (`cargo xtask test` makes a Python environment that has it).

use std::collections::BTreeSet;
use std::process::Command;

use jiff::Timestamp;
use meraki_sim::{ProductType, SimConfig, WorldSize};
use serde_json::Value;

use crate::common::{get_ok, snapshot, start};

/// The SDK refuses absolute `Link` URLs outside Meraki's domains (an SSRF guard) and would
/// glue them onto its base URL; the script widens that allow-list to the loopback simulator
/// and changes nothing else.
const SCRIPT: &str = r#"
import json, sys, urllib.parse
import meraki
import meraki.session.base as session_base

base_url, api_key, t0, cache = sys.argv[1:5]
original = session_base.validate_base_url
def allow_loopback(self, url):
    if urllib.parse.urlparse(url).hostname == "127.0.0.1":
        return url
    return original(self, url)
session_base.validate_base_url = allow_loopback

dashboard = meraki.DashboardAPI(
    api_key=api_key,
    base_url=base_url,
    output_log=False,
    print_console=False,
    suppress_logging=True,
    maximum_retries=10,
    wait_on_rate_limit=True,
    caller="UsagestatsSimTest ExampleVendor",
    smart_flow_cache_path=cache,
)
out = {"sdk": meraki.__version__ if hasattr(meraki, "__version__") else "?", "orgs": [], "networks": {}, "devices": {}, "clients": {}}
for org in dashboard.organizations.getOrganizations():
    out["orgs"].append(org["id"])
    nets = dashboard.organizations.getOrganizationNetworks(org["id"], perPage=3, total_pages="all")
    out["networks"][org["id"]] = [n["id"] for n in nets]
    devs = dashboard.organizations.getOrganizationDevices(org["id"], perPage=3, total_pages="all")
    out["devices"][org["id"]] = [d["serial"] for d in devs]
    for d in devs:
        if d["model"].startswith("MX") or d["model"].startswith("Z"):
            out["clients"][d["serial"]] = dashboard.devices.getDeviceClients(d["serial"], t0=t0)
print(json.dumps(out))
"#;

/// The Python that runs the SDK: `USAGESTATS_PYTHON` (as for test-support's peers; `cargo
/// xtask test` points it at the environment it makes with `meraki` pinned) or `python3`. A
/// missing interpreter or package fails the test with what to do: it never skips.
fn sdk_python() -> String {
    const VARIABLE: &str = "USAGESTATS_PYTHON";
    let python = std::env::var(VARIABLE).unwrap_or_else(|_| "python3".into());
    let problem = match Command::new(&python).args(["-c", "import meraki"]).output() {
        Ok(out) if out.status.success() => return python,
        Ok(_) => "lacks it".to_string(),
        Err(e) => format!("does not start ({e})"),
    };
    let origin = match std::env::var_os(VARIABLE) {
        Some(_) => format!("{VARIABLE}={python}"),
        None => format!("{python} ({VARIABLE} unset)"),
    };
    panic!(
        "this test needs a Python with the official Meraki SDK (package meraki), and {origin} \
         {problem}: run `cargo xtask test`, which installs it (in target/test-python), or set \
         {VARIABLE} to a Python that has it"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdk_pages_reads_clients_and_survives_429() {
    // Before anything runs, so a missing SDK panics here, with its own message.
    let py = sdk_python();

    let now: Timestamp = "2026-05-04T09:30:00Z".parse().expect("ts");
    // 4 req/s with a 4-request bucket: the SDK's own pacing (9 req/s) is bound to hit 429s.
    let sim = start(
        SimConfig::default()
            .with_seed(11)
            .with_now(now)
            .with_size(WorldSize {
                orgs: 2,
                networks_per_org: 5,
                devices_per_network: 2,
                clients_per_network: 25,
            })
            .with_org_rate_limit(4.0, Some(4.0)),
    )
    .await;
    let t0 = "2026-05-01T00:00:00Z";
    let scratch = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(&py);
    cmd.arg("-c")
        .arg(SCRIPT)
        .arg(sim.base_url())
        .arg(sim.api_key())
        .arg(t0)
        .arg(scratch.path().join("smart-flow-cache.json"))
        .env("HOME", scratch.path())
        .env_remove("MERAKI_DASHBOARD_API_KEY");
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("python task")
        .expect("python runs");
    assert!(
        out.status.success(),
        "SDK script failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).expect("script prints JSON");

    let world = sim.world().clone();
    let orgs: Vec<String> = result["orgs"]
        .as_array()
        .expect("orgs")
        .iter()
        .map(|v| v.as_str().expect("id").to_string())
        .collect();
    let want: BTreeSet<String> = world.organizations.iter().map(|o| o.id.clone()).collect();
    assert_eq!(orgs.iter().cloned().collect::<BTreeSet<_>>(), want);
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|x| x.as_str().expect("string").to_string())
            .collect()
    };
    for org in &world.organizations {
        let nets = ids(&result["networks"][&org.id]);
        let want: BTreeSet<String> = org.networks.iter().map(|n| n.id.clone()).collect();
        assert_eq!(nets.len(), want.len(), "every page once");
        assert_eq!(nets.into_iter().collect::<BTreeSet<_>>(), want);
        let devs = ids(&result["devices"][&org.id]);
        let want: BTreeSet<String> = org
            .networks
            .iter()
            .flat_map(|n| n.devices.iter().map(|d| d.serial.clone()))
            .collect();
        assert!(want.len() > 3, "devices span several pages");
        assert_eq!(devs.len(), want.len(), "every page once");
        assert_eq!(devs.into_iter().collect::<BTreeSet<_>>(), want);
    }
    // The clients the SDK read are exactly what the simulator serves for that window.
    let appliances: Vec<String> = world
        .networks()
        .flat_map(|(_, n)| n.devices.iter())
        .filter(|d| d.product_type() == ProductType::Appliance)
        .map(|d| d.serial.clone())
        .collect();
    assert!(!appliances.is_empty());
    sim.set_rate_limits(None, None).expect("limits off");
    for serial in &appliances {
        let ours = get_ok(&sim, &format!("/devices/{serial}/clients?t0={t0}")).await;
        assert_eq!(
            snapshot(&result["clients"][serial]),
            snapshot(&ours),
            "{serial}"
        );
    }
    let counters = sim.counters();
    assert!(
        counters.rate_limited > 0,
        "the SDK was never rate limited: {counters:?}"
    );
    eprintln!(
        "python SDK {}: {} requests, {} answered 429 and retried",
        result["sdk"], counters.total, counters.rate_limited
    );
    sim.shutdown().await;
}
