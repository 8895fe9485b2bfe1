//! PostgreSQL databases (`-d postgres://…`) against a real server started by test-support:
//! the same world synced into SQLite and into PostgreSQL reports byte for byte the same, both
//! equal to ground truth; the password never shows; a second sync waits for the first.

use std::path::Path;
use std::process::Command;

use meraki_sim::SimConfig;
use test_support::postgres::{PgServer, TestDatabase};
use usage_model::{Filter, Groups};

use crate::harness::*;

/// `sim.cmd` with the key, and the database password only in `PGPASSWORD`.
fn pg_cmd(sim: &Sim, dir: &Path, db: &TestDatabase) -> Command {
    let mut c = keyed(sim, dir);
    c.env("PGPASSWORD", db.server().password())
        .env_remove("USAGESTATS_DATABASE_URL")
        .env_remove("PGSERVICE");
    c
}

fn world() -> Sim {
    let mut cfg = SimConfig {
        orgs: 2,
        networks_per_org: 3,
        devices_per_network: 1,
        clients_per_network: 20,
        ..SimConfig::default()
    }
    .with_now(now());
    cfg.api_key = "1234".into();
    Sim::start(cfg)
}

const GROUPS: &str = "Low=sub:10.0.0.0/9; High=sub:10.128.0.0/9";

fn stored_pg(sim: &Sim, url: &str, first: jiff::civil::Date, last: jiff::civil::Date) -> Table {
    sim.rt.block_on(async {
        let location = storage::Location::parse(url).expect("url");
        let store = storage::Store::connect(&location, storage::OpenMode::ReadOnly)
            .await
            .expect("opens");
        let table = test_support::truth::stored(&store, first, last).await;
        store.close().await;
        table
    })
}

