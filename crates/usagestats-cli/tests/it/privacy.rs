//! Top clients against ground truth, and the privacy controls: pseudonymous and `none`
//! databases, the retention, stricter settings that need confirming, forgetting a client.
//! Databases are real files, read back byte for byte after each command exits.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use usage_model::{Classifier, ClientAddr, Filter, Groups, NetworkIdentity, Traffic, VlanInfo};

use crate::harness::*;

const GROUPS: &str = "Low=sub:0.0.0.0/1; High=sub:128.0.0.0/1; Six=sub:::/0";

/// One client's traffic within one group over `first..=last`, from ground truth: (group,
/// network name, MAC) → traffic; a single frozen sync classifies every day of a client by the
/// address it has now, as the ground truth does.
fn truth_by_client(
    sim: &Sim,
    first: Date,
    last: Date,
) -> BTreeMap<(usize, String, String, String), Traffic> {
    let groups = Groups::parse(GROUPS).unwrap();
    let mut out: BTreeMap<(usize, String, String, String), Traffic> = BTreeMap::new();
    for (org, net) in sim.handle().world().networks() {
        let tz = TimeZone::get(&net.time_zone).unwrap();
        let vlans: Vec<VlanInfo> = net
            .vlans
            .iter()
            .flatten()
            .map(|v| VlanInfo {
                id: v.id,
                name: v.name.clone(),
                subnet: v.subnet.parse().ok(),
            })
            .collect();
        let identity = NetworkIdentity {
            org_name: org.name.clone(),
            net_name: net.name.clone(),
            tags: net.tags.clone(),
        };
        let (classifier, _) = Classifier::new(&groups, &identity, &vlans);
        let serial = net.devices.iter().find(|d| {
            Filter::default().selects_device(&org.name, &net.name, &net.tags, &d.model, &d.tags)
        });
        let Some(serial) = serial.map(|d| d.serial.clone()) else {
            continue;
        };
        // Only the days a sync at the simulator's now could store.
        let synced = expected_days(sim.handle().now(), &tz, 30);
        for day in first
            .series(1.day())
            .take_while(|d| *d <= last)
            .filter(|d| synced.contains(d))
        {
            for (id, u) in sim.handle().ground_truth(&net.id, Some(&serial), day, &tz) {
                let addr = ClientAddr {
                    ip: u.ip.as_deref().and_then(|s| s.parse().ok()),
                    ip6: u.ip6.as_deref().and_then(|s| s.parse().ok()),
                    vlan: u.vlan,
                    vlan_name: u.named_vlan.clone(),
                    ssid: None,
                };
                let Some(g) = classifier.classify(&addr) else {
                    continue;
                };
                *out.entry((g.0, net.id.clone(), id, u.mac.clone()))
                    .or_default() += Traffic::from_sent_recv(u.sent, u.recv);
            }
        }
    }
    out
}

/// The naive ranking: per group, clients by total, ties by network id then client id; as
/// (group, network name, MAC, exact total).
fn naive_top(
    sim: &Sim,
    first: Date,
    last: Date,
    limit: usize,
) -> Vec<(usize, String, String, String)> {
    let names: BTreeMap<String, String> = sim
        .handle()
        .world()
        .networks()
        .map(|(_, n)| (n.id.clone(), n.name.clone()))
        .collect();
    let mut by_group: BTreeMap<usize, Vec<(String, String, String, Traffic)>> = BTreeMap::new();
    for ((g, net, id, mac), t) in truth_by_client(sim, first, last) {
        by_group.entry(g).or_default().push((net, id, mac, t));
    }
    let mut out = Vec::new();
    for g in 0..3 {
        let mut list = by_group.remove(&g).unwrap_or_default();
        list.sort_by(|a, b| {
            b.3.total()
                .cmp(&a.3.total())
                .then(a.0.cmp(&b.0))
                .then(a.1.cmp(&b.1))
        });
        out.extend(
            list.into_iter()
                .take(limit)
                .map(|(net, _, mac, t)| (g, names[&net].clone(), mac, t.total().to_string())),
        );
    }
    out
}

