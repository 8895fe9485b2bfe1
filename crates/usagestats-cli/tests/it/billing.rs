//! Billing cycles on the command line: `billing --day N`, `this-billing` marked incomplete,
//! `--periods N` against ground truth summed over each cycle, and the mistakes `--day` can be
//! part of.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use meraki_sim::SimConfig;
use usage_model::{Filter, Groups, Kb, Traffic};

use crate::harness::*;

/// The cycle of billing day `day` that contains `date`, computed here from the definition
/// (day DAY, or the month's last day when shorter), independently of usage-model.
fn cycle(date: Date, day: i8) -> (Date, Date) {
    let start_in = |d: Date| d.with().day(day.min(d.days_in_month())).build().unwrap();
    let this = start_in(date);
    let start = if date >= this {
        this
    } else {
        start_in(date.first_of_month().yesterday().unwrap())
    };
    let next = start_in(start.last_of_month().tomorrow().unwrap());
    (start, next.yesterday().unwrap())
}

fn header(out: &std::process::Output) -> String {
    stdout(out).lines().next().unwrap_or_default().to_string()
}

#[test]
fn billing_days_29_to_31_fall_back_to_short_months_over_two_years() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    synced(&sim, d, "db.sqlite");
    // Every month of a common and a leap year, on its 1st, on the billing day and at its end.
    let mut month = jiff::civil::date(2023, 1, 1);
    while month.year() < 2025 {
        for today in [
            month,
            month
                .with()
                .day(29.min(month.days_in_month()))
                .build()
                .unwrap(),
            month.last_of_month(),
        ] {
            for day in [29i8, 30, 31] {
                let now = format!("{today}T12:00:00Z");
                let out = run(sim.cmd(d).env("USAGESTATS_NOW", &now).args([
                    "-d",
                    "db.sqlite",
                    "report",
                    "billing",
                    "--day",
                    &day.to_string(),
                    "--offline",
                ]));
                assert_eq!(out.status.code(), Some(0), "{now} {day}");
                let current = cycle(today, day);
                let last = cycle(current.0.yesterday().unwrap(), day);
                assert_eq!(
                    header(&out),
                    format!("Usage report: {} to {}", last.0, last.1),
                    "{now}, billing day {day}"
                );
                assert!(!stdout(&out).contains("Incomplete period"));
            }
        }
        month = month.last_of_month().tomorrow().unwrap();
    }
    // The original's form and the modern one agree; this-billing is marked incomplete.
    let now = "2024-03-10T12:00:00Z";
    let modern = run(sim.cmd(d).env("USAGESTATS_NOW", now).args([
        "-d",
        "db.sqlite",
        "report",
        "this-billing",
        "--day",
        "31",
        "--offline",
    ]));
    let original = run(sim.cmd(d).env("USAGESTATS_NOW", now).args([
        "-d",
        "db.sqlite",
        "-c",
        "report-offline:this-billing:31",
    ]));
    assert_eq!(stdout(&modern), stdout(&original));
    let lines: Vec<String> = stdout(&modern).lines().map(str::to_string).collect();
    // 2024 is a leap year: the cycle of day 31 that holds March 10 began on February 29.
    assert_eq!(lines[0], "Usage report: 2024-02-29 to 2024-03-09");
    assert_eq!(
        lines[1],
        "Incomplete period: the cycle 2024-02-29 to 2024-03-30 is not over; this report covers its first 10 days (2024-02-29 to 2024-03-09) of 31 days."
    );
}

