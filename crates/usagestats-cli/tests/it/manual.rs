//! Every example command of docs/manual.md that talks to the Dashboard, run verbatim against
//! the simulator (the base URL comes from USAGESTATS_BASE_URL, the key is the manual's `1234`).

use std::path::Path;

use meraki_sim::{SimConfig, World, WorldSize};
use usage_model::{Filter, Groups};

use crate::harness::*;

/// A world shaped for the manual's examples: an organization "Meraki Inc" with a device
/// tagged `core-switch`, VLANs named `contractors`.
fn manual_world() -> SimConfig {
    let mut world = World::generate(
        11,
        &WorldSize {
            orgs: 3,
            networks_per_org: 4,
            devices_per_network: 3,
            clients_per_network: 40,
        },
    );
    world.organizations[0].name = "Meraki Inc".to_string();
    let mut tagged = false;
    for org in &mut world.organizations {
        let is_meraki = org.name == "Meraki Inc";
        for net in &mut org.networks {
            if is_meraki
                && !tagged
                && let Some(sw) = net.devices.iter_mut().find(|d| d.model.starts_with("MS"))
            {
                sw.tags.push("core-switch".to_string());
                tagged = true;
            }
            let Some(vlans) = net.vlans.as_mut() else {
                continue;
            };
            let Some(v) = vlans.iter_mut().rev().find(|v| v.id != 1) else {
                continue;
            };
            let old = std::mem::replace(&mut v.name, "contractors".to_string());
            for c in &mut net.clients {
                if c.named_vlan.as_deref() == Some(old.as_str()) {
                    c.named_vlan = Some("contractors".to_string());
                }
                if let Some(m) = c.moves.as_mut()
                    && m.named_vlan.as_deref() == Some(old.as_str())
                {
                    m.named_vlan = Some("contractors".to_string());
                }
            }
        }
    }
    assert!(
        tagged,
        "the generated world has a switch in the first organization"
    );
    let mut cfg = SimConfig::default().with_world(world).with_now(now());
    cfg.api_key = "1234".to_string();
    cfg
}

fn check_exact(sim: &Sim, db: &Path, groups: &Groups, filter: &Filter) {
    let want = expected(sim.handle(), groups, filter);
    let (first, last) = day_span(&want);
    assert_tables_match(&want, &sim.stored(db, first, last));
    let days = sim.complete_days(db);
    for (net, n) in expected_day_counts(sim.handle(), filter) {
        assert_eq!(days.get(&net).copied(), Some(n), "network {net}");
    }
}

#[test]
fn default_command_syncs_then_reports_last_week() {
    let sim = Sim::start(manual_world());
    let dir = tempdir();
    let out = run(sim.cmd(dir.path()).args(["-k", "1234", "-d", "mydatabase"]));
    assert_eq!(out.status.code(), Some(0));
    // NOW is Tuesday 2026-04-07: the last complete week is Monday 03-30 to Sunday 04-05.
    assert!(
        stdout(&out).starts_with("Usage report: 2026-03-30 to 2026-04-05\n"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("Overall"));
    assert!(
        stderr(&out).contains("visible"),
        "warns that -k shows in the process list"
    );
    check_exact(
        &sim,
        &dir.path().join("mydatabase"),
        &Groups::overall_default(),
        &Filter::default(),
    );
}

#[test]
fn sync_command_prints_no_report() {
    let sim = Sim::start(manual_world());
    let dir = tempdir();
    let out = run(sim
        .cmd(dir.path())
        .args(["-k", "1234", "-d", "mydatabase", "-c", "sync"]));
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).is_empty());
    check_exact(
        &sim,
        &dir.path().join("mydatabase"),
        &Groups::overall_default(),
        &Filter::default(),
    );
}

