//! `demo`: the whole job against the simulator, started in this process on loopback.

use std::path::PathBuf;

use anyhow::Context as _;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use meraki_client::{ApiKey, Client};
use meraki_sim::{ProductType, SimConfig, Simulator, Vlan, World, WorldSize};
use usage_model::{Groups, Period};

use crate::cli::GlobalArgs;
use crate::commands::report;
use crate::config;
use crate::error::UsageError;

/// Groups that exercise VLAN ids, VLAN names (resolved through each network's VLAN list, with
/// spaces and non-ASCII as the simulated world has them), IPv4 and IPv6 subnets, in the order
/// a real deployment would put them: the specific groups before the catch-all ones.
const DEMO_GROUPS: &str = "Voice=vid:20;\
    IoT & cameras=vid:40,vname:Cámaras;\
    Guests=vname:Guest Wi‑Fi,sub:192.168.0.0/16;\
    Corporate=vname:Corp Data,vid:100,sub:10.0.0.0/8;\
    IPv6=sub:::/0";

/// The VLANs the demo groups name (`vname:` rules), with the ids the simulator's VLAN pool
/// gives them.
const DEMO_VLAN_NAMES: [(u16, &str); 3] =
    [(10, "Corp Data"), (30, "Guest Wi‑Fi"), (200, "Cámaras")];

/// The demo's simulated world: a generated one, made consistent with the demo groups so that a
/// first `usagestats demo` prints no warning. A generated world is deliberately uneven (most
/// appliances have VLANs, some a single LAN; each VLAN list is a random pick), which is what a
/// real sync must cope with — and would make every sync warn about VLAN names some networks
/// lack. Here every network with an appliance has VLANs enabled, each with the three VLANs the
/// demo groups name: a single-LAN appliance's LAN becomes its Default VLAN 1 (its clients on
/// it), and a missing named VLAN is added with a subnet of its own and no clients, so the
/// traffic and its classification do not change.
fn demo_world(seed: u64) -> World {
    let mut world = World::generate(
        seed,
        &WorldSize {
            orgs: 3,
            networks_per_org: 4,
            devices_per_network: 1,
            clients_per_network: 170,
        },
    );
    for net in world
        .organizations
        .iter_mut()
        .flat_map(|o| o.networks.iter_mut())
    {
        if !net
            .devices
            .iter()
            .any(|d| d.product_type() == ProductType::Appliance)
        {
            continue;
        }
        let vlans = match &mut net.vlans {
            Some(vlans) => vlans,
            none => {
                // Meraki's default single LAN, now VLAN 1.
                let lan = net
                    .clients
                    .iter()
                    .find_map(|c| {
                        c.ip.as_deref()?
                            .rsplit_once('.')
                            .map(|(p, _)| p.to_string())
                    })
                    .unwrap_or_else(|| "192.168.128".to_string());
                for c in &mut net.clients {
                    c.vlan = Some(1);
                }
                none.insert(vec![Vlan {
                    id: 1,
                    name: "Default".to_string(),
                    subnet: format!("{lan}.0/24"),
                    appliance_ip: format!("{lan}.1"),
                    ipv6_prefix: None,
                }])
            }
        };
        // The network's own 10.x prefix where it has one, so added subnets look like its others.
        let prefix = vlans
            .iter()
            .find_map(|v| {
                let mut parts = v.subnet.split('.');
                (parts.next() == Some("10"))
                    .then(|| format!("10.{}", parts.next().unwrap_or("250")))
            })
            .unwrap_or_else(|| "10.250".to_string());
        for (id, name) in DEMO_VLAN_NAMES {
            if vlans.iter().any(|v| v.name == name) {
                continue;
            }
            let id = (id..4094)
                .find(|i| !vlans.iter().any(|v| v.id == *i))
                .unwrap_or(id);
            let third = id % 256;
            vlans.push(Vlan {
                id,
                name: name.to_string(),
                subnet: format!("{prefix}.{third}.0/24"),
                appliance_ip: format!("{prefix}.{third}.1"),
                ipv6_prefix: None,
            });
        }
        vlans.sort_by_key(|v| v.id);
    }
    world
}

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

/// Options that point at a real Dashboard, which the demo never contacts: refused rather than
/// ignored. A base URL that only comes from the environment (`USAGESTATS_BASE_URL`, set for
/// everyday use) is not the user asking the demo for something, so it is left alone.
fn refuse_account_options(g: &GlobalArgs) -> Result<(), UsageError> {
    let from_env = std::env::var("USAGESTATS_BASE_URL").ok();
    let base_url_flag = g.base_url.is_some() && g.base_url != from_env;
    let given: Vec<&str> = [
        (g.api_key.is_some(), "-k"),
        (g.api_key_file.is_some(), "--api-key-file"),
        (base_url_flag, "--base-url"),
    ]
    .into_iter()
    .filter_map(|(given, name)| given.then_some(name))
    .collect();
    if given.is_empty() {
        return Ok(());
    }
    Err(UsageError::new(format!(
        "the demo runs against its built-in simulator and needs no account: drop {}",
        given.join(" and ")
    )))
}