#[test]
fn the_same_world_in_sqlite_and_postgresql_gives_identical_reports_equal_to_ground_truth() {
    let sim = world();
    let dir = tempdir();
    let db = PgServer::get().database();
    let url = db.url_without_password();

    let out = run(keyed(&sim, dir.path()).args(["-d", "db.sqlite", "-g", GROUPS, "sync"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(pg_cmd(&sim, dir.path(), &db).args(["-d", &url, "-g", GROUPS, "sync"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains(db.server().password()));

    let groups = Groups::parse(GROUPS).expect("groups");
    let filter = Filter::default();
    let want = expected(sim.handle(), &groups, &filter);
    let (first, last) = day_span(&want);
    let span = format!("{first} to {last}");
    for period in ["7", "30", "last-month", span.as_str()] {
        for format in ["text", "json", "csv"] {
            let args = ["report", period, "--offline", "--format", format];
            let sqlite = run(keyed(&sim, dir.path()).args(["-d", "db.sqlite"]).args(args));
            let pg = run(pg_cmd(&sim, dir.path(), &db).args(["-d", &url]).args(args));
            assert_eq!(sqlite.status.code(), Some(0), "{}", stderr(&sqlite));
            assert_eq!(pg.status.code(), Some(0), "{}", stderr(&pg));
            assert!(!sqlite.stdout.is_empty());
            assert_eq!(
                stdout(&sqlite),
                stdout(&pg),
                "report {period} as {format} differs between the backends"
            );
        }
    }

    assert_tables_match(
        &want,
        &sim.stored(&dir.path().join("db.sqlite"), first, last),
    );
    assert_tables_match(&want, &stored_pg(&sim, &db.url(), first, last));

    // Re-classified with new groups: still the same reports.
    let regroup = ["-g", "All=sub:10.0.0.0/8", "reconfigure", "--reclassify"];
    let out = run(keyed(&sim, dir.path())
        .args(["-d", "db.sqlite"])
        .args(regroup));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(pg_cmd(&sim, dir.path(), &db)
        .args(["-d", &url])
        .args(regroup));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let args = ["report", span.as_str(), "--offline", "--format", "csv"];
    let sqlite = run(keyed(&sim, dir.path()).args(["-d", "db.sqlite"]).args(args));
    let pg = run(pg_cmd(&sim, dir.path(), &db).args(["-d", &url]).args(args));
    assert!(stdout(&sqlite).contains(",All,"));
    assert_eq!(stdout(&sqlite), stdout(&pg));
    // The raw dumps agree too, apart from the line naming the database.
    let dump = |mut c: Command| {
        let out = run(&mut c);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with('(') || !l.contains("sync_runs"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let mut c = keyed(&sim, dir.path());
    c.args(["-d", "db.sqlite", "dump"]);
    let sqlite_dump = dump(c);
    let mut c = pg_cmd(&sim, dir.path(), &db);
    c.args(["-d", &url, "dump"]);
    let pg_dump = dump(c);
    let tables = |d: &[String]| -> Vec<String> {
        d.iter()
            .filter(|l| l.starts_with("TABLE"))
            .cloned()
            .collect()
    };
    assert_eq!(tables(&sqlite_dump), tables(&pg_dump));

    // Synced once per backend: every (network, day) fetched once for each.
    assert_eq!(
        device_client_calls(sim.handle()),
        2 * minimal_snapshot_calls(sim.handle(), &filter)
    );
}

#[test]
fn the_database_url_can_come_from_the_environment_and_the_password_never_shows() {
    let sim = small_sim();
    let dir = tempdir();
    let db = PgServer::get().database();
    let mut c = keyed(&sim, dir.path());
    c.env("USAGESTATS_DATABASE_URL", db.url())
        .args(["sync", "-v"]);
    let out = run(&mut c);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let password = db.server().password();
    assert!(!stderr(&out).contains(password), "{}", stderr(&out));

    // A wrong password: one line, naming the database without any password.
    let mut c = keyed(&sim, dir.path());
    c.env("PGPASSWORD", "not-the-password").args([
        "-d",
        &db.url_without_password(),
        "report",
        "--offline",
    ]);
    let out = run(&mut c);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains(&db.url_without_password()), "{err}");
    assert!(err.contains("password"), "{err}");
    assert!(!err.contains("not-the-password"), "{err}");

    // The password on the command line works, with a warning that it shows in `ps`.
    let out = run(keyed(&sim, dir.path()).args(["-d", &db.url(), "dump"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("process list"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(password));
    assert!(!stdout(&out).contains(password));
    assert!(stdout(&out).contains(&db.url_without_password()));
}

#[test]
fn an_empty_postgresql_database_is_named_for_what_it_is() {
    let sim = small_sim();
    let dir = tempdir();
    let db = PgServer::get().database();
    let out = run(pg_cmd(&sim, dir.path(), &db).args([
        "-d",
        &db.url_without_password(),
        "report",
        "--offline",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("holds no usagestats data"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).trim().lines().count(), 1);
}

/// A worker discovers organizations one at a time under their leases; a filter that selects
/// nothing in any of them is still the same one-line error (exit 2), naming the term.
#[test]
fn a_filter_that_selects_nothing_is_said_by_a_worker_too() {
    let sim = world();
    let dir = tempdir();
    let db = PgServer::get().database();
    let out = run(pg_cmd(&sim, dir.path(), &db).args([
        "-d",
        &db.url_without_password(),
        "-f",
        "net:No Such Network",
        "sync",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let line = one_error_line(&out);
    assert!(
        line.contains(
            "the filter selects no device: net:\"No Such Network\" matched no network; networks there:"
        ),
        "{line}"
    );
    // Each organization's networks and devices listed once, by the one worker.
    let counters = sim.handle().counters();
    assert_eq!(counters.total, 1 + 2 * 2, "{:?}", counters.by_endpoint);
}

#[test]
fn a_second_sync_of_a_postgresql_database_waits_and_fetches_nothing_twice() {
    let mut cfg = SimConfig {
        orgs: 2,
        networks_per_org: 3,
        devices_per_network: 1,
        clients_per_network: 30,
        ..SimConfig::default()
    }
    .with_now(now());
    cfg.api_key = "1234".into();
    let sim = Sim::start(cfg);
    let dir = tempdir();
    let db = PgServer::get().database();
    let url = db.url_without_password();
    let spawn = || {
        let mut c = pg_cmd(&sim, dir.path(), &db);
        c.env("USAGESTATS_ORG_RATE", "40")
            .args(["-d", &url, "sync"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        c.spawn().expect("spawn")
    };
    let a = spawn();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let b = spawn();
    let a = a.wait_with_output().expect("a");
    let b = b.wait_with_output().expect("b");
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    let filter = Filter::default();
    assert_eq!(
        device_client_calls(sim.handle()),
        minimal_snapshot_calls(sim.handle(), &filter),
        "no day fetched twice"
    );
    let want = expected(sim.handle(), &Groups::overall_default(), &filter);
    let (first, last) = day_span(&want);
    assert_tables_match(&want, &stored_pg(&sim, &db.url(), first, last));
}

#[test]
fn copy_db_round_trip_sqlite_postgresql_sqlite_leaves_identical_reports() {
    let sim = world();
    let dir = tempdir();
    let db = PgServer::get().database();
    let url = db.url_without_password();
    let out = run(keyed(&sim, dir.path()).args(["-d", "db.sqlite", "-g", GROUPS, "sync"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out =
        run(pg_cmd(&sim, dir.path(), &db).args(["-d", "db.sqlite", "copy-db", "--to", &url, "-v"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("counts and sums agree"),
        "{}",
        stderr(&out)
    );
    let out =
        run(pg_cmd(&sim, dir.path(), &db).args(["-d", &url, "copy-db", "--to", "back.sqlite"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let want = expected(
        sim.handle(),
        &Groups::parse(GROUPS).expect("groups"),
        &Filter::default(),
    );
    let (first, last) = day_span(&want);
    let span = format!("{first} to {last}");
    for format in ["text", "json", "csv"] {
        let args = ["report", span.as_str(), "--offline", "--format", format];
        let original = run(keyed(&sim, dir.path()).args(["-d", "db.sqlite"]).args(args));
        let pg = run(pg_cmd(&sim, dir.path(), &db).args(["-d", &url]).args(args));
        let back = run(keyed(&sim, dir.path())
            .args(["-d", "back.sqlite"])
            .args(args));
        assert_eq!(original.status.code(), Some(0), "{}", stderr(&original));
        assert_eq!(stdout(&original), stdout(&pg), "{format}");
        assert_eq!(stdout(&original), stdout(&back), "{format}");
    }
    // Every table, runs included, came back exactly.
    let dump = |name: &str| {
        let out = run(keyed(&sim, dir.path()).args(["-d", name, "dump"]));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .skip(1)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(dump("db.sqlite"), dump("back.sqlite"));
    assert_tables_match(&want, &stored_pg(&sim, &db.url(), first, last));

    // A target holding data is refused with one line, and left as it was.
    for target in [url.as_str(), "back.sqlite"] {
        let out =
            run(pg_cmd(&sim, dir.path(), &db).args(["-d", "db.sqlite", "copy-db", "--to", target]));
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_eq!(stderr(&out).trim().lines().count(), 1, "{}", stderr(&out));
        assert!(
            stderr(&out).contains("already holds usagestats data"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(dump("db.sqlite"), dump("back.sqlite"));
}

/// An estate of 6 organizations behind a simulator that gives each source address its own
/// budget of `SOURCE_RATE` requests per second (Meraki's per-source-IP limit, scaled down).
const SOURCE_RATE: f64 = 50.0;

fn estate() -> Sim {
    let mut cfg = SimConfig {
        orgs: 6,
        networks_per_org: 3,
        devices_per_network: 1,
        clients_per_network: 15,
        source_rate_limit: Some(SOURCE_RATE),
        ..SimConfig::default()
    }
    .with_now(now());
    cfg.api_key = "1234".into();
    Sim::start(cfg)
}

/// Worker `i` of a shared database: its own source address (127.0.0.2, .3, ...) and so its
/// own budget, paced just under it.
fn worker(sim: &Sim, dir: &Path, db: &TestDatabase, i: usize, lease: u32) -> std::process::Child {
    let mut c = pg_cmd(sim, dir, db);
    c.env("USAGESTATS_SOURCE_ADDRESS", format!("127.0.0.{}", i + 2))
        .env("USAGESTATS_SOURCE_RATE", format!("{}", SOURCE_RATE * 0.9))
        .env("USAGESTATS_LEASE_SECONDS", lease.to_string())
        .args(["-d", &db.url_without_password(), "sync"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    c.spawn().expect("worker starts")
}

#[test]
fn three_workers_split_the_estate_store_every_day_once_and_beat_one_source_budget() {
    let sim = estate();
    let dir = tempdir();
    let db = PgServer::get().database();
    // The schema exists before the workers start, as after a first sync or copy-db.
    let out = run(pg_cmd(&sim, dir.path(), &db).args(["-d", &db.url_without_password(), "dump"]));
    assert_eq!(
        out.status.code(),
        Some(2),
        "a new database holds nothing yet"
    );

    let started = std::time::Instant::now();
    let workers: Vec<_> = (0..3)
        .map(|i| worker(&sim, dir.path(), &db, i, 30))
        .collect();
    for w in workers {
        let out = w.wait_with_output().expect("worker ends");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let elapsed = started.elapsed();
    eprintln!("3 workers: {elapsed:?}");

    let filter = Filter::default();
    let minimum = minimal_snapshot_calls(sim.handle(), &filter);
    assert_eq!(
        device_client_calls(sim.handle()),
        minimum,
        "every (network, day) fetched once, by one worker"
    );
    // One sync alone: the organization list, each organization's networks and devices, the
    // reads. Each extra worker adds its own organization list, nothing else: an organization
    // is discovered by the worker that holds it, once.
    let one_sync = 1 + 2 * 6 + minimum;
    let counters = sim.handle().counters();
    eprintln!(
        "3 workers: {} calls ({:?}); one sync: {one_sync}",
        counters.total, counters.by_endpoint
    );
    assert_eq!(
        counters.by_endpoint.get("getOrganizations").copied(),
        Some(3),
        "{counters:?}"
    );
    assert!(
        counters.total <= one_sync + 2,
        "3 workers made {} calls; one sync needs {one_sync}: {:?}",
        counters.total,
        counters.by_endpoint
    );
    assert_eq!(
        sim.handle().counters().rate_limited,
        0,
        "each worker kept to its budget"
    );
    // One source budget alone needs at least this long (a full bucket, then the rate); three
    // workers, each with its own, finish sooner than one worker possibly could.
    let one_budget =
        std::time::Duration::from_secs_f64((minimum as f64 - SOURCE_RATE) / SOURCE_RATE);
    assert!(
        elapsed < one_budget,
        "3 workers took {elapsed:?}; one source budget needs at least {one_budget:?}"
    );
    // Stored once: every (network, day) has one completion mark and the totals are the truth.
    let marks = db.sql("SELECT COUNT(*), COUNT(DISTINCT (network_id, day)) FROM synced_days");
    let (all, distinct) = marks.split_once('|').expect("two counts");
    assert_eq!(all, distinct);
    let want = expected(sim.handle(), &Groups::overall_default(), &filter);
    let (first, last) = day_span(&want);
    assert_tables_match(&want, &stored_pg(&sim, &db.url(), first, last));
    // Every worker recorded its run, each ok.
    assert_eq!(
        db.sql("SELECT string_agg(status, ',' ORDER BY id) FROM sync_runs"),
        "ok,ok,ok"
    );
}

#[test]
fn a_killed_worker_s_organizations_are_finished_by_the_others_after_its_lease_expires() {
    let sim = estate();
    let dir = tempdir();
    let db = PgServer::get().database();
    let lease = 2;
    let mut victim = worker(&sim, dir.path(), &db, 0, lease);
    // Once the victim has stored some days (it holds organizations and is mid-way), kill it
    // without warning and start two others.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let days = db
            .sql("SELECT CASE WHEN to_regclass('synced_days') IS NULL THEN 0 ELSE 1 END")
            .parse::<u32>()
            .unwrap_or(0);
        if days == 1 && db.sql("SELECT COUNT(*) FROM synced_days") != "0" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the first worker stored nothing"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    victim.kill().expect("SIGKILL");
    let _ = victim.wait();
    let held = db.sql("SELECT COUNT(*) FROM organization_leases WHERE holder <> ''");
    assert_ne!(held, "0", "the killed worker held organizations");

    let others: Vec<_> = (1..3)
        .map(|i| worker(&sim, dir.path(), &db, i, lease))
        .collect();
    for w in others {
        let out = w.wait_with_output().expect("worker ends");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let filter = Filter::default();
    let want = expected(sim.handle(), &Groups::overall_default(), &filter);
    let (first, last) = day_span(&want);
    assert_tables_match(&want, &stored_pg(&sim, &db.url(), first, last));
    assert_eq!(
        db.sql("SELECT COUNT(*) FROM organization_leases WHERE holder <> ''"),
        "0",
        "every lease released"
    );
    // The victim's run is marked aborted by whoever took its organizations over.
    assert_eq!(
        db.sql("SELECT string_agg(status, ',' ORDER BY id) FROM sync_runs"),
        "aborted,ok,ok"
    );
    // Reads beyond the plan: at most what the victim had in flight, the networks of the
    // organizations it held (each network's reads of one device: 30 days + 1 + 2 bound reads).
    let held: u64 = held.parse().expect("a count");
    let in_flight = held * 3 * (30 + 1 + 2);
    let calls = device_client_calls(sim.handle());
    let minimum = minimal_snapshot_calls(sim.handle(), &filter);
    assert!(
        (minimum..=minimum + in_flight).contains(&calls),
        "{calls} calls, plan {minimum}, victim held {held} organizations"
    );
}

#[test]
fn top_clients_forget_client_and_privacy_settings_agree_between_the_backends() {
    let sim = world();
    let dir = tempdir();
    let db = PgServer::get().database();
    let url = db.url_without_password();
    let both = |args: &[&str]| -> (std::process::Output, std::process::Output) {
        let sqlite = run(keyed(&sim, dir.path()).args(["-d", "db.sqlite"]).args(args));
        let pg = run(pg_cmd(&sim, dir.path(), &db).args(["-d", &url]).args(args));
        (sqlite, pg)
    };
    let (a, b) = both(&["-g", GROUPS, "sync"]);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));

    // The largest clients: the same ranking and figures (as JSON, and for one group).
    for args in [
        &["top", "--format", "json"][..],
        &["top", "30", "--group", "High", "--limit", "3"][..],
        &["top", "last-month"][..],
    ] {
        let (a, b) = both(args);
        assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
        assert!(!a.stdout.is_empty());
        assert_eq!(stdout(&a), stdout(&b), "top {args:?}");
    }

    // Forgetting one client erases the same rows in both; group totals stay.
    let (_, net) = sim.handle().world().networks().next().expect("a network");
    let mac = net.clients[0].mac.to_uppercase();
    let (a, b) = both(&["forget-client", &mac]);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(stdout(&a), stdout(&b));
    assert!(stdout(&a).starts_with("erased "), "{}", stdout(&a));
    assert_eq!(
        db.sql(&format!(
            "SELECT COUNT(*) FROM client_daily_usage WHERE lower(mac) = '{}'",
            net.clients[0].mac.to_lowercase()
        )),
        "0"
    );

    // Pseudonymous with a retention: every remaining row hashed, old rows gone, the group
    // report unchanged and still equal between the backends.
    let stricter = [
        "--client-detail",
        "pseudonymous",
        "--client-retention",
        "10",
        "reconfigure",
    ];
    // Refused at first, with the same counts of what it would erase.
    let (a, b) = both(&stricter);
    assert_eq!(a.status.code(), Some(2), "{}", stderr(&a));
    assert_eq!(stderr(&a), stderr(&b));
    let (a, b) = both(&[&stricter[..], &["--apply-to-existing"]].concat());
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    assert_eq!(
        db.sql("SELECT COUNT(*) FROM client_daily_usage WHERE pseudonymized = 0"),
        "0"
    );
    assert_ne!(db.sql("SELECT COUNT(*) FROM client_daily_usage"), "0");
    assert_eq!(
        db.sql("SELECT COUNT(DISTINCT day) FROM client_daily_usage"),
        "10",
        "the retention keeps 10 days"
    );
    let (a, b) = both(&["report", "30", "--offline", "--format", "csv"]);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(stdout(&a), stdout(&b));
    // The rolled-up client sums still equal the daily rows after all that.
    assert_eq!(
        db.sql(
            "SELECT (SELECT COALESCE(SUM(up_mkb + down_mkb), 0) FROM client_daily_usage)
                  = (SELECT COALESCE(SUM(up_mkb + down_mkb), 0) FROM client_monthly_usage)"
        ),
        "t"
    );
}

/// A port nothing listens on, of `host`.
fn closed_port(host: &str) -> u16 {
    let listener = std::net::TcpListener::bind((host, 0)).expect("a free port");
    listener.local_addr().expect("address").port()
}

/// A server that refuses the connection is said at once (the driver's pool would retry for its
/// 30 s acquire timeout), as refused, naming host and port, never the password.
#[test]
fn a_refused_connection_is_said_at_once_naming_host_and_port() {
    let dir = tempdir();
    for (host, shown) in [("127.0.0.1", "127.0.0.1"), ("::1", "[::1]")] {
        let port = closed_port(host);
        let url = format!("postgres://usagestats:no-such-secret@{shown}:{port}/usage");
        let started = std::time::Instant::now();
        let out = run(Command::new(env!("CARGO_BIN_EXE_usagestats"))
            .current_dir(dir.path())
            .env_remove("RUST_LOG")
            .args(["-q", "-d", &url, "report", "--offline"]));
        let took = started.elapsed();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let line = one_error_line(&out);
        assert!(
            line.contains(&format!("{shown}:{port} refused the connection")),
            "{line}"
        );
        assert!(!line.contains("no-such-secret"), "{line}");
        // The issue asks for an answer within 2 s; the bound is generous, the old wait 30 s.
        assert!(took < std::time::Duration::from_secs(5), "{took:?}");
    }
}

/// A URL the driver cannot use is a usage error said once, in one line: a value it refuses
/// (it printed "error with configuration:" twice, exit 1) and a parameter it does not know
/// (it ignored it with a log line, so `sslmod=require` connected without TLS).
#[test]
fn a_malformed_postgresql_url_is_a_usage_error_in_one_line() {
    let dir = tempdir();
    let port = closed_port("127.0.0.1");
    for (query, said) in [
        ("sslmode=bogus", "unknown value \"bogus\""),
        ("sslmod=require", "unknown parameter \"sslmod\""),
    ] {
        let url = format!("postgres://usagestats:no-such-secret@127.0.0.1:{port}/x?{query}");
        let out = run(Command::new(env!("CARGO_BIN_EXE_usagestats"))
            .current_dir(dir.path())
            .env_remove("RUST_LOG")
            .env("USAGESTATS_DATABASE_URL", &url)
            .args(["report", "--offline"]));
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let line = one_error_line(&out);
        assert!(line.contains(said), "{line}");
        assert!(line.contains("the PostgreSQL URL"), "{line}");
        assert_eq!(
            line.matches("error with configuration").count(),
            0,
            "{line}"
        );
        assert!(!line.contains("no-such-secret"), "{line}");
    }
}

/// An IPv6 literal host (`[::1]`) reaches the server there: a sync through it stores what a
/// sync through 127.0.0.1 reads back.
#[test]
fn an_ipv6_literal_host_works() {
    let server = PgServer::get();
    // The test server listens on ::1 too; a machine without IPv6 loopback fails here, loudly.
    std::net::TcpStream::connect(("::1", server.port()))
        .expect("the test PostgreSQL server listens on [::1] (needs IPv6 loopback)");
    let sim = small_sim();
    let dir = tempdir();
    let db = server.database();
    let v6 = format!(
        "postgres://{}@[::1]:{}/{}",
        test_support::postgres::USER,
        server.port(),
        db.name()
    );
    let out = run(pg_cmd(&sim, dir.path(), &db).args(["-d", &v6, "sync"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let report = |url: &str| {
        let out = run(pg_cmd(&sim, dir.path(), &db).args(["-d", url, "report", "7", "--offline"]));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let through_v6 = report(&v6);
    assert!(through_v6.starts_with("Usage report: "), "{through_v6}");
    assert_eq!(through_v6, report(&db.url_without_password()));
}

/// Library diagnostics stay off the terminal at the default verbosity: a copy from PostgreSQL
/// whose read of a table waits more than a second (another session holds a lock on it) made
/// sqlx log `WARN slow statement … db.statement="…"`, SQL included; now it prints nothing, and
/// `-v` still shows it.
#[test]
fn copy_db_from_postgresql_prints_nothing_at_default_verbosity() {
    let sim = small_sim();
    let dir = tempdir();
    let db = PgServer::get().database();
    let url = db.url_without_password();
    synced(&sim, dir.path(), "db.sqlite");
    let out = run(pg_cmd(&sim, dir.path(), &db).args(["-d", "db.sqlite", "copy-db", "--to", &url]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let locked_copy = |target: &str, verbosity: &[&str]| {
        // Another session holds the table for three seconds, taken before the copy starts.
        let holder = std::thread::scope(|s| {
            let hold = s.spawn(|| {
                db.sql(
                    "BEGIN; LOCK TABLE daily_usage IN ACCESS EXCLUSIVE MODE; \
                     SELECT pg_sleep(3); COMMIT;",
                )
            });
            let granted = "SELECT count(*) FROM pg_locks AS l JOIN pg_class AS c \
                           ON c.oid = l.relation WHERE c.relname = 'daily_usage' \
                           AND l.mode = 'AccessExclusiveLock' AND l.granted";
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while db.sql(granted) != "1" {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the lock was never taken"
                );
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let out = run(pg_cmd(&sim, dir.path(), &db)
                .args(["-d", &url, "copy-db", "--to", target])
                .args(verbosity));
            hold.join().expect("lock holder");
            out
        });
        assert_eq!(holder.status.code(), Some(0), "{}", stderr(&holder));
        stderr(&holder)
    };
    let err = locked_copy("back.sqlite", &[]);
    assert!(err.is_empty(), "{err}");
    // The copy did wait: asked for, the driver's warning is there.
    let err = locked_copy("again.sqlite", &["-v"]);
    assert!(err.contains("slow statement"), "{err}");
}
