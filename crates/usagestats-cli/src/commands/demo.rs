//! `demo`: the whole job against the simulator, started in this process on loopback.

use std::path::PathBuf;

use anyhow::Context as _;
use meraki_client::{ApiKey, Client};
use meraki_sim::{SimConfig, Simulator, WorldSize};
use usage_model::{Filter, Groups, Period};

use crate::cli::GlobalArgs;
use crate::commands::report;
use crate::config::DbConfig;
use crate::error::UsageError;

/// Groups that exercise VLAN ids, VLAN names (resolved through each network's VLAN list, with
/// spaces and non-ASCII as the simulated world has them), IPv4 and IPv6 subnets, in the order
/// a real deployment would put them: the specific groups before the catch-all ones.
const DEMO_GROUPS: &str = "Voice=vid:20;\
    IoT & cameras=vid:40,vname:Cámaras;\
    Guests=vname:Guest Wi‑Fi,sub:192.168.0.0/16;\
    Corporate=vname:Corp Data,vid:100,sub:10.0.0.0/8;\
    IPv6=sub:::/0";

/// Removes the temporary demo database when the demo ends.
struct TempDb(PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
}

/// Runs the demo: simulator, sync of `days` days, last-week report.
pub async fn run(g: &GlobalArgs, days: u32, seed: u64) -> anyhow::Result<()> {
    let sim_config = SimConfig::default().with_seed(seed).with_size(WorldSize {
        orgs: 3,
        networks_per_org: 4,
        devices_per_network: 1,
        clients_per_network: 170,
    });
    let sim = Simulator::start(sim_config)
        .await
        .context("starting the built-in simulator")?;
    let client = Client::builder()
        .api_key(ApiKey::new(sim.api_key()))
        .base_url(&sim.base_url())
        .context("simulator URL")?
        // The simulator enforces no limit in the demo; pace well above Meraki's budget so the
        // demo takes seconds.
        .org_rate_limit(500.0)
        .global_rate_limit(2000.0)
        .build()
        .context("building the API client")?;

    let (path, _cleanup) = match &g.database {
        Some(p) => {
            if p.exists() {
                return Err(UsageError::new(format!(
                    "{} already exists; the demo writes a new database (choose another -d or none)",
                    p.display()
                ))
                .into());
            }
            (p.clone(), None)
        }
        None => {
            let p = std::env::temp_dir().join(format!(
                "usagestats-demo-{}-{}.sqlite",
                std::process::id(),
                jiff::Timestamp::now().as_millisecond()
            ));
            (p.clone(), Some(TempDb(p)))
        }
    };
    let store = storage::Store::open(&path)
        .await
        .with_context(|| format!("creating the demo database {}", path.display()))?;
    let groups = Groups::parse(DEMO_GROUPS).map_err(|e| anyhow::anyhow!("demo groups: {e}"))?;
    let settings = DbConfig {
        groups,
        filter: Filter::default(),
        timezone: None,
    };
    crate::commands::store::save(&store, &settings).await?;

    let now = jiff::Timestamp::now();
    crate::commands::sync::run(g, &client, &store, &settings, now, days).await?;
    if g.database.is_some() {
        eprintln!("demo database kept in {}", path.display());
    }
    let delivery = report::Delivery::from_args(g)?;
    report::run(&store, &settings, &Period::LastWeek, now, &delivery).await?;
    sim.shutdown().await;
    Ok(())
}