#[test]
fn report_periods_of_the_manual() {
    let sim = Sim::start(manual_world());
    let dir = tempdir();
    for (command, header) in [
        ("report:10", "Usage report: 2026-03-28 to 2026-04-06\n"),
        (
            "report:last-week",
            "Usage report: 2026-03-30 to 2026-04-05\n",
        ),
        (
            "report:last-month",
            "Usage report: 2026-03-01 to 2026-03-31\n",
        ),
        (
            "report:2018-01-01 to 2018-02-10",
            "Usage report: 2018-01-01 to 2018-02-10\n",
        ),
    ] {
        let out = run(sim
            .cmd(dir.path())
            .args(["-k", "1234", "-d", "mydatabase", "-c", command]));
        assert_eq!(out.status.code(), Some(0), "{command}");
        assert!(
            stdout(&out).starts_with(header),
            "{command}: {}",
            stdout(&out)
        );
    }
    // Only the first report synced: the others found nothing missing.
    let calls_after_all = device_client_calls(sim.handle());
    assert_eq!(
        calls_after_all,
        minimal_snapshot_calls(sim.handle(), &Filter::default())
    );
    let out = run(sim.cmd(dir.path()).args([
        "-k",
        "1234",
        "-d",
        "mydatabase",
        "-c",
        "report:2018-01-01 to 2018-02-10",
    ]));
    assert_eq!(device_client_calls(sim.handle()), calls_after_all);
    // 2018 is long before the data: the report says which days are missing.
    assert!(
        stdout(&out).contains("WARNING: no data stored for some days of the period"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn dbdump_shows_the_stored_networks() {
    let sim = Sim::start(manual_world());
    let dir = tempdir();
    assert_eq!(
        run(sim
            .cmd(dir.path())
            .args(["-k", "1234", "-d", "mydatabase", "-c", "sync"]))
        .status
        .code(),
        Some(0)
    );
    let calls = sim.handle().counters().total;
    let out = run(sim
        .cmd(dir.path())
        .args(["-k", "1234", "-d", "mydatabase", "-c", "dbdump"]));
    assert_eq!(out.status.code(), Some(0));
    let dump = stdout(&out);
    for (_, net) in sim.handle().world().networks() {
        if selected_networks(sim.handle(), &Filter::default()).contains(&net.id) {
            assert!(dump.contains(&net.id), "dump lists network {}", net.id);
        }
    }
    assert_eq!(sim.handle().counters().total, calls, "dbdump does not sync");
}

#[test]
fn dbreconfigure_replaces_groups_from_an_init_file() {
    let sim = Sim::start(manual_world());
    let dir = tempdir();
    assert_eq!(
        run(sim
            .cmd(dir.path())
            .args(["-k", "1234", "-d", "mydatabase", "-c", "sync"]))
        .status
        .code(),
        Some(0)
    );
    std::fs::write(
        dir.path().join("new configuration.txt"),
        "#This is a comment line\n[GROUPS]\ngroupname=Corporate\nsubnet=10.0.0.0/8\n\ngroupname=Guest\nsubnet=192.168.0.0/16\n",
    )
    .expect("init file");
    let out = run(sim.cmd(dir.path()).args([
        "-k",
        "1234",
        "-d",
        "mydatabase",
        "-i",
        "new configuration.txt",
        "-c",
        "dbreconfigure",
    ]));
    assert_eq!(out.status.code(), Some(0));
    let out = run(sim
        .cmd(dir.path())
        .args(["-d", "mydatabase", "-c", "report-offline:last-week"]));
    assert_eq!(out.status.code(), Some(0));
    let report = stdout(&out);
    assert!(
        report.contains("Corporate") && report.contains("Guest"),
        "{report}"
    );
    assert!(!report.contains("Overall"), "{report}");
}

#[test]
fn groups_example_classifies_by_subnet_vlan_id_and_vlan_name() {
    let sim = Sim::start(manual_world());
    let dir = tempdir();
    let g = "Corporate=sub:10.10.0.0/16, vid:20; Contractors=vname:contractors";
    let out =
        run(sim
            .cmd(dir.path())
            .args(["-k", "1234", "-d", "mydatabase", "-g", g, "-c", "sync"]));
    assert_eq!(out.status.code(), Some(0));
    let groups = Groups::parse(g).expect("groups");
    let want = expected(sim.handle(), &groups, &Filter::default());
    assert!(
        want.keys().any(|k| k.2 == Some(1)),
        "contractors have traffic"
    );
    check_exact(
        &sim,
        &dir.path().join("mydatabase"),
        &groups,
        &Filter::default(),
    );
    let out = run(sim
        .cmd(dir.path())
        .args(["-d", "mydatabase", "-c", "report-offline:last-week"]));
    assert!(stdout(&out).contains("Contractors"));
}

#[test]
fn filter_example_reads_only_the_tagged_devices() {
    let sim = Sim::start(manual_world());
    let dir = tempdir();
    let f = "org:Meraki Inc,dtype:all,dtag:core-switch";
    let out =
        run(sim
            .cmd(dir.path())
            .args(["-k", "1234", "-d", "mydatabase", "-f", f, "-c", "sync"]));
    assert_eq!(out.status.code(), Some(0));
    let filter = Filter::parse(f).expect("filter");
    let selected = selected_networks(sim.handle(), &filter);
    assert_eq!(selected.len(), 1);
    let days = sim.complete_days(&dir.path().join("mydatabase"));
    assert_eq!(days.keys().cloned().collect::<Vec<_>>(), selected);
    check_exact(
        &sim,
        &dir.path().join("mydatabase"),
        &Groups::overall_default(),
        &filter,
    );
}

#[test]
fn modern_forms_and_formats() {
    let sim = Sim::start(manual_world());
    let dir = tempdir();
    let mut c = sim.cmd(dir.path());
    c.env("MERAKI_DASHBOARD_API_KEY", "1234");
    let out = run(c.args(["-d", "mydatabase", "sync"]));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !stderr(&out).contains("visible"),
        "no -k warning with the env var"
    );
    let out = run(sim.cmd(dir.path()).args([
        "report",
        "last-month",
        "--offline",
        "--format",
        "json",
        "-d",
        "mydatabase",
    ]));
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    assert!(json.is_object());
    let out = run(sim.cmd(dir.path()).args([
        "-d",
        "mydatabase",
        "report",
        "30",
        "--offline",
        "--format",
        "csv",
        "-o",
        "last30.csv",
    ]));
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).is_empty());
    let csv = std::fs::read_to_string(dir.path().join("last30.csv")).expect("csv written");
    assert!(csv.lines().count() > 1);
    let out = run(sim.cmd(dir.path()).args([
        "-d",
        "mydatabase",
        "report",
        "last-month",
        "--offline",
        "--format",
        "html",
        "-o",
        "usage.html",
    ]));
    assert_eq!(out.status.code(), Some(0));
    let html = std::fs::read_to_string(dir.path().join("usage.html")).expect("html written");
    assert!(
        html.contains("<html") && html.contains("2026-03-01"),
        "{html}"
    );
    let out = run(sim.cmd(dir.path()).args(["-d", "mydatabase", "dump"]));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn reconfigure_reclassify_recomputes_history() {
    let sim = Sim::start(manual_world());
    let dir = tempdir();
    let db = dir.path().join("mydatabase");
    assert_eq!(
        run(sim
            .cmd(dir.path())
            .args(["-k", "1234", "-d", "mydatabase", "-c", "sync"]))
        .status
        .code(),
        Some(0)
    );
    let groups = "Corporate=sub:10.10.0.0/16, vid:20; Contractors=vname:contractors";
    // Without a key, VLAN names resolve only through names recorded with clients: warned.
    let offline = dir.path().join("offline");
    std::fs::copy(&db, &offline).expect("copy");
    let out = run(sim.cmd(dir.path()).args([
        "-d",
        "offline",
        "-g",
        groups,
        "reconfigure",
        "--reclassify",
    ]));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("reclassifying offline"),
        "{}",
        stderr(&out)
    );
    // With the key (environment), VLAN lists are fetched and history is exact.
    let mut c = sim.cmd(dir.path());
    c.env("MERAKI_DASHBOARD_API_KEY", "1234");
    let out = run(c.args([
        "-d",
        "mydatabase",
        "-g",
        groups,
        "reconfigure",
        "--reclassify",
    ]));
    assert_eq!(out.status.code(), Some(0));
    // History now follows the new groups, as if they had been used from the start.
    let groups = Groups::parse(groups).expect("groups");
    let want = expected(sim.handle(), &groups, &Filter::default());
    let (first, last) = day_span(&want);
    assert_tables_match(&want, &sim.stored(&db, first, last));
}