#[test]
fn day_is_refused_where_it_means_nothing_in_one_line() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    synced(&sim, d, "db.sqlite");
    for (args, needle) in [
        (
            &["report", "last-week", "--day", "15", "--offline"][..],
            "--day 15: a billing day applies only to the billing and this-billing periods, not to \"last-week\"",
        ),
        (
            &["report", "billing:15", "--day", "15", "--offline"],
            "the billing day is given twice, in \"billing:15\" and as --day 15: give it once",
        ),
        (
            &["report", "billing", "--day", "32", "--offline"],
            "--day <DAY>",
        ),
        (
            &["report", "billing:0", "--offline"],
            "invalid billing day \"0\"",
        ),
        (&["top", "7", "--day", "3"], "not to \"7\""),
        (
            &["report", "billing", "--periods", "0", "--offline"],
            "--periods <N>",
        ),
    ] {
        let out = run(sim.cmd(d).args(["-d", "db.sqlite"]).args(args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let line = one_error_line(&out);
        assert!(line.contains(needle), "{args:?}: {line}");
        assert!(stdout(&out).is_empty());
    }
}

/// Syncs at three frozen instants a month apart, so three billing cycles of day 31 are
/// complete in the database, then reports them side by side and compares each network's
/// figures with the ground truth summed over each cycle.
#[test]
fn three_billing_cycles_side_by_side_equal_ground_truth() {
    let first: Timestamp = "2026-02-28T10:17:00Z".parse().unwrap();
    let mut cfg = SimConfig {
        orgs: 1,
        networks_per_org: 2,
        devices_per_network: 1,
        clients_per_network: 12,
        ..SimConfig::default()
    }
    .with_now(first);
    cfg.api_key = "1234".into();
    let sim = Sim::start(cfg);
    let dir = tempdir();
    let d = dir.path();
    for now in [
        "2026-02-28T10:17:00Z",
        "2026-03-29T10:17:00Z",
        "2026-04-22T10:17:00Z",
    ] {
        sim.handle().set_now(now.parse().unwrap());
        synced(&sim, d, "db.sqlite");
    }
    let out = run(sim.cmd(d).args([
        "-d",
        "db.sqlite",
        "report",
        "this-billing",
        "--day",
        "31",
        "--periods",
        "3",
        "--offline",
        "--format",
        "json",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["version"], 2);
    let periods = doc["periods"].as_array().unwrap();
    // 2026 is not a leap year: the cycle after January 31 starts on February 28.
    let want = [
        ("2026-01-31", "2026-02-27", None),
        ("2026-02-28", "2026-03-30", None),
        (
            "2026-03-31",
            "2026-04-21",
            Some(("2026-03-31", "2026-04-29")),
        ),
    ];
    assert_eq!(periods.len(), 3);
    let names: BTreeMap<String, String> = sim
        .handle()
        .world()
        .networks()
        .map(|(_, n)| (n.name.clone(), n.id.clone()))
        .collect();
    for (p, (start, end, cycle)) in periods.iter().zip(want) {
        assert_eq!(p["period"]["start"], start);
        assert_eq!(p["period"]["end"], end);
        match cycle {
            Some((a, b)) => {
                assert_eq!(p["incomplete"], true);
                assert_eq!(p["cycle"]["start"], a);
                assert_eq!(p["cycle"]["end"], b);
            }
            None => assert!(p.get("incomplete").is_none()),
        }
        let (start, end): (Date, Date) = (start.parse().unwrap(), end.parse().unwrap());
        let truth = test_support::truth::expected(
            sim.handle(),
            &Groups::overall_default(),
            &Filter::default(),
            &|_| start.series(1.day()).take_while(|x| *x <= end).collect(),
        );
        let days = end.since(start).unwrap().get_days() as i64 + 1;
        let mut seen = 0;
        for org in p["organizations"].as_array().unwrap() {
            for net in org["networks"].as_array().unwrap() {
                let id = &names[net["name"].as_str().unwrap()];
                // A network far west of UTC may not have finished the period's last day when
                // the last sync ran; the report names it, and the truth leaves it out too.
                let missing: Vec<Date> = net["missing_days"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().parse().unwrap())
                    .collect();
                assert!(missing.iter().all(|m| *m == end), "{id}: {missing:?}");
                let want: Traffic = truth
                    .iter()
                    .filter(|((n, day, group), _)| {
                        n == id && group.is_some() && !missing.contains(day)
                    })
                    .map(|(_, t)| *t)
                    .sum();
                let kb = |v: &serde_json::Value| v.as_str().unwrap().parse::<Kb>().unwrap();
                let got = Traffic {
                    up: kb(&net["total"]["up_kb"]),
                    down: kb(&net["total"]["down_kb"]),
                };
                assert!(want.total() > Kb::ZERO, "the scenario has traffic");
                for (g, w) in [(got.up, want.up), (got.down, want.down)] {
                    assert!(
                        (g.millis() - w.millis()).abs() <= 1_000 * days,
                        "{id} {start}..{end}: {got:?} against truth {want:?}"
                    );
                }
                seen += 1;
            }
        }
        assert_eq!(seen, names.len());
    }
    // The last complete cycle alone is the middle one; text and CSV carry the same periods.
    let out = run(sim
        .cmd(d)
        .args(["-d", "db.sqlite", "report", "billing:31", "--offline"]));
    assert_eq!(header(&out), "Usage report: 2026-02-28 to 2026-03-30");
    let out = run(sim.cmd(d).args([
        "-d",
        "db.sqlite",
        "report",
        "this-billing",
        "--day",
        "31",
        "--periods",
        "3",
        "--offline",
    ]));
    let text = stdout(&out);
    assert!(text.starts_with("Usage report: 3 periods, 2026-01-31 to 2026-04-21\nPeriod 1: 2026-01-31 to 2026-02-27 (28 days)\nPeriod 2: 2026-02-28 to 2026-03-30 (31 days)\nPeriod 3: 2026-03-31 to 2026-04-21 (22 days; incomplete: the cycle 2026-03-31 to 2026-04-29 is not over)\n"), "{text}");
    let out = run(sim.cmd(d).args([
        "-d",
        "db.sqlite",
        "report",
        "billing",
        "--day",
        "31",
        "--periods",
        "2",
        "--offline",
        "--format",
        "csv",
    ]));
    let csv = stdout(&out);
    assert_eq!(csv.matches("period_start").count(), 1);
    assert!(
        csv.contains("\r\n2026-01-31,2026-02-27,") && csv.contains("\r\n2026-02-28,2026-03-30,")
    );
    let out = run(sim.cmd(d).args([
        "-d",
        "db.sqlite",
        "report",
        "billing:31",
        "--periods",
        "3",
        "--offline",
        "-o",
        "cycles.html",
    ]));
    assert_eq!(out.status.code(), Some(0));
    let html = std::fs::read_to_string(d.join("cycles.html")).unwrap();
    assert!(html.contains("Traffic per group and period") && html.contains("<svg"));
}
