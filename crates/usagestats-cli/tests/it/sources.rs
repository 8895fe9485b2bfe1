//! `--source device|network` and `ssid:` groups through the binary: stored at creation,
//! changed by reconfigure for later days only, refused where they cannot apply (exit 2, one
//! line), the hint after a sync that reads every device of a campus, reports of mixed periods.

use std::path::Path;
use std::process::Command;

use jiff::ToSpan;
use meraki_sim::{CampusSize, SimConfig, World};
use test_support::truth::expected_from;
use usage_model::{Filter, Groups, Source};

use crate::harness::*;

/// Three networks of 1 MX + 10 MR + 2 MS; the key is the manual's `1234`.
fn campus() -> SimConfig {
    let world = World::generate_campus(
        5,
        &CampusSize {
            orgs: 1,
            networks_per_org: 3,
            access_points: 10,
            switches: 2,
            clients_per_network: 50,
        },
    );
    let mut cfg = SimConfig::default().with_world(world).with_now(now());
    cfg.api_key = "1234".to_string();
    cfg
}

const SSID_GROUPS: &str = "Guests=ssid:Guest Wi‑Fi;Staff=ssid:0;Wired=sub:10.0.0.0/8";

fn dump(sim: &Sim, dir: &Path, db: &str) -> String {
    let out = run(sim.cmd(dir).args(["-d", db, "dump"]));
    assert_eq!(out.status.code(), Some(0));
    stdout(&out)
}

#[test]
fn the_network_source_syncs_ssid_groups_exactly_with_one_list_per_network() {
    let sim = Sim::start(campus());
    let dir = tempdir();
    let out = run(sim.cmd(dir.path()).args([
        "-k",
        "1234",
        "-d",
        "campus.db",
        "--source",
        "network",
        "-g",
        SSID_GROUPS,
        "-v",
        "sync",
    ]));
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("3 networks, network client lists;"), "{err}");
    assert!(!err.contains("hint:"), "{err}");

    let groups = Groups::parse(SSID_GROUPS).expect("groups");
    let filter = Filter::default();
    let now = sim.handle().now();
    let want = expected_from(sim.handle(), &groups, &filter, Source::Network, &|tz| {
        expected_days(now, tz, 30)
    });
    let (first, last) = day_span(&want);
    assert_tables_match(
        &want,
        &sim.stored(&dir.path().join("campus.db"), first, last),
    );
    assert!(want.keys().any(|k| k.2 == Some(0)) && want.keys().any(|k| k.2 == Some(1)));
    // Discovery (3 calls), one SSID list per network (for ssid:0), then per network the
    // boundaries and the two bound reads, one page each; never a device's list.
    let counters = sim.handle().counters();
    let per_network: u64 = selected_networks(sim.handle(), &filter)
        .iter()
        .map(|id| {
            let net = sim.handle().world().network(id).expect("network");
            let tz = jiff::tz::TimeZone::get(&net.time_zone).expect("zone");
            expected_days(now, &tz, 30).len() as u64 + 1 + 2
        })
        .sum();
    assert_eq!(counters.total, 3 + 3 + per_network);
    assert_eq!(device_client_calls(sim.handle()), 0);

    let text = dump(&sim, dir.path(), "campus.db");
    assert!(
        text.contains(", \"network\")"),
        "the settings say network: {text}"
    );
    assert!(
        text.contains("\"sync\", \"network\")"),
        "days read per network: {text}"
    );
}