#[test]
fn reconfigure_without_reclassify_reports_removed_groups_apart_from_unmatched() {
    let sim = Sim::start(manual_world());
    let dir = tempdir();
    let g = "Corporate=sub:10.10.0.0/16, vid:20; Contractors=vname:contractors";
    let out =
        run(sim
            .cmd(dir.path())
            .args(["-k", "1234", "-d", "mydatabase", "-g", g, "-c", "sync"]));
    assert_eq!(out.status.code(), Some(0));
    let json = |dir: &Path| -> serde_json::Value {
        let out = run(sim.cmd(dir).args([
            "-d",
            "mydatabase",
            "report",
            "last-week",
            "--offline",
            "--format",
            "json",
        ]));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_str(&stdout(&out)).expect("JSON report")
    };
    let before = json(dir.path());

    // Contractors (position 1) is removed; its stored rows stay.
    let out = run(sim.cmd(dir.path()).args([
        "-d",
        "mydatabase",
        "-g",
        "Corporate=sub:10.10.0.0/16, vid:20",
        "reconfigure",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = json(dir.path());
    assert_eq!(after["groups"].as_array().map(Vec::len), Some(1));
    let networks = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["organizations"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|o| o["networks"].as_array().cloned().unwrap_or_default())
            .collect()
    };
    let (nb, na) = (networks(&before), networks(&after));
    assert_eq!(nb.len(), na.len());
    let amounts = |a: &serde_json::Value| {
        (
            a["up_kb"].clone(),
            a["down_kb"].clone(),
            a["total_kb"].clone(),
        )
    };
    let mut removed_somewhere = false;
    for (b, a) in nb.iter().zip(&na) {
        assert_eq!(b["name"], a["name"]);
        // The removed group's traffic is reported as such, not as unmatched.
        assert_eq!(
            amounts(&a["removed_groups"]),
            amounts(&b["groups"][1]),
            "{}",
            a["name"]
        );
        assert_eq!(amounts(&a["unmatched"]), amounts(&b["unmatched"]));
        assert_eq!(amounts(&a["groups"][0]), amounts(&b["groups"][0]));
        assert_eq!(b["removed_groups"]["total_kb"], "0");
        removed_somewhere |= a["removed_groups"]["total_kb"] != "0";
    }
    assert!(removed_somewhere, "contractors had traffic last week");
    assert_eq!(
        amounts(&after["removed_groups"]),
        amounts(&before["group_totals"][1])
    );
    assert_eq!(amounts(&after["unmatched"]), amounts(&before["unmatched"]));

    let out = run(sim
        .cmd(dir.path())
        .args(["-d", "mydatabase", "-c", "report-offline:last-week"]));
    let text = stdout(&out);
    assert!(
        text.contains("\nTraffic of groups no longer defined (run `usagestats reconfigure --reclassify` to reclassify it;"),
        "{text}"
    );

    // Reclassifying, as the report suggests, leaves nothing behind.
    let mut c = sim.cmd(dir.path());
    c.env("MERAKI_DASHBOARD_API_KEY", "1234");
    let out = run(c.args([
        "-d",
        "mydatabase",
        "-g",
        "Corporate=sub:10.10.0.0/16, vid:20",
        "reconfigure",
        "--reclassify",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reclassified = json(dir.path());
    assert_eq!(reclassified["removed_groups"]["total_kb"], "0");
    // Everything seen is the same traffic, now split into Corporate and unmatched.
    let kb = |v: &serde_json::Value| -> usage_model::Kb {
        v["total_kb"]
            .as_str()
            .expect("kB string")
            .parse()
            .expect("kB")
    };
    assert_eq!(
        kb(&reclassified["total"]) + kb(&reclassified["unmatched"]),
        kb(&before["total"]) + kb(&before["unmatched"])
    );
}

fn legacy_fixture() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/legacy/usagestats-v4.db")
}

#[test]
fn import_legacy_converts_an_original_database() {
    let dir = tempdir();
    let legacy = dir.path().join("old-usagestats.db");
    std::fs::copy(legacy_fixture(), &legacy).expect("fixture");
    let bin = || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_usagestats"));
        c.current_dir(dir.path())
            .env_remove("RUST_LOG")
            .env("TZ", "UTC");
        c
    };
    // Using the old file directly says how to convert it.
    let out = run(bin().args(["-d", "old-usagestats.db", "-c", "dbdump"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("import-legacy"), "{}", stderr(&out));

    let out = run(bin().args(["-d", "new.sqlite", "import-legacy", "old-usagestats.db"]));
    assert_eq!(out.status.code(), Some(0));
    // The new database reports the old history with the old groups.
    let csv = std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/legacy/expected-report.csv"),
    )
    .expect("expected report");
    let first = csv.lines().nth(1).expect("a row");
    let f: Vec<&str> = first.split(',').collect();
    let period = format!("{} to {}", f[0], f[1]);
    let out = run(bin().args([
        "-d",
        "new.sqlite",
        "report",
        &period,
        "--offline",
        "--format",
        "csv",
    ]));
    assert_eq!(out.status.code(), Some(0));
    for group in ["Corporate", "Guest", "Rest"] {
        assert!(stdout(&out).contains(group), "{group}: {}", stdout(&out));
    }
    // Importing twice never overwrites.
    let out = run(bin().args(["-d", "new.sqlite", "import-legacy", "old-usagestats.db"]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn database_name_from_the_init_file() {
    let sim = Sim::start(manual_world());
    let dir = tempdir();
    std::fs::write(
        dir.path().join("usagestats.ini"),
        "#This is a comment line\n[GROUPS]\ngroupname=Corporate\nsubnet=10.10.0.0/16\nvlanid=20\n\
         groupname=Contractors\nvlanname=contractors\n\n[OPTIONS]\nfilter=dtag:core-switch,dtype:all\ndatabase=mydatabase\n",
    )
    .expect("init file");
    let mut c = sim.cmd(dir.path());
    c.env("MERAKI_DASHBOARD_API_KEY", "1234");
    let out = run(c.args(["-i", "usagestats.ini", "sync"]));
    assert_eq!(out.status.code(), Some(0));
    let groups = Groups::parse("Corporate=sub:10.10.0.0/16,vid:20;Contractors=vname:contractors")
        .expect("groups");
    let filter = Filter::parse("dtag:core-switch,dtype:all").expect("filter");
    check_exact(&sim, &dir.path().join("mydatabase"), &groups, &filter);
}

#[test]
fn timezone_override_cuts_every_network_in_utc() {
    let sim = Sim::start(manual_world());
    let dir = tempdir();
    let mut c = sim.cmd(dir.path());
    c.env("MERAKI_DASHBOARD_API_KEY", "1234");
    let out = run(c.args(["-d", "utc.db", "--timezone", "utc", "sync"]));
    assert_eq!(out.status.code(), Some(0));
    let store = sim.store(&dir.path().join("utc.db"));
    let utc_days: std::collections::BTreeSet<_> =
        expected_days(sim.handle().now(), &jiff::tz::TimeZone::UTC, 30)
            .into_iter()
            .collect();
    for net in selected_networks(sim.handle(), &Filter::default()) {
        let days = sim.rt.block_on(store.complete_days(&net)).expect("days");
        assert_eq!(days, utc_days, "{net}");
    }
}