/// `top --format json` as (group, network, MAC, total) rows.
fn top_rows(
    sim: &Sim,
    dir: &Path,
    db: &str,
    args: &[&str],
) -> Vec<(usize, String, String, String)> {
    let out = run(sim
        .cmd(dir)
        .args(["-d", db, "top", "--format", "json"])
        .args(args));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["schema"], "usagestats-top");
    let mut rows = Vec::new();
    for (g, group) in doc["groups"].as_array().unwrap().iter().enumerate() {
        for (i, c) in group["clients"].as_array().unwrap().iter().enumerate() {
            assert_eq!(c["rank"], i + 1);
            rows.push((
                g,
                c["network"].as_str().unwrap().to_string(),
                c["mac"].as_str().unwrap_or_default().to_string(),
                c["total_kb"].as_str().unwrap().to_string(),
            ));
        }
    }
    rows
}

fn sync_with(sim: &Sim, dir: &Path, db: &str, extra: &[&str]) {
    let out = run(keyed(sim, dir)
        .args(["-d", db, "-g", GROUPS])
        .args(extra)
        .arg("sync"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// The database file and its `-wal`, as bytes, after every command has exited.
fn file_bytes(path: &Path) -> Vec<u8> {
    let mut all = std::fs::read(path).unwrap();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    all.extend(std::fs::read(wal).unwrap_or_default());
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn count(sim: &Sim, db: &Path, sql: &str) -> i64 {
    let store = sim.store(db);
    let n = sim.rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    });
    sim.rt.block_on(store.close());
    n
}

#[test]
fn top_clients_equal_a_naive_ranking_of_ground_truth_and_pseudonyms_rank_alike() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    sync_with(&sim, d, "full.sqlite", &[]);
    sync_with(
        &sim,
        d,
        "pseudo.sqlite",
        &["--client-detail", "pseudonymous"],
    );
    // Tuesday 2026-04-07: last week is 03-30..04-05 (one ISO week: the weekly index), and a
    // ragged period of 10 days.
    for (args, first, last) in [
        (&["--limit", "4"][..], "2026-03-30", "2026-04-05"),
        (&["10", "--limit", "3"], "2026-03-28", "2026-04-06"),
        (&["last-month", "--limit", "2"], "2026-03-01", "2026-03-31"),
    ] {
        let (first, last): (Date, Date) = (first.parse().unwrap(), last.parse().unwrap());
        let limit: usize = args[args.len() - 1].parse().unwrap();
        let want = naive_top(&sim, first, last, limit);
        assert!(want.len() >= limit * 2, "{want:?}");
        let got = top_rows(&sim, d, "full.sqlite", args);
        // Totals are exact decimals; compare them as numbers.
        let norm =
            |rows: Vec<(usize, String, String, String)>| -> Vec<(usize, String, String, i64)> {
                rows.into_iter()
                    .map(|(g, n, m, t)| (g, n, m, t.parse::<usage_model::Kb>().unwrap().millis()))
                    .collect()
            };
        let (got, want) = (norm(got), norm(want));
        assert_eq!(got.len(), want.len(), "{args:?}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((g.0, &g.1, &g.2), (w.0, &w.1, &w.2), "{args:?}");
            assert!(
                (g.3 - w.3).abs() <= 1_000 * 31,
                "{args:?}: {g:?} against {w:?}"
            );
        }
        // The pseudonymous database ranks the same clients the same way, without naming them.
        let pseudo = norm(top_rows(&sim, d, "pseudo.sqlite", args));
        assert_eq!(pseudo.len(), got.len());
        for (p, g) in pseudo.iter().zip(&got) {
            assert_eq!((p.0, &p.1, p.3), (g.0, &g.1, g.3));
            assert_eq!(p.2.len(), 32, "{p:?}");
            assert!(p.2.bytes().all(|b| b.is_ascii_hexdigit()));
        }
    }
    // One group by name; an unknown one is named.
    let low = top_rows(&sim, d, "full.sqlite", &["--group", "High", "--limit", "2"]);
    assert!(low.iter().all(|r| r.0 == 0) && low.len() == 2);
    let out = run(sim
        .cmd(d)
        .args(["-d", "full.sqlite", "top", "--group", "Middle"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        one_error_line(&out).contains(
            "--group \"Middle\" names no group; the groups are \"Low\", \"High\", \"Six\""
        )
    );
    // The text table.
    let out = run(sim
        .cmd(d)
        .args(["-d", "full.sqlite", "top", "--limit", "2"]));
    let text = stdout(&out);
    assert!(text.starts_with("Top clients: 2026-03-30 to 2026-04-05 (the 2 largest of each group by total traffic)\n\nGroup \"Low\"\n#  description"), "{text}");
    // And in the reports: HTML and JSON with --top.
    let out = run(sim.cmd(d).args([
        "-d",
        "full.sqlite",
        "report",
        "--offline",
        "--top",
        "3",
        "--format",
        "json",
    ]));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["top_clients"]["limit"], 3);
    let out = run(sim.cmd(d).args([
        "-d",
        "full.sqlite",
        "report",
        "--offline",
        "--format",
        "json",
    ]));
    assert!(!stdout(&out).contains("top_clients"), "off by default");

    // Nothing that names a client is anywhere in the pseudonymous file.
    let pseudo = file_bytes(&d.join("pseudo.sqlite"));
    let full = file_bytes(&d.join("full.sqlite"));
    let mut checked = 0;
    for (org, net) in sim.handle().world().networks() {
        let public: Vec<&str> = std::iter::once(org.name.as_str())
            .chain([net.name.as_str()])
            .collect();
        for c in &net.clients {
            let mut names: Vec<&str> = vec![&c.mac, &c.id];
            names.extend(c.ip.as_deref());
            names.extend(c.ip6.as_deref());
            names.extend(
                c.description
                    .as_deref()
                    .filter(|d| d.len() >= 6 && !public.iter().any(|p| p.contains(d))),
            );
            names.extend(c.user.as_deref());
            for n in names {
                if contains(&full, n) {
                    assert!(
                        !contains(&pseudo, n),
                        "{n:?} is in the pseudonymous database"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(
        checked > 40,
        "the full database names the clients ({checked} checked)"
    );
}

/// The small world synced into `full.sqlite` (client detail `full`) in a new directory.
fn synced_full() -> (Sim, tempfile::TempDir) {
    let sim = small_sim();
    let dir = tempdir();
    sync_with(&sim, dir.path(), "full.sqlite", &[]);
    (sim, dir)
}

/// `report --top N` in text prints the `top` command's table inside the report.
#[test]
fn report_top_in_text_prints_the_top_table() {
    let (sim, dir) = synced_full();
    let d = dir.path();
    let go = |args: &[&str]| run(sim.cmd(d).args(["-d", "full.sqlite"]).args(args));
    let top = go(&["top", "--limit", "3"]);
    assert_eq!(top.status.code(), Some(0), "{}", stderr(&top));
    let top = stdout(&top);
    assert!(top.contains("\nGroup \"Six\"\n"), "{top}");
    let plain = go(&["report", "--offline"]);
    let with_top = go(&["report", "--offline", "--top", "3"]);
    assert_eq!(with_top.status.code(), Some(0), "{}", stderr(&with_top));
    let (plain, with_top) = (stdout(&plain), stdout(&with_top));
    // The same report, with the table after the appendix (there: a blank line, then it).
    assert!(!plain.contains("Top clients"), "{plain}");
    assert!(with_top.contains(&format!("\n\n{top}")), "{with_top}");
    assert_eq!(with_top.replacen(&format!("\n{top}"), "", 1), plain);
}

/// `report --top N` with CSV (`--format csv` or `-o *.csv`) is refused before anything is
/// read, synced or written: CSV has one table of groups and no place for clients.
#[test]
fn report_top_with_csv_is_refused_before_anything_runs() {
    let (sim, dir) = synced_full();
    let d = dir.path();
    sim.handle().reset_counters();
    for args in [
        &["report", "--offline", "--top", "3", "--format", "csv"][..],
        &["report", "--offline", "--top", "3", "-o", "week.csv"],
        &["report", "--top", "3", "--format", "csv"],
        &["report", "--top", "3", "--periods", "2", "-o", "weeks.CSV"],
    ] {
        let out = run(keyed(&sim, d).args(["-d", "full.sqlite"]).args(args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            one_error_line(&out).ends_with(
                "--top does not apply to CSV reports (one row per organization, network and \
                 group, no place for clients); use --format text, html or json, or `usagestats top`"
            ),
            "{args:?}"
        );
        assert!(stdout(&out).is_empty(), "{args:?}");
    }
    assert!(!d.join("week.csv").exists() && !d.join("weeks.CSV").exists());
    assert_eq!(sim.handle().counters().total, 0, "refused before any sync");
    // CSV without --top still works.
    let csv = ["report", "--offline", "--format", "csv"];
    let out = run(sim.cmd(d).args(["-d", "full.sqlite"]).args(csv));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn none_keeps_no_client_rows_and_exact_group_rows_and_says_why_it_cannot_rank() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    sync_with(&sim, d, "none.sqlite", &["--client-detail", "none"]);
    let db = d.join("none.sqlite");
    assert_eq!(
        count(&sim, &db, "SELECT COUNT(*) FROM client_daily_usage"),
        0
    );
    assert_eq!(
        count(&sim, &db, "SELECT COUNT(*) FROM client_monthly_usage"),
        0
    );
    let want = expected(
        sim.handle(),
        &Groups::parse(GROUPS).unwrap(),
        &Filter::default(),
    );
    let (first, last) = day_span(&want);
    assert_tables_match(&want, &sim.stored(&db, first, last));
    for args in [
        &["top"][..],
        &["report", "--offline", "--top", "5"],
        &["-g", GROUPS, "reconfigure", "--reclassify"],
    ] {
        let out = run(sim.cmd(d).args(["-d", "none.sqlite"]).args(args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let line = one_error_line(&out);
        assert!(line.contains("client detail none"), "{args:?}: {line}");
    }
    let dump = stdout(&run(sim.cmd(d).args(["-d", "none.sqlite", "dump"])));
    assert!(
        dump.contains("\"none\", NULL)"),
        "the dump shows the setting"
    );
}

#[test]
fn retention_keeps_seven_days_of_client_rows_and_every_group_row() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    sync_with(&sim, d, "kept.sqlite", &["--client-retention", "7"]);
    let db = d.join("kept.sqlite");
    let want = expected(
        sim.handle(),
        &Groups::parse(GROUPS).unwrap(),
        &Filter::default(),
    );
    let (first, last) = day_span(&want);
    assert_tables_match(&want, &sim.stored(&db, first, last));
    // Per network, no client row older than 7 days before its newest synced day.
    let older = count(
        &sim,
        &db,
        "SELECT COUNT(*) FROM client_daily_usage AS c
         WHERE c.day < date((SELECT MAX(day) FROM synced_days AS s
                             WHERE s.network_id = c.network_id), '-6 days')",
    );
    assert_eq!(older, 0);
    let days = count(
        &sim,
        &db,
        "SELECT COUNT(DISTINCT network_id || day) FROM client_daily_usage",
    );
    assert_eq!(days, 2 * 7);
    let expired = count(
        &sim,
        &db,
        "SELECT client_rows_expired FROM sync_runs ORDER BY id DESC LIMIT 1",
    );
    assert!(expired > 0);
    assert_eq!(
        count(&sim, &db, "SELECT COUNT(*) FROM client_daily_usage") + expired,
        // Every client row the sync wrote: one per client and day with traffic.
        truth_rows(&sim, first, last),
    );
}

/// How many (network, day, client) rows a full sync of `first..=last` writes.
fn truth_rows(sim: &Sim, first: Date, last: Date) -> i64 {
    let mut n = 0;
    for (_, net) in sim.handle().world().networks() {
        let tz = TimeZone::get(&net.time_zone).unwrap();
        let days = expected_days(sim.handle().now(), &tz, 30);
        let serial = &net.devices[0].serial;
        for day in first
            .series(1.day())
            .take_while(|d| *d <= last)
            .filter(|d| days.contains(d))
        {
            n += sim
                .handle()
                .ground_truth(&net.id, Some(serial), day, &tz)
                .len() as i64;
        }
    }
    n
}

#[test]
fn a_stricter_setting_needs_confirming_and_forget_client_erases_one_client() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    sync_with(&sim, d, "db.sqlite", &[]);
    let db = d.join("db.sqlite");
    let rows = count(&sim, &db, "SELECT COUNT(*) FROM client_daily_usage");
    let before = std::fs::read(&db).unwrap();
    for args in [
        &["--client-detail", "pseudonymous", "reconfigure"][..],
        &["--client-detail", "none", "-c", "dbreconfigure"],
        &["--client-retention", "3", "reconfigure"],
    ] {
        let out = run(sim
            .cmd(d)
            .args(["-d", "db.sqlite", "-g", GROUPS])
            .args(args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let line = one_error_line(&out);
        assert!(
            line.contains("would erase stored client data: ")
                && line.contains(
                    "nothing was changed; to confirm, run the same command with --apply-to-existing"
                ),
            "{line}"
        );
        assert_eq!(
            std::fs::read(&db).unwrap(),
            before,
            "{args:?} changed the file"
        );
    }
    let out = run(sim
        .cmd(d)
        .args(["-d", "db.sqlite", "--client-detail", "none", "reconfigure"]));
    assert!(one_error_line(&out).contains(&format!("all {rows} client rows deleted")));

    // Forget one client by MAC, in any notation: its rows go, the group rows stay.
    let (_, net) = sim.handle().world().networks().next().unwrap();
    let client = &net.clients[0];
    let mac = client.mac.to_uppercase().replace(':', "-");
    let groups_before = sim.stored(
        &db,
        "2026-03-01".parse().unwrap(),
        "2026-04-07".parse().unwrap(),
    );
    let out = run(sim.cmd(d).args(["-d", "db.sqlite", "forget-client", &mac]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let gone: i64 = stdout(&out)
        .strip_prefix("erased ")
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", stdout(&out)));
    assert!(gone > 0);
    assert_eq!(
        count(&sim, &db, "SELECT COUNT(*) FROM client_daily_usage"),
        rows - gone
    );
    assert!(!contains(&file_bytes(&db), &client.mac));
    assert_eq!(
        sim.stored(
            &db,
            "2026-03-01".parse().unwrap(),
            "2026-04-07".parse().unwrap()
        ),
        groups_before
    );
    let out = run(sim
        .cmd(d)
        .args(["-d", "db.sqlite", "forget-client", &client.mac]));
    assert_eq!(
        stdout(&out),
        format!(
            "no client rows of {} are stored; nothing was erased\n",
            client.mac
        )
    );
    let out = run(sim
        .cmd(d)
        .args(["-d", "db.sqlite", "forget-client", "laptop-17"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(one_error_line(&out).contains("\"laptop-17\" is neither a MAC address"));

    // Confirmed: the rows become pseudonymous, the ranking stays.
    let ranked = top_rows(&sim, d, "db.sqlite", &["--limit", "3"]);
    let out = run(sim.cmd(d).args([
        "-d",
        "db.sqlite",
        "--client-detail",
        "pseudonymous",
        "--client-retention",
        "20",
        "reconfigure",
        "--apply-to-existing",
        "-g",
        GROUPS,
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("replaced by pseudonyms"),
        "{}",
        stderr(&out)
    );
    let after = top_rows(&sim, d, "db.sqlite", &["--limit", "3"]);
    assert_eq!(
        after.iter().map(|r| (r.0, &r.1, &r.3)).collect::<Vec<_>>(),
        ranked.iter().map(|r| (r.0, &r.1, &r.3)).collect::<Vec<_>>()
    );
    let second = &net.clients[1];
    assert!(contains(
        &file_bytes(&d.join("db.sqlite")),
        "Low=sub:0.0.0.0/1"
    ));
    assert!(
        !contains(&file_bytes(&db), &second.mac),
        "the MAC is gone from the file"
    );
    // Forget by the pseudonym top shows.
    let out = run(sim
        .cmd(d)
        .args(["-d", "db.sqlite", "forget-client", &after[0].2]));
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("erased "), "{}", stdout(&out));
    // Reclassifying pseudonymous rows by subnet is refused; the groups use subnets.
    let out = run(sim.cmd(d).args([
        "-d",
        "db.sqlite",
        "-g",
        GROUPS,
        "reconfigure",
        "--reclassify",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(one_error_line(&out).contains("cannot reclassify with the rule sub:0.0.0.0/1"));
}