#[test]
fn sources_that_cannot_apply_are_one_line_usage_errors_and_create_nothing() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("ssid.ini"),
        "[GROUPS]\ngroupname=Visitors\nssid=Guest Wi-Fi\n",
    )
    .expect("init file");
    std::fs::write(
        dir.path().join("mx.ini"),
        "[OPTIONS]\nfilter=tag:campus, dtype:mx\n",
    )
    .expect("init file");
    let cases: [(&[&str], &str); 6] = [
        (
            &["--source", "network", "-i", "mx.ini"],
            "remove dtype:mx from the filter",
        ),
        (
            &["--source", "network", "-f", "org:Acme,dtype:all"],
            "remove dtype:all from the filter",
        ),
        (
            &["--source", "network", "-f", "dtag:core"],
            "remove dtag:core from the filter",
        ),
        // Even the default device type, when written, is a device filter.
        (
            &["--source", "network", "-f", "dtype:mx"],
            "remove dtype:mx from the filter",
        ),
        (
            &["-g", "Visitors=ssid:Guest Wi-Fi"],
            "ssid: rules need --source network",
        ),
        (&["-i", "ssid.ini"], "ssid: rules need --source network"),
    ];
    for (args, needle) in cases {
        let out = run(Command::new(env!("CARGO_BIN_EXE_usagestats"))
            .current_dir(dir.path())
            .env("MERAKI_DASHBOARD_API_KEY", "1234")
            .env_remove("RUST_LOG")
            .args(["-d", "new.db"])
            .args(args)
            .arg("sync"));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("usagestats: error: "), "{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!dir.path().join("new.db").exists());
    }
    let out = run(Command::new(env!("CARGO_BIN_EXE_usagestats")).args([
        "-d",
        "x.db",
        "--source",
        "satellite",
        "sync",
    ]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn reading_every_device_of_a_campus_prints_one_hint_with_both_call_counts() {
    let sim = Sim::start(campus());
    let dir = tempdir();
    let out =
        run(sim
            .cmd(dir.path())
            .args(["-k", "1234", "-d", "all.db", "-f", "dtype:all", "sync"]));
    assert_eq!(out.status.code(), Some(0));
    let filter = Filter::parse("dtype:all").expect("filter");
    // Every call the sync made: discovery (3) and each device's reads; the network source
    // needs the same discovery and one list per network instead of 13 devices' reads.
    let reads = minimal_snapshot_calls(sim.handle(), &filter);
    let device = 3 + reads;
    assert_eq!(device, sim.handle().counters().total);
    let network = 3 + reads / 13;
    let hints: Vec<String> = stderr(&out)
        .lines()
        .filter(|l| l.contains("hint:"))
        .map(str::to_string)
        .collect();
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert!(
        hints[0].contains(&format!(
            "hint: this sync read 39 devices in 3 networks with {device} calls; reading each \
             network's client list instead (--source network, set with reconfigure) would take \
             about {network} and count every client once"
        )),
        "{}",
        hints[0]
    );
    // Nothing left to sync: no calls to compare, no hint. Appliances alone: no hint either.
    let again = run(sim
        .cmd(dir.path())
        .args(["-k", "1234", "-d", "all.db", "sync"]));
    assert!(!stderr(&again).contains("hint:"), "{}", stderr(&again));
    let mx = run(sim
        .cmd(dir.path())
        .args(["-k", "1234", "-d", "mx.db", "sync"]));
    assert_eq!(mx.status.code(), Some(0));
    assert!(!stderr(&mx).contains("hint:"));
}

#[test]
fn reconfigure_to_the_network_source_changes_later_days_and_reports_say_the_period_mixes() {
    let sim = Sim::start(campus());
    let dir = tempdir();
    let earlier = now().checked_sub(240.hours()).expect("time");
    sim.handle().set_now(earlier);
    let out =
        run(sim
            .cmd(dir.path())
            .args(["-k", "1234", "-d", "mixed.db", "-f", "dtype:all", "sync"]));
    assert_eq!(out.status.code(), Some(0));
    sim.handle().set_now(now());

    // Keeping dtype:all is refused for the network source; dropping it works.
    let refused = run(sim.cmd(dir.path()).args([
        "-d",
        "mixed.db",
        "-f",
        "dtype:all",
        "--source",
        "network",
        "reconfigure",
    ]));
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("dtype:all"));
    let out = run(sim.cmd(dir.path()).args([
        "-d",
        "mixed.db",
        "-g",
        SSID_GROUPS,
        "--source",
        "network",
        "reconfigure",
    ]));
    assert_eq!(out.status.code(), Some(0));
    // A reconfigure without --source keeps the stored source (ssid: groups stay valid).
    let out = run(sim
        .cmd(dir.path())
        .args(["-d", "mixed.db", "-g", SSID_GROUPS, "reconfigure"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(sim
        .cmd(dir.path())
        .args(["-k", "1234", "-d", "mixed.db", "sync"]));
    assert_eq!(out.status.code(), Some(0));

    let db = dir.path().join("mixed.db");
    let (old_days, new_days) = sim.rt.block_on(async {
        let store = storage::Store::open_existing(&db).await.expect("db");
        let start = now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .checked_sub(45.days())
            .expect("day");
        let old = store
            .report_sources(start, start.checked_add(20.days()).expect("day"))
            .await
            .expect("sources");
        let all = store
            .report_sources(start, start.checked_add(45.days()).expect("day"))
            .await
            .expect("sources");
        store.close().await;
        (old, all)
    });
    assert_eq!(
        old_days.len(),
        1,
        "older days stay device days: {old_days:?}"
    );
    assert_eq!(old_days[0].0, Source::Device);
    assert_eq!(new_days.len(), 2, "{new_days:?}");
    assert_eq!(
        new_days[1],
        (Source::Network, 30),
        "ten new days × three networks"
    );

    let out = run(sim
        .cmd(dir.path())
        .args(["-d", "mixed.db", "report", "30", "--offline"]));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("Note: this period mixes sources: "),
        "{}",
        stdout(&out)
    );
    let out = run(sim.cmd(dir.path()).args([
        "-d",
        "mixed.db",
        "report",
        "30",
        "--offline",
        "--format",
        "json",
    ]));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(json["mixed_sources"], serde_json::json!(true));
    // The last five days were all read per network.
    let out = run(sim
        .cmd(dir.path())
        .args(["-d", "mixed.db", "report", "5", "--offline"]));
    assert!(!stdout(&out).contains("mixes sources"), "{}", stdout(&out));
}

/// A campus read at 600 times real time: traffic flows while devices are read, so some are
/// read again to tighten their bound. Returns the sync's output and the simulator.
fn moving_campus_sync(dir: &Path) -> (Sim, std::process::Output) {
    let sim = Sim::start(campus().with_clock_rate(600.0));
    let out = run(sim.cmd(dir).args([
        "-v",
        "-k",
        "1234",
        "-d",
        "all.db",
        "-f",
        "dtype:all",
        "sync",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (sim, out)
}

/// The sync's summary line (printed at -v).
fn summary_line(out: &std::process::Output) -> String {
    let err = stderr(out);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("sync complete:"))
        .collect();
    assert_eq!(lines.len(), 1, "{err}");
    lines[0].to_string()
}

/// The hint's count is every call the sync made — the re-reads that tighten a device's bound
/// included — so it agrees with what the Dashboard counted.
#[test]
fn the_hint_counts_every_call_the_sync_made_re_reads_included() {
    let dir = tempdir();
    let (sim, out) = moving_campus_sync(dir.path());
    let served = sim.handle().counters();
    let answered = served.by_status.get(&200).copied().unwrap_or(0);
    assert_eq!(answered, served.total, "no call failed or was retried");
    let err = stderr(&out);
    let hint = err
        .lines()
        .find(|l| l.contains("hint:"))
        .unwrap_or_else(|| panic!("a hint: {err}"));
    let calls: u64 = hint
        .split(" with ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a call count in {hint}"));
    eprintln!("{}", summary_line(&out));
    assert_eq!(calls, answered, "{hint}");
}

/// Under a moving clock the two reads of a day are moments apart, so a client's later
/// cumulative read can exceed the earlier one by what flowed in between: a difference within
/// the stored bound, not a counter reset, and the summary calls it that.
#[test]
fn a_moving_clock_reports_its_clamped_differences_as_such_not_as_counter_resets() {
    let dir = tempdir();
    let (_sim, out) = moving_campus_sync(dir.path());
    let line = summary_line(&out);
    assert!(line.contains("; 0 counter resets"), "{line}");
    assert!(!line.contains("anomal"), "{line}");
}

/// An `ssid:` rule naming an SSID no network read has — an ASCII hyphen where the SSID has a
/// non-breaking one — matches nothing: said once after the sync, with the SSID it resembles.
#[test]
fn an_ssid_rule_no_network_has_is_named_with_the_nearest_ssid() {
    let sim = Sim::start(campus());
    let dir = tempdir();
    let real = sim
        .handle()
        .world()
        .networks()
        .flat_map(|(_, n)| n.ssids.iter().map(|s| s.name.clone()))
        .find(|name| name.contains('\u{2011}'))
        .expect("an SSID named with a non-breaking hyphen");
    let typed = real.replace('\u{2011}', "-");
    let groups = format!("Visitors=ssid:{typed};Wired=sub:10.0.0.0/8");
    let out = run(sim.cmd(dir.path()).args([
        "-k", "1234", "-d", "ssid.db", "--source", "network", "-g", &groups, "sync",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains(&format!("ssid:{typed}")))
        .collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].contains("WARN")
            && lines[0].contains("\"Visitors\"")
            && lines[0].contains(&format!("did you mean {real:?}"))
            && lines[0].contains("U+2011"),
        "{err}"
    );
    // Spelled as the SSID is, the rule matches: no such line.
    let groups = format!("Visitors=ssid:{real};Wired=sub:10.0.0.0/8");
    let out = run(sim.cmd(dir.path()).args([
        "-k", "1234", "-d", "exact.db", "--source", "network", "-g", &groups, "sync",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("ssid:"), "{}", stderr(&out));
}
