//! Several periods side by side, incomplete periods and the top-clients section, in every
//! format.

use jiff::civil::date;
use report_render::{
    DateRange, Format, Report, TopClient, TopClients, TopGroup, render, render_series,
    render_top_text,
};
use usage_model::{Kb, Traffic};

use crate::fixture;

fn out(reports: &[Report], format: Format) -> String {
    let mut buf = Vec::new();
    render_series(reports, format, &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

/// Three consecutive billing cycles of the fixture, the last one still running.
fn three() -> Vec<Report> {
    let cycles = [
        (date(2026, 8, 15), date(2026, 9, 14)),
        (date(2026, 9, 15), date(2026, 10, 14)),
        (date(2026, 10, 15), date(2026, 11, 6)),
    ];
    cycles
        .iter()
        .enumerate()
        .map(|(i, (a, b))| {
            let mut r = fixture::report();
            r.period = DateRange::new(*a, *b);
            for o in &mut r.organizations {
                for n in &mut o.networks {
                    for g in &mut n.groups {
                        g.up += Kb::from_kb(1_000 * (i as i64 + 1));
                    }
                }
            }
            if i == 2 {
                r.incomplete = Some(DateRange::new(*a, date(2026, 11, 14)));
            }
            r
        })
        .collect()
}

#[test]
fn one_period_renders_exactly_as_a_single_report() {
    let r = fixture::report();
    for f in [Format::Text, Format::Json, Format::Csv, Format::Html] {
        let mut single = Vec::new();
        render(&r, f, &mut single).unwrap();
        assert_eq!(out(std::slice::from_ref(&r), f).into_bytes(), single, "{f}");
    }
}

#[test]
fn an_incomplete_period_says_so_in_every_format() {
    let mut r = fixture::report();
    r.incomplete = Some(DateRange::new(date(2026, 11, 16), date(2026, 12, 15)));
    let text = out(std::slice::from_ref(&r), Format::Text);
    let lines: Vec<&str> = text.lines().collect();
    // Under the title and the period line.
    assert_eq!(lines[1], "Usage report: 2026-11-16 to 2026-11-22");
    assert_eq!(
        lines[2],
        "Incomplete period: the cycle 2026-11-16 to 2026-12-15 is not over; this report covers its first 7 days (2026-11-16 to 2026-11-22) of 30 days."
    );
    let html = out(std::slice::from_ref(&r), Format::Html);
    assert!(html.contains("Incomplete period: the cycle 2026-11-16 to 2026-12-15 is not over"));
    let json: serde_json::Value =
        serde_json::from_str(&out(std::slice::from_ref(&r), Format::Json)).unwrap();
    assert_eq!(json["incomplete"], serde_json::json!(true));
    assert_eq!(
        json["cycle"],
        serde_json::json!({"start": "2026-11-16", "end": "2026-12-15", "days": 30})
    );
    // A complete period has neither field, nor the line.
    let json: serde_json::Value =
        serde_json::from_str(&out(&[fixture::report()], Format::Json)).unwrap();
    assert!(json.get("incomplete").is_none() && json.get("cycle").is_none());
    assert!(!out(&[fixture::report()], Format::Text).contains("Incomplete"));
}

#[test]
fn three_periods_side_by_side() {
    let reports = three();
    let text = out(&reports, Format::Text);
    assert!(text.starts_with("Fixture report\nUsage report: 3 periods, 2026-08-15 to 2026-11-06\nPeriod 1: 2026-08-15 to 2026-09-14 (31 days)\nPeriod 2: 2026-09-15 to 2026-10-14 (30 days)\nPeriod 3: 2026-10-15 to 2026-11-06 (23 days; incomplete: the cycle 2026-10-15 to 2026-11-14 is not over)\n"), "{text}");
    // Every table has the same columns, lined up.
    let headers: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("Group name"))
        .collect();
    assert_eq!(headers.len(), 5, "four networks and the totals");
    assert!(headers.iter().all(|h| *h == headers[0]), "{headers:?}");
    assert!(
        headers[0].ends_with("     period 1 kB      period 2 kB      period 3 kB"),
        "{text}"
    );
    // The columns hold each period's figures: the up traffic grows with the period.
    let totals = text
        .split("All organizations (total kB, up + down)\n")
        .nth(1)
        .unwrap();
    let all: Vec<i128> = totals
        .lines()
        .find(|l| l.starts_with("All groups"))
        .unwrap()
        .split_whitespace()
        .skip(2)
        .map(|v| v.parse().unwrap())
        .collect();
    let want: Vec<i128> = reports
        .iter()
        .map(|r| {
            let t = r.grand_total();
            (i128::from(t.up.millis()) + 500) / 1000 + (i128::from(t.down.millis()) + 500) / 1000
        })
        .collect();
    assert_eq!(all.len(), 3);
    for (a, w) in all.iter().zip(&want) {
        assert!((a - w).abs() <= 1, "{all:?} {want:?}");
    }
    assert!(all[0] < all[1] && all[1] < all[2]);

    let csv = out(&reports, Format::Csv);
    assert_eq!(csv.matches("period_start,").count(), 1, "one header");
    for r in &reports {
        let prefix = format!("{},{},", r.period.start, r.period.end);
        let n = csv.lines().filter(|l| l.starts_with(&prefix)).count();
        let mut single = Vec::new();
        render(r, Format::Csv, &mut single).unwrap();
        assert_eq!(n, String::from_utf8(single).unwrap().lines().count() - 1);
    }

    let json: serde_json::Value = serde_json::from_str(&out(&reports, Format::Json)).unwrap();
    assert_eq!(json["version"], serde_json::json!(2));
    let periods = json["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 3);
    assert_eq!(periods[0]["period"]["start"], "2026-08-15");
    assert_eq!(periods[2]["incomplete"], serde_json::json!(true));
    assert!(periods[0].get("incomplete").is_none());
    for (p, r) in periods.iter().zip(&reports) {
        assert_eq!(p["total"]["total_kb"], r.grand_total().total().to_string());
    }
    assert!(json.get("organizations").is_none());

    let html = out(&reports, Format::Html);
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"));
    assert!(html.contains("Traffic per group and period"));
    // One bar per period and group: the fixture has 3 groups.
    assert!(html.matches("<rect").count() >= 9);
}

fn client(rank: usize, mac: &str, kb: i64, pseudonymous: bool) -> TopClient {
    let traffic = Traffic {
        up: Kb::from_millis(kb * 1000 + 499),
        down: Kb::from_kb(kb),
    };
    let mut c = TopClient::new(rank, "Acme", "HQ", traffic);
    c.description = Some(format!("host-{rank}"));
    c.mac = Some(mac.into());
    c.ip = Some(format!("10.0.0.{rank}"));
    c.vlan = Some(20);
    c.pseudonymous = pseudonymous;
    c
}

fn top_clients() -> TopClients {
    TopClients::new(
        2,
        vec![
            TopGroup::new(
                "Corporate",
                vec![
                    client(1, "00:18:0a:00:00:01", 5000, false),
                    client(2, "00:18:0a:00:00:02", 10, false),
                ],
            ),
            TopGroup::new("R&D <lab>", vec![]),
        ],
    )
}

#[test]
fn the_top_clients_section_is_in_every_format_but_csv_only_when_asked_for() {
    let mut r = fixture::report();
    for f in [Format::Text, Format::Html, Format::Json] {
        assert!(
            !out(std::slice::from_ref(&r), f).contains("Top clients"),
            "{f}"
        );
    }
    r.top_clients = Some(top_clients());
    let html = out(std::slice::from_ref(&r), Format::Html);
    assert!(html.contains("Top clients"));
    assert!(html.contains("00:18:0a:00:00:01") && html.contains("host-1"));
    assert!(html.contains("R&amp;D &lt;lab&gt;"));
    let json: serde_json::Value =
        serde_json::from_str(&out(std::slice::from_ref(&r), Format::Json)).unwrap();
    let top = &json["top_clients"];
    assert_eq!(top["limit"], 2);
    assert_eq!(top["groups"][0]["clients"][0]["total_kb"], "10000.499");
    assert_eq!(top["groups"][0]["clients"][0]["mac"], "00:18:0a:00:00:01");
    assert_eq!(top["groups"][1]["clients"], serde_json::json!([]));

    let mut text = Vec::new();
    render_top_text(r.period, r.top_clients.as_ref().unwrap(), &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.starts_with(
            "Top clients: 2026-11-16 to 2026-11-22 (the 2 largest of each group by total traffic)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "1  host-1       00:18:0a:00:00:01  10.0.0.1  20    Acme / HQ  5,000    5,000    10,000"
        ),
        "{text}"
    );
    assert!(
        text.contains("Group \"R&D <lab>\"\n  no client traffic stored for this period"),
        "{text}"
    );

    // The text report carries the same table, after the appendix's tables and notes, before
    // the missing-day warning.
    let report = out(std::slice::from_ref(&r), Format::Text);
    let at = report
        .find(&format!("\n\n{text}"))
        .unwrap_or_else(|| panic!("no top clients table in:\n{report}"));
    assert!(report.find("Note: this period mixes sources").unwrap() < at);
    assert!(at < report.find("\nWARNING: no data stored").unwrap());
    // CSV has one table of groups: no place for clients (the CLI refuses --top with CSV).
    assert!(!out(std::slice::from_ref(&r), Format::Csv).contains("00:18:0a:00:00:01"));
}

#[test]
fn every_period_of_a_series_shows_its_top_clients_in_text_and_html() {
    let mut reports = three();
    for r in &mut reports {
        r.top_clients = Some(top_clients());
    }
    let text = out(&reports, Format::Text);
    let html = out(&reports, Format::Html);
    for r in &reports {
        let mut one = Vec::new();
        render_top_text(r.period, r.top_clients.as_ref().unwrap(), &mut one).unwrap();
        let one = String::from_utf8(one).unwrap();
        assert!(text.contains(&format!("\n\n{one}")), "{text}");
        assert!(
            html.contains(&format!(
                "Top clients: {} to {}</h2>",
                r.period.start, r.period.end
            )),
            "{html}"
        );
    }
    assert_eq!(html.matches("00:18:0a:00:00:01").count(), 3);
    // After the tables, before the warnings.
    let first = text.find("\nTop clients: ").unwrap();
    assert!(
        text.find("All organizations (total kB, up + down)")
            .unwrap()
            < first
    );
    assert!(first < text.find("\nWARNING: no data stored").unwrap());
}
