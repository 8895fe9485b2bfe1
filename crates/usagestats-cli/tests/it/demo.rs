//! `usagestats demo`: reports only what it synced, whatever the date; options it cannot honour
//! are refused, the others work.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use usage_model::Period;

use crate::harness::*;

const GROUPS: [&str; 5] = ["Voice", "IoT & cameras", "Guests", "Corporate", "IPv6"];

/// The binary with no account, no simulator URL and no log filter from the environment.
fn demo(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_usagestats"));
    c.current_dir(dir)
        .env_remove("MERAKI_DASHBOARD_API_KEY")
        .env_remove("USAGESTATS_BASE_URL")
        .env_remove("USAGESTATS_NOW")
        .env_remove("RUST_LOG")
        .env("TZ", "UTC")
        .arg("demo");
    c
}

/// Complete days per network, read from the demo's database.
fn synced_days(db: &Path) -> BTreeMap<String, BTreeSet<Date>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let store = storage::Store::open_existing(db).await.expect("demo db");
        let mut out = BTreeMap::new();
        for n in store.networks().await.expect("networks") {
            out.insert(
                n.id.clone(),
                store.complete_days(&n.id).await.expect("days"),
            );
        }
        store.close().await;
        out
    })
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out)).expect("JSON report")
}

fn date(v: &serde_json::Value) -> Date {
    v.as_str().expect("date string").parse().expect("ISO date")
}

/// The checks every demo report must pass: every demo group has traffic, no network misses a
/// day, and the period lies inside every network's synced days.
fn check_fully_synced(report: &serde_json::Value, db: &Path) -> (Date, Date) {
    let totals = report["group_totals"].as_array().expect("group_totals");
    let names: Vec<&str> = totals
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(names, GROUPS);
    for g in totals {
        let kb: f64 = g["total_kb"].as_str().unwrap().parse().unwrap();
        assert!(kb > 0.0, "group without traffic in the demo: {g}");
    }
    let (start, end) = (
        date(&report["period"]["start"]),
        date(&report["period"]["end"]),
    );
    let mut networks = 0;
    for org in report["organizations"].as_array().unwrap() {
        for net in org["networks"].as_array().unwrap() {
            networks += 1;
            assert_eq!(net["missing_days"], serde_json::json!([]), "{net}");
        }
    }
    let synced = synced_days(db);
    assert_eq!(synced.len(), networks, "every synced network is reported");
    for (net, days) in &synced {
        let mut d = start;
        while d <= end {
            assert!(
                days.contains(&d),
                "{net} lacks {d} of the period {start}..{end}"
            );
            d = d.tomorrow().unwrap();
        }
    }
    (start, end)
}

/// Seven consecutive dates, Monday to Sunday, at different hours and in report zones far
/// apart: the demo always reports a period it synced completely, last week when it can.
#[test]
fn demo_reports_a_fully_synced_period_on_every_weekday() {
    let dir = tempdir();
    let monday: Timestamp = "2026-11-23T00:20:00Z".parse().unwrap();
    let zones = [
        "UTC",
        "America/Los_Angeles",
        "Pacific/Kiritimati",
        "Asia/Kolkata",
    ];
    for i in 0..7_i64 {
        // Monday 00:20, Tuesday 07:20, Wednesday 14:20, ... Sunday 18:20 UTC: the demo world's
        // networks are in several zones, so some of them are still on the previous day.
        let now = monday.checked_add((i * 24 + (i * 7) % 24).hours()).unwrap();
        let zone = zones[i as usize % zones.len()];
        let db = dir.path().join(format!("demo-{i}.sqlite"));
        let out = run(demo(dir.path())
            .env("TZ", zone)
            .args([
                "--days",
                "10",
                "--format",
                "json",
                "--now",
                &now.to_string(),
            ])
            .arg("-d")
            .arg(&db));
        assert_eq!(out.status.code(), Some(0), "{now} {zone}");
        assert!(!stderr(&out).contains("29 days"), "{}", stderr(&out));
        let report = json(&out);
        let (start, end) = check_fully_synced(&report, &db);
        let today = now.to_zoned(jiff::tz::TimeZone::get(zone).unwrap()).date();
        let week = Period::LastWeek.resolve(today);
        let title = report["title"].as_str().expect("title");
        if (start, end) == (week.start, week.end) {
            assert!(title.contains("last complete week"), "{title}");
        } else {
            // Ten days reach last week's Monday only early in the week; early on a Monday
            // (UTC), networks west of UTC are still on Sunday.
            assert!(title.contains("the synced days"), "{title}");
            assert!(end < today, "{start}..{end} on {today}");
            if start > week.start {
                assert!(title.contains("--days 10 does not reach back"), "{title}");
            } else {
                assert!(
                    end < week.end && title.contains("is not over yet"),
                    "{title}"
                );
            }
        }
    }
}