/// Runs the demo: simulator frozen at `--now` (or the current time), sync of `days` days, and
/// a report of a period the sync covered completely.
///
/// `-g`, `-f`, `--timezone` and `-i` configure the demo database exactly as they configure a
/// new database (the demo's own groups are the default instead of `Overall`); `--format`, `-o`
/// and the e-mail options deliver the report as for `report`.
pub async fn run(g: &GlobalArgs, days: u32, seed: u64) -> anyhow::Result<()> {
    refuse_account_options(g)?;
    let now = config::now(g)?;
    let init = config::read_init_file(g)?;
    let mut settings = config::new_config(g, init.as_ref())?;
    if g.groups.is_none() && init.as_ref().and_then(|i| i.groups.as_ref()).is_none() {
        settings.groups =
            Groups::parse(DEMO_GROUPS).map_err(|e| anyhow::anyhow!("demo groups: {e}"))?;
    }
    config::check_source(&settings)?;
    // Checked before the simulator starts: a bad e-mail option should not cost a sync.
    let delivery = report::Delivery::from_args(g)?;
    let keep = g
        .database
        .clone()
        .or_else(|| init.as_ref()?.database.as_deref().map(PathBuf::from));

    let world = demo_world(seed);
    let zone = match &settings.timezone {
        Some(t) => Some(config::parse_timezone(t)?),
        None => None,
    };
    let lookback = lookback_covering(&world, zone.as_ref(), now, days);
    let sim_config = SimConfig::default()
        .with_seed(seed)
        .with_world(world)
        // A frozen clock: the sync, the simulated traffic and the report all agree on "now",
        // and `--now` reproduces a report for any date.
        .with_now(now);
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

    let (path, _cleanup) = match &keep {
        Some(p)
            if p.to_str()
                .is_some_and(|t| storage::Location::parse(t).is_ok_and(|l| l.is_postgres())) =>
        {
            return Err(UsageError::new(
                "the demo writes a new SQLite file; give -d a file name (copy it into \
                 PostgreSQL afterwards with copy-db)",
            )
            .into());
        }
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
    report::refuse_database_as_output(g, &path)?;
    let store = storage::Store::open(&path)
        .await
        .with_context(|| format!("creating the demo database {}", path.display()))?;
    let result = async {
        crate::commands::store::save(&store, &settings).await?;
        store
            .mark_demo()
            .await
            .context("marking the demo database")?;
        crate::commands::sync::run(
            g,
            &client,
            &store,
            &settings,
            usage_sync::Clock::fixed(now),
            lookback,
        )
        .await?;
        if keep.is_some() {
            eprintln!("demo database kept in {}", path.display());
        }
        let Some(synced) = usage_sync::fully_synced_span(&store)
            .await
            .context("reading the synced days")?
        else {
            // A filter that selects nothing stopped the sync already, and the look-back covers
            // the zones' spread: only a sync that stored nothing gets here.
            anyhow::bail!("the demo's sync stored no day in every simulated network");
        };
        // The networks ahead synced a day or two more than the `days` every network has.
        let synced = newest_days(synced, days);
        let shown_now = now.round(jiff::Unit::Second).unwrap_or(now).to_string();
        let (period, title) = demo_period(
            synced,
            report::report_today(&settings, now),
            days,
            &shown_now,
        );
        report::run(
            &store,
            &settings,
            &period,
            &crate::cli::ReportOptions::default(),
            Some(title),
            now,
            &delivery,
        )
        .await
    }
    .await;
    store.close().await;
    sim.shutdown().await;
    result
}

/// How many days back to sync so that the `days` newest days over in *every* network are
/// synced everywhere. The networks' zones are up to 26 hours apart, so the newest day over
/// differs between them by up to two calendar days: a network ahead syncs those days too (no
/// more than the API's window allows, 30 days).
fn lookback_covering(world: &World, zone: Option<&TimeZone>, now: Timestamp, days: u32) -> u32 {
    let newest_over = |tz: TimeZone| now.to_zoned(tz).date().yesterday().ok();
    let newest: Vec<jiff::civil::Date> = world
        .networks()
        .filter_map(|(_, n)| match zone {
            Some(z) => newest_over(z.clone()),
            None => TimeZone::get(&n.time_zone).ok().and_then(newest_over),
        })
        .collect();
    let spread = match (newest.iter().min(), newest.iter().max()) {
        (Some(first), Some(last)) => first
            .until(*last)
            .map(|s| u32::try_from(s.get_days()).unwrap_or(0))
            .unwrap_or(0),
        _ => 0,
    };
    (days + spread).min(usage_model::DEFAULT_LOOKBACK_DAYS)
}

/// The newest `days` days of `synced`.
fn newest_days(synced: usage_model::DateRange, days: u32) -> usage_model::DateRange {
    let earliest = synced
        .end
        .checked_sub(jiff::Span::new().days(i64::from(days.max(1)) - 1))
        .unwrap_or(synced.start);
    usage_model::DateRange {
        start: synced.start.max(earliest),
        end: synced.end,
    }
}

/// The period the demo reports, and the title that says which: the last complete week when
/// every network has all of its days, else every day the sync stored everywhere.
fn demo_period(
    synced: usage_model::DateRange,
    today: jiff::civil::Date,
    days: u32,
    now: &str,
) -> (Period, String) {
    let week = Period::LastWeek.resolve(today);
    if synced.start <= week.start && week.end <= synced.end {
        (
            Period::LastWeek,
            format!("Demo (simulated clock {now}): last complete week, from {days} synced days"),
        )
    } else {
        (
            Period::Range {
                start: synced.start,
                end: synced.end,
            },
            format!(
                "Demo (simulated clock {now}): the synced days {} to {}; {}",
                synced.start,
                synced.end,
                if synced.start > week.start {
                    format!(
                        "--days {days} does not reach back to last week's Monday {}",
                        week.start
                    )
                } else {
                    format!(
                        "last week's Sunday {} is not over yet in every simulated network's time zone",
                        week.end
                    )
                }
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use jiff::ToSpan;
    use jiff::civil::date;
    use usage_model::DateRange;

    use super::*;

    /// At every half hour of a day, syncing the look-back covers, in every zone from UTC−12 to
    /// UTC+14, the `days` days up to the newest one over everywhere; the report keeps those.
    #[test]
    fn the_look_back_covers_the_newest_days_over_in_every_zone() {
        let mut world = demo_world(1);
        let zones = [
            "Etc/GMT+12",
            "America/Los_Angeles",
            "UTC",
            "Asia/Kolkata",
            "Pacific/Kiritimati",
        ];
        for (i, net) in world
            .organizations
            .iter_mut()
            .flat_map(|o| o.networks.iter_mut())
            .enumerate()
        {
            net.time_zone = zones[i % zones.len()].to_string();
        }
        let midnight: Timestamp = "2026-11-29T00:00:00Z".parse().unwrap();
        for step in 0..48_i64 {
            let now = midnight.checked_add((step * 30).minutes()).unwrap();
            let newest: Vec<_> = zones
                .iter()
                .map(|z| {
                    now.to_zoned(TimeZone::get(z).unwrap())
                        .date()
                        .yesterday()
                        .unwrap()
                })
                .collect();
            let common = *newest.iter().min().unwrap();
            for days in [1_u32, 2, 7] {
                let lookback = lookback_covering(&world, None, now, days);
                // Each network syncs `lookback` days back from its own newest day over.
                let starts = newest
                    .iter()
                    .map(|n| n.checked_sub(i64::from(lookback - 1).days()).unwrap());
                let synced = DateRange {
                    start: starts.max().unwrap(),
                    end: common,
                };
                let shown = newest_days(synced, days);
                assert_eq!(shown.end, common, "{now}");
                assert_eq!(
                    shown.start,
                    common.checked_sub(i64::from(days - 1).days()).unwrap(),
                    "{now}, --days {days}: look-back {lookback}"
                );
            }
            assert_eq!(lookback_covering(&world, Some(&TimeZone::UTC), now, 1), 1);
            assert_eq!(lookback_covering(&world, None, now, 30), 30);
        }
    }

    /// For every weekday and every look-back, the chosen period lies inside the synced days,
    /// and it is last week exactly when the synced days cover last week.
    #[test]
    fn demo_period_is_always_inside_the_synced_days() {
        // 2026-11-23 is a Monday; 14 consecutive days cover every weekday twice and a month end.
        for offset in 0..14 {
            let today = date(2026, 11, 23).checked_add(offset.days()).unwrap();
            for days in 1..=30_i64 {
                let synced = DateRange {
                    start: today.checked_sub(days.days()).unwrap(),
                    end: today.yesterday().unwrap(),
                };
                let (period, title) = demo_period(synced, today, days as u32, "now");
                let range = period.resolve(today);
                assert!(synced.start <= range.start && range.end <= synced.end);
                let week = Period::LastWeek.resolve(today);
                let covers = synced.start <= week.start && week.end <= synced.end;
                assert_eq!(period == Period::LastWeek, covers, "{today} {days}");
                assert_eq!(title.contains("last complete week"), covers);
                assert_eq!(title.contains("--days"), !covers);
            }
        }
    }
}