/// The demo's text report (issue 19: a group with traffic in one network only showed 232,749
/// kB up there and 232,748 kB in the group totals): in the appendix, each organization's and
/// each group's up and down kB are the sums of the network rows shown above, and "All
/// organizations" is the sum of the organizations.
#[test]
fn the_demo_report_totals_equal_the_network_rows_they_sum() {
    let dir = tempdir();
    let out = run(demo(dir.path()).args(["--now", "2026-11-29T18:30:00Z"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let cut = text.rfind("\n###\n").unwrap();
    let (tables, appendix) = (&text[..cut], &text[cut..]);
    let int = |w: &str| -> i128 { w.replace(',', "").parse().unwrap_or_else(|_| panic!("{w}")) };
    // Up and down of a row, read from the right: the original's tables end with up, up %,
    // down, down %, total, total %; the appendix's add the total in a human unit (two words).
    let figures = |line: &str, skip: usize| -> [i128; 2] {
        let w: Vec<&str> = line.split_whitespace().rev().skip(skip).collect();
        [int(w[5]), int(w[3])]
    };
    let add = |a: &mut [i128; 2], b: [i128; 2]| {
        a[0] += b[0];
        a[1] += b[1];
    };
    let mut per_group = [[0i128; 2]; GROUPS.len()];
    let mut per_org: Vec<(String, [i128; 2])> = Vec::new();
    for line in tables.lines() {
        if let Some(name) = line.strip_prefix("Organization: ") {
            per_org.push((name.trim_matches('"').to_string(), [0; 2]));
        } else if let Some(g) = GROUPS
            .iter()
            .position(|g| line.starts_with(&format!("{g} ")))
        {
            let f = figures(line, 0);
            add(&mut per_group[g], f);
            add(&mut per_org.last_mut().unwrap().1, f);
        }
    }
    assert!(
        per_org.len() > 1 && per_group.iter().all(|g| g[0] > 0),
        "{text}"
    );
    let row = |name: &str| -> [i128; 2] {
        let line = appendix
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no row {name:?} in {appendix}"));
        figures(line, 2)
    };
    let mut all = [0i128; 2];
    for (org, parts) in &per_org {
        assert_eq!(row(org), *parts, "{org}: {appendix}");
        add(&mut all, *parts);
    }
    assert_eq!(row("All organizations"), all, "{appendix}");
    for (g, parts) in GROUPS.iter().zip(per_group) {
        assert_eq!(row(g), parts, "{g}: {appendix}");
    }
}

/// The manual's first command, as text: last week (30 days always cover it), no warning about
/// missing days, and the title says what the period is.
#[test]
fn demo_runs_without_an_account() {
    let dir = tempdir();
    // The very first command of the manual, as a newcomer types it: a report and not a single
    // line on standard error (the demo world has every VLAN its groups name), nothing left
    // behind.
    let first = run(demo(dir.path()).args(["--now", "2026-11-29T18:30:00Z"]));
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(stderr(&first), "", "the default demo warns about nothing");
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    let out = run(demo(dir.path()).args(["--now", "2026-11-29T18:30:00Z", "-d", "demo.sqlite"]));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "demo database kept in demo.sqlite\n");
    let text = stdout(&out);
    assert_eq!(text, stdout(&first), "the same clock gives the same report");
    assert!(
        text.starts_with(
            "Demo (simulated clock 2026-11-29T18:30:00Z): last complete week, from 30 synced days\n\
             Usage report: 2026-11-16 to 2026-11-22\n"
        ),
        "{text}"
    );
    for group in GROUPS {
        assert!(text.contains(&format!("Group \"{group}\"")), "{group}");
    }
    assert!(!text.contains("WARNING"), "{text}");
    let days = synced_days(&dir.path().join("demo.sqlite"));
    assert_eq!(days.len(), text.matches("\nNetwork: ").count());
    assert!(
        days.values().all(|d| (29..=30).contains(&d.len())),
        "{days:?}"
    );
    // A demo database says what it is instead of asking for an API key, and reads offline.
    for (args, key) in [
        (&["report"][..], None),
        (
            &["-c", "sync"],
            Some("0123456789abcdef0123456789abcdef01234567"),
        ),
        (&["-c", "report:last-week"], None),
    ] {
        let mut c = Command::new(env!("CARGO_BIN_EXE_usagestats"));
        c.current_dir(dir.path())
            .env_remove("MERAKI_DASHBOARD_API_KEY")
            .env_remove("RUST_LOG")
            .args(["-d", "demo.sqlite"])
            .args(args);
        if let Some(key) = key {
            c.env("MERAKI_DASHBOARD_API_KEY", key);
        }
        let out = run(&mut c);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            one_error_line(&out),
            "usagestats: error: demo.sqlite was made by `usagestats demo` from its built-in \
             simulator, so it cannot be synced with a Dashboard; report it offline: usagestats \
             -d demo.sqlite report --offline (or -c report-offline:last-week)"
        );
    }
    for args in [
        &["report", "--offline"][..],
        &["-c", "report-offline:last-week"],
    ] {
        let mut c = Command::new(env!("CARGO_BIN_EXE_usagestats"));
        let out = run(c
            .current_dir(dir.path())
            .env("TZ", "UTC")
            .env("USAGESTATS_NOW", "2026-11-29T18:30:00Z")
            .args(["-d", "demo.sqlite"])
            .args(args));
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(stdout(&out).starts_with("Usage report: 2026-11-16 to 2026-11-22\n"));
    }
    // A kept database is not overwritten by the next demo.
    let again = run(demo(dir.path()).args(["-d", "demo.sqlite"]));
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn demo_refuses_what_it_cannot_honour_and_applies_the_rest() {
    let dir = tempdir();
    for args in [
        &["-k", "1234"][..],
        &["--api-key-file", "key.txt"],
        &["--base-url", "http://127.0.0.1:9/api/v1"],
        &["--days", "31"],
        &["--days", "0"],
    ] {
        let out = run(demo(dir.path()).args(args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        if args[0] == "--days" {
            assert!(err.contains("1..=30"), "{err}");
        } else {
            assert!(
                err.contains("needs no account") && err.contains(args[0]),
                "{err}"
            );
        }
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }
    // A base URL that only comes from the environment is everyday configuration, not a
    // request to the demo.
    let out = run(demo(dir.path())
        .env("USAGESTATS_BASE_URL", "http://127.0.0.1:9/api/v1")
        .args([
            "--days",
            "3",
            "--format",
            "csv",
            "--now",
            "2026-11-25T12:00:00Z",
        ]));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");

    // Groups, filter and zone apply to the simulated world and are stored.
    let out = run(demo(dir.path()).args([
        "--days",
        "9",
        "--now",
        "2026-11-25T12:00:00Z",
        "-g",
        "Low=sub:10.0.0.0/9;Rest=sub:0.0.0.0/0",
        "-f",
        "org:Acme Café Group",
        "--timezone",
        "utc",
        "--format",
        "json",
        "-d",
        "custom.sqlite",
    ]));
    assert_eq!(out.status.code(), Some(0));
    let report = json(&out);
    let names: Vec<&str> = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Low", "Rest"]);
    let orgs: Vec<&str> = report["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(orgs, ["Acme Café Group"]);
    // In UTC every network has the same nine days, ending yesterday.
    let synced = synced_days(&dir.path().join("custom.sqlite"));
    let want: BTreeSet<Date> = (1..=9)
        .map(|b: i64| {
            jiff::civil::date(2026, 11, 25)
                .checked_sub(b.days())
                .unwrap()
        })
        .collect();
    assert!(!synced.is_empty());
    assert!(synced.values().all(|d| *d == want), "{synced:?}");
    let mut c = Command::new(env!("CARGO_BIN_EXE_usagestats"));
    let dump = run(c
        .current_dir(dir.path())
        .args(["-d", "custom.sqlite", "dump"]));
    assert_eq!(dump.status.code(), Some(0));
    let text = stdout(&dump);
    assert!(text.contains("org:Acme Café Group"), "{text}");
    assert!(text.contains("Low=sub:10.0.0.0/9"), "{text}");

    // A filter that selects nothing says so instead of printing an empty report.
    let out = run(demo(dir.path()).args(["--days", "2", "-f", "org:No Such Org"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("the filter selects no device: org:\"No Such Org\" matched no organization"),
        "{}",
        stderr(&out)
    );
}

/// `--days 1` at every hour and a half of a day: the demo world's zones are a day apart, so
/// the newest day over in every network differs from the newest in some; the demo still
/// reports one day that every network holds and that is over in every network's zone.
#[test]
fn demo_days_1_works_at_any_hour() {
    let dir = tempdir();
    let midnight: Timestamp = "2026-11-29T00:00:00Z".parse().unwrap();
    for step in 0..16_i64 {
        let now = midnight.checked_add((step * 90).minutes()).unwrap();
        let db = dir.path().join(format!("one-{step}.sqlite"));
        let out = run(demo(dir.path())
            .args(["--days", "1", "--format", "json", "--now", &now.to_string()])
            .arg("-d")
            .arg(&db));
        assert_eq!(out.status.code(), Some(0), "{now}: {}", stderr(&out));
        let report = json(&out);
        let (start, end) = check_fully_synced(&report, &db);
        assert_eq!(start, end, "{now}: one day");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let zones: Vec<String> = rt.block_on(async {
            let store = storage::Store::open_existing(&db).await.expect("demo db");
            let nets = store.networks().await.expect("networks");
            store.close().await;
            nets.into_iter().map(|n| n.time_zone).collect()
        });
        let mut distinct = BTreeSet::new();
        for zone in &zones {
            let tz = jiff::tz::TimeZone::get(zone).expect("zone");
            assert!(
                usage_model::day_bounds(start, &tz).1 <= now,
                "{now}: {start} is not over in {zone}"
            );
            distinct.insert(now.to_zoned(tz).date());
        }
        if step == 8 {
            // 12:00 UTC: the networks are not all on the same calendar day.
            assert!(distinct.len() > 1, "{zones:?}");
        }
    }
}
