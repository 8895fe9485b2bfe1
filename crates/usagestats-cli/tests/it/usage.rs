//! Exit codes and one-line errors for user mistakes and failures.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;
use std::process::{Command, Output};

use meraki_sim::SimConfig;

use crate::harness::*;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_usagestats"));
    c.env_remove("MERAKI_DASHBOARD_API_KEY")
        .env_remove("RUST_LOG");
    c
}

fn assert_one_line_error(out: &std::process::Output) {
    let err = stderr(out);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(lines.len(), 1, "one error line: {err}");
    assert!(lines[0].starts_with("usagestats: error: "), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
}

#[test]
fn no_arguments_prints_help_and_exits_2() {
    let out = run(&mut bin());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Usage:"));
    assert!(stdout(&out).is_empty());
}

#[test]
fn help_and_version_exit_0() {
    assert_eq!(run(bin().arg("--help")).status.code(), Some(0));
    assert_eq!(run(bin().arg("--version")).status.code(), Some(0));
}

#[test]
fn bad_groups_exit_2_and_create_nothing() {
    let dir = tempdir();
    let out = run(bin().current_dir(dir.path()).args([
        "-k",
        "1234",
        "-d",
        "new.db",
        "-g",
        "Corp=sub:10.0.0.0/33",
        "-c",
        "sync",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert_one_line_error(&out);
    assert!(!dir.path().join("new.db").exists());
}

#[test]
fn bad_usage_exits_2() {
    let dir = tempdir();
    for args in [
        vec!["-d", "x.db", "-c", "report:yesterday"],
        vec!["-d", "x.db", "-c", "frobnicate"],
        vec!["-d", "x.db", "-f", "dtype:toaster", "-c", "sync", "-k", "1"],
        vec!["-c", "report-offline:10"],
        vec!["-d", "missing.db", "-c", "report-offline:10"],
        vec![
            "-d",
            "x.db",
            "--timezone",
            "Mars/Olympus",
            "-c",
            "sync",
            "-k",
            "1",
        ],
        vec!["-d", "x.db", "-c", "sync"],
    ] {
        let out = run(bin().current_dir(dir.path()).args(&args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_one_line_error(&out);
    }
    for args in [
        vec!["--no-such-flag"],
        vec!["report", "10", "--format", "pdf"],
        vec!["demo", "--days", "99"],
    ] {
        let out = run(bin().args(&args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_one_line_error(&out);
        assert_eq!(stderr(&out).lines().count(), 1, "{args:?}");
    }
}

#[test]
fn refused_key_exits_1_with_one_line() {
    let sim = Sim::start(SimConfig::default().with_now(now()));
    let dir = tempdir();
    let out = run(sim
        .cmd(dir.path())
        .args(["-k", "wrong", "-d", "db.sqlite", "-c", "sync"]));
    assert_eq!(out.status.code(), Some(1));
    assert_one_line_error(&out);
    assert!(stderr(&out).contains("401"));
    assert!(!stderr(&out).contains("wrong"), "the key never shows");
    assert!(
        !dir.path().join("db.sqlite").exists(),
        "a refused first sync leaves no database behind"
    );
}

#[test]
fn api_key_file_is_read_and_never_echoed() {
    let mut cfg = SimConfig {
        orgs: 1,
        networks_per_org: 2,
        devices_per_network: 1,
        clients_per_network: 10,
        ..SimConfig::default()
    }
    .with_now(now());
    cfg.api_key = "file-key-0123".into();
    let sim = Sim::start(cfg);
    let dir = tempdir();
    std::fs::write(dir.path().join("key.txt"), "file-key-0123\n").expect("key file");
    let out = run(sim.cmd(dir.path()).args([
        "--api-key-file",
        "key.txt",
        "-d",
        "db.sqlite",
        "-v",
        "sync",
    ]));
    assert_eq!(out.status.code(), Some(0));
    assert!(!stderr(&out).contains("file-key-0123"));
    std::fs::write(dir.path().join("empty.txt"), "\n").expect("key file");
    let out =
        run(sim
            .cmd(dir.path())
            .args(["--api-key-file", "empty.txt", "-d", "db.sqlite", "sync"]));
    assert_eq!(out.status.code(), Some(2));
    assert_one_line_error(&out);
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let dir = tempdir();
    let legacy = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/legacy/usagestats-v4.db");
    let out = run(bin()
        .current_dir(dir.path())
        .arg("-d")
        .arg("new.sqlite")
        .arg("import-legacy")
        .arg(&legacy));
    assert_eq!(out.status.code(), Some(0));
    // `usagestats ... | head -c0`: the reader is gone before the report is written.
    let mut child = bin()
        .current_dir(dir.path())
        .args([
            "-d",
            "new.sqlite",
            "report",
            "2018-01-01 to 2018-03-31",
            "--offline",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

/// The manual's exit-code table: per code, the items of its meaning (after the colon,
/// separated by "; ").
fn manual_exit_codes() -> BTreeMap<u8, Vec<String>> {
    let manual =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/manual.md"))
            .expect("manual");
    let section = manual
        .split("## Exit codes")
        .nth(1)
        .expect("exit code section");
    let mut table = BTreeMap::new();
    for line in section.lines().skip_while(|l| !l.starts_with("| code")) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Ok(code) = cells[1].parse::<u8>() else {
            continue;
        };
        let items = match cells[2].split_once(": ") {
            Some((_, items)) => items.split("; ").map(str::to_string).collect(),
            None => vec![cells[2].to_string()],
        };
        table.insert(code, items);
    }
    table
}

/// A command and a name to show when it fails.
type Case<'a> = (&'a str, Box<dyn Fn() -> Output + 'a>);

fn python_sqlite(dir: &Path, name: &str, sql: &str) {
    let ok = Command::new("python3")
        .current_dir(dir)
        .args([
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
            name,
            sql,
        ])
        .status()
        .expect("python3");
    assert!(ok.success());
}

/// Every exit code and every case the manual's table lists, run against the real binary: the
/// table and the tool agree, and every item of the table has a case here.
#[test]
fn every_exit_code_of_the_manual_is_what_the_tool_returns() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    chmod(d, 0o755);
    synced(&sim, d, "db.sqlite");
    std::fs::copy(d.join("db.sqlite"), d.join("ro.sqlite")).unwrap();
    chmod(&d.join("ro.sqlite"), 0o444);
    std::fs::write(d.join("notes.txt"), "not a database\n").unwrap();
    python_sqlite(
        d,
        "foreign.sqlite",
        "CREATE TABLE recipes (id INTEGER PRIMARY KEY)",
    );
    let legacy =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/legacy/usagestats-v4.db");
    std::fs::copy(&legacy, d.join("legacy.db")).unwrap();
    std::fs::create_dir(d.join("a-directory")).unwrap();
    let org = sim.handle().world().organizations[0].id.clone();
    let nets = selected_networks(sim.handle(), &usage_model::Filter::default());
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let off_sim = {
        let mut world = meraki_sim::World::generate(
            3,
            &meraki_sim::WorldSize {
                orgs: 1,
                networks_per_org: 1,
                devices_per_network: 1,
                clients_per_network: 4,
            },
        );
        world.organizations[0].api_enabled = false;
        let mut cfg = SimConfig::default().with_world(world).with_now(now());
        cfg.api_key = "1234".into();
        Sim::start(cfg)
    };
    let off_org = off_sim.handle().world().organizations[0].name.clone();
    let go = |args: &[&str]| run(keyed(&sim, d).args(args));
    let bare = |args: &[&str]| run(bin().current_dir(d).args(args));

    let cases: Vec<(u8, &str, Vec<Case<'_>>)> = vec![
        (
            0,
            "success",
            vec![(
                "report",
                Box::new(|| go(&["-d", "db.sqlite", "-c", "report-offline:7"])),
            )],
        ),
        (
            1,
            "the Dashboard refused the key or access (401, 403)",
            vec![
                (
                    "401",
                    Box::new(|| {
                        run(keyed(&sim, d)
                            .env("MERAKI_DASHBOARD_API_KEY", "wrong")
                            .args(["-d", "db.sqlite", "sync"]))
                    }),
                ),
                (
                    "403",
                    Box::new(|| {
                        sim.handle().forbid_organization(&org);
                        let out = go(&["-d", "db.sqlite", "sync"]);
                        sim.handle().allow_organization(&org);
                        out
                    }),
                ),
            ],
        ),
        (
            1,
            "the organization the filter names has its API access disabled",
            vec![(
                "api off",
                Box::new(|| {
                    run(keyed(&off_sim, d).args([
                        "-d",
                        "new.sqlite",
                        "-f",
                        &format!("org:{off_org}"),
                        "sync",
                    ]))
                }),
            )],
        ),
        (
            1,
            "the Dashboard could not be reached (no connection)",
            vec![(
                "refused",
                Box::new(|| {
                    run(keyed(&sim, d)
                        .env(
                            "USAGESTATS_BASE_URL",
                            format!("http://127.0.0.1:{closed_port}/api/v1"),
                        )
                        .args(["-d", "db.sqlite", "sync"]))
                }),
            )],
        ),
        (
            1,
            "the database failed or could not be reached (disk full, read-only file, a PostgreSQL server that refuses the connection)",
            vec![
                (
                    "refused",
                    Box::new(|| {
                        let url = format!("postgres://usagestats@127.0.0.1:{closed_port}/usage");
                        go(&["-d", &url, "report", "--offline"])
                    }),
                ),
                (
                    "disk full",
                    Box::new(|| {
                        run(crate::safety::limited(&sim, d, 40)
                            .env("MERAKI_DASHBOARD_API_KEY", "1234")
                            .args(["-d", "full.sqlite", "sync"]))
                    }),
                ),
                (
                    "read-only",
                    Box::new(|| {
                        let mut c = keyed(&sim, d);
                        c.args(["-d", "ro.sqlite", "-c", "dbreconfigure"]);
                        run(&mut as_unprivileged(c))
                    }),
                ),
            ],
        ),
        (
            1,
            "the mail server failed",
            vec![(
                "smtp refused",
                Box::new(|| {
                    run(keyed(&sim, d)
                        .env("USAGESTATS_SMTP_PASSWORD", "secret")
                        .args([
                            "-d",
                            "db.sqlite",
                            "-c",
                            "report-offline:7",
                            "-u",
                            "reports@example.com",
                            "-r",
                            "it@example.com",
                            "-s",
                            &format!("127.0.0.1:{closed_port}"),
                            "--smtp-insecure",
                        ]))
                }),
            )],
        ),
        (
            1,
            "a sync completed only partly (some networks kept failing)",
            vec![(
                "partial",
                Box::new(|| {
                    sim.handle().fail_network(&nets[0]);
                    let out = go(&["-d", "partial.sqlite", "sync"]);
                    sim.handle().heal_network(&nets[0]);
                    assert!(stderr(&out).contains("sync incomplete"), "{}", stderr(&out));
                    let days = sim.complete_days(&d.join("partial.sqlite"));
                    assert_eq!(days.get(&nets[0]).copied().unwrap_or(0), 0);
                    let want = expected_day_counts(sim.handle(), &usage_model::Filter::default());
                    for n in &nets[1..] {
                        assert_eq!(days.get(n).copied(), want.get(n).copied(), "{n}");
                    }
                    out
                }),
            )],
        ),
        (
            2,
            "unknown option or command",
            vec![
                ("option", Box::new(|| bare(&["--no-such-flag"]))),
                (
                    "-c",
                    Box::new(|| bare(&["-d", "db.sqlite", "-c", "frobnicate"])),
                ),
                (
                    "subcommand",
                    Box::new(|| bare(&["-d", "db.sqlite", "reprot"])),
                ),
            ],
        ),
        (
            2,
            "invalid groups, filter, period or time zone",
            vec![
                (
                    "groups",
                    Box::new(|| go(&["-d", "new.sqlite", "-g", "Corp=sub:10.0.0.0/33", "sync"])),
                ),
                (
                    "filter",
                    Box::new(|| go(&["-d", "new.sqlite", "-f", "dtype:toaster", "sync"])),
                ),
                (
                    "period",
                    Box::new(|| go(&["-d", "db.sqlite", "-c", "report-offline:yesterday"])),
                ),
                (
                    "periods before the year 1",
                    Box::new(|| {
                        let out = go(&[
                            "-d",
                            "db.sqlite",
                            "report",
                            "100000",
                            "--periods",
                            "120",
                            "--offline",
                        ]);
                        assert!(stderr(&out).contains("--periods 120: "), "{}", stderr(&out));
                        out
                    }),
                ),
                (
                    "zone",
                    Box::new(|| go(&["-d", "new.sqlite", "--timezone", "Mars/Olympus", "sync"])),
                ),
            ],
        ),
        (
            2,
            "a filter that selects no device",
            vec![(
                "org",
                Box::new(|| go(&["-d", "new.sqlite", "-f", "org:Nobody Inc", "sync"])),
            )],
        ),
        (
            2,
            "a source that cannot apply (`ssid:` groups without `--source network`, `dtype:`/`dtag:` with it)",
            vec![
                (
                    "ssid without network",
                    Box::new(|| go(&["-d", "new.sqlite", "-g", "Guests=ssid:Guest", "sync"])),
                ),
                (
                    "dtag with network",
                    Box::new(|| {
                        go(&[
                            "-d",
                            "new.sqlite",
                            "--source",
                            "network",
                            "-f",
                            "dtag:core",
                            "sync",
                        ])
                    }),
                ),
            ],
        ),
        (
            2,
            "no database given",
            vec![("no -d", Box::new(|| go(&["-c", "report-offline:7"])))],
        ),
        (
            2,
            "incomplete e-mail options (no sender, a user without a password)",
            vec![
                (
                    "no password",
                    Box::new(|| {
                        go(&[
                            "-d",
                            "db.sqlite",
                            "-c",
                            "report-offline:7",
                            "-u",
                            "reports@example.com",
                            "-r",
                            "it@example.com",
                        ])
                    }),
                ),
                (
                    "no sender",
                    Box::new(|| {
                        go(&[
                            "-d",
                            "db.sqlite",
                            "-c",
                            "report-offline:7",
                            "-r",
                            "it@example.com",
                        ])
                    }),
                ),
            ],
        ),
        (
            2,
            "a database file that is not a usagestats database (another program's or the original script's database, a text file, a directory)",
            vec![
                (
                    "foreign",
                    Box::new(|| go(&["-d", "foreign.sqlite", "-c", "report-offline:7"])),
                ),
                ("legacy", Box::new(|| go(&["-d", "legacy.db", "sync"]))),
                ("text", Box::new(|| go(&["-d", "notes.txt", "dump"]))),
                ("directory", Box::new(|| go(&["-d", "a-directory", "sync"]))),
                (
                    "import text",
                    Box::new(|| go(&["-d", "imported.sqlite", "import-legacy", "notes.txt"])),
                ),
                (
                    "import ours",
                    Box::new(|| go(&["-d", "imported.sqlite", "import-legacy", "db.sqlite"])),
                ),
            ],
        ),
        (
            2,
            "a database made by the demo given to a command that syncs",
            vec![(
                "demo",
                Box::new(|| {
                    let out = bare(&[
                        "-d",
                        "demo.sqlite",
                        "demo",
                        "--days",
                        "2",
                        "--now",
                        "2026-11-29T12:00:00Z",
                    ]);
                    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
                    go(&["-d", "demo.sqlite", "sync"])
                }),
            )],
        ),
        (
            2,
            "missing API key",
            vec![("no key", Box::new(|| bare(&["-d", "db.sqlite", "sync"])))],
        ),
        (
            2,
            "a billing day (`--day`) with a period that is not a billing cycle, or given twice",
            vec![
                (
                    "last-week",
                    Box::new(|| {
                        go(&[
                            "-d",
                            "db.sqlite",
                            "report",
                            "last-week",
                            "--day",
                            "5",
                            "--offline",
                        ])
                    }),
                ),
                (
                    "twice",
                    Box::new(|| {
                        go(&[
                            "-d",
                            "db.sqlite",
                            "report",
                            "billing:5",
                            "--day",
                            "5",
                            "--offline",
                        ])
                    }),
                ),
            ],
        ),
        (
            2,
            "client rows needed where none can serve (`top`, `report --top` or `reconfigure --reclassify` on a database with client detail `none`, `--reclassify` by subnet over pseudonymous rows)",
            vec![
                (
                    "top",
                    Box::new(|| {
                        let out = go(&["-d", "none.sqlite", "--client-detail", "none", "sync"]);
                        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
                        go(&["-d", "none.sqlite", "top"])
                    }),
                ),
                (
                    "report --top",
                    Box::new(|| go(&["-d", "none.sqlite", "report", "--offline", "--top", "3"])),
                ),
                (
                    "reclassify",
                    Box::new(|| go(&["-d", "none.sqlite", "reconfigure", "--reclassify"])),
                ),
                (
                    "pseudonymous by subnet",
                    Box::new(|| {
                        let out = go(&[
                            "-d",
                            "pseudo.sqlite",
                            "--client-detail",
                            "pseudonymous",
                            "sync",
                        ]);
                        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
                        go(&["-d", "pseudo.sqlite", "reconfigure", "--reclassify"])
                    }),
                ),
            ],
        ),
        (
            2,
            "`report --top` with CSV output",
            vec![
                (
                    "--format csv",
                    Box::new(|| {
                        go(&[
                            "-d",
                            "db.sqlite",
                            "report",
                            "--offline",
                            "--top",
                            "3",
                            "--format",
                            "csv",
                        ])
                    }),
                ),
                (
                    "-o *.csv",
                    Box::new(|| go(&["-d", "db.sqlite", "report", "--top", "3", "-o", "top.csv"])),
                ),
            ],
        ),
        (
            2,
            "a privacy change that would erase stored client data, without `--apply-to-existing`",
            vec![(
                "stricter",
                Box::new(|| {
                    go(&[
                        "-d",
                        "db.sqlite",
                        "--client-detail",
                        "pseudonymous",
                        "reconfigure",
                    ])
                }),
            )],
        ),
        (
            2,
            "a file to write that is the database or one of its side files (`backup`, `copy-db --to` or `-o` naming it or its `-wal`, `-shm`, `-journal` or `.lock` file, also through a link)",
            vec![
                (
                    "backup",
                    Box::new(|| go(&["-d", "db.sqlite", "backup", "db.sqlite-journal"])),
                ),
                (
                    "copy-db",
                    Box::new(|| go(&["-d", "db.sqlite", "copy-db", "--to", "db.sqlite.lock"])),
                ),
                (
                    "-o",
                    Box::new(|| {
                        go(&[
                            "-d",
                            "db.sqlite",
                            "-o",
                            "db.sqlite-wal",
                            "report",
                            "--offline",
                        ])
                    }),
                ),
            ],
        ),
        (
            2,
            "a PostgreSQL URL that is not valid (a parameter or value the driver does not know)",
            vec![(
                "sslmode",
                Box::new(|| {
                    let url = format!(
                        "postgres://usagestats@127.0.0.1:{closed_port}/usage?sslmode=bogus"
                    );
                    go(&["-d", &url, "report", "--offline"])
                }),
            )],
        ),
        (
            2,
            "a `forget-client` argument that is neither a MAC address nor a pseudonym",
            vec![(
                "not a mac",
                Box::new(|| go(&["-d", "db.sqlite", "forget-client", "printer"])),
            )],
        ),
        (
            2,
            "`serve` on an address other than loopback without an access token, or with a token shorter than 12 characters or an unreadable token file",
            vec![
                (
                    "no token",
                    Box::new(|| go(&["-d", "db.sqlite", "serve", "--listen", "0.0.0.0:0"])),
                ),
                (
                    "short token",
                    Box::new(|| {
                        std::fs::write(d.join("token"), "secret\n").unwrap();
                        go(&["-d", "db.sqlite", "serve", "--token-file", "token"])
                    }),
                ),
                (
                    "unreadable token file",
                    Box::new(|| go(&["-d", "db.sqlite", "serve", "--token-file", "no-such-file"])),
                ),
            ],
        ),
    ];

    let listed: BTreeMap<u8, BTreeSet<String>> = manual_exit_codes()
        .into_iter()
        .map(|(code, items)| (code, items.into_iter().collect()))
        .collect();
    let mut tested: BTreeMap<u8, BTreeSet<String>> = BTreeMap::new();
    for (code, item, _) in &cases {
        tested.entry(*code).or_default().insert(item.to_string());
    }
    assert_eq!(tested, listed, "the manual's table and these cases differ");

    for (code, item, runs) in &cases {
        for (name, command) in runs {
            let out = command();
            assert_eq!(out.status.code(), Some(i32::from(*code)), "{item}: {name}");
            if *code == 0 {
                continue;
            }
            let err = stderr(&out);
            let errors: Vec<&str> = err.lines().filter(|l| l.contains("error:")).collect();
            assert_eq!(errors.len(), 1, "{item}: {name}: {err}");
            assert!(errors[0].starts_with("usagestats: error: "), "{err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    assert!(!d.join("new.sqlite").exists() && !d.join("imported.sqlite").exists());
}

/// No phrase of three words or more appears twice in the line: each cause is said once.
fn assert_each_cause_once(line: &str) {
    let words: Vec<String> = line
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut seen = BTreeSet::new();
    for phrase in words.windows(3) {
        assert!(
            seen.insert(phrase.join(" ")),
            "{:?} repeated in: {line}",
            phrase.join(" ")
        );
    }
}

#[test]
fn each_cause_is_named_once_in_one_line_errors() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    chmod(d, 0o755);
    synced(&sim, d, "db.sqlite");
    std::fs::copy(d.join("db.sqlite"), d.join("ro.sqlite")).unwrap();
    chmod(&d.join("ro.sqlite"), 0o444);
    let org = sim.handle().world().organizations[0].id.clone();
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let non_utf8 = std::ffi::OsStr::from_bytes(b"caf\xe9.sqlite");
    let mut checks: Vec<(&str, &str, Output)> = Vec::new();
    checks.push((
        "401",
        "401",
        run(keyed(&sim, d)
            .env("MERAKI_DASHBOARD_API_KEY", "wrong")
            .args(["-d", "new.sqlite", "sync"])),
    ));
    sim.handle().forbid_organization(&org);
    checks.push((
        "403",
        "403",
        run(keyed(&sim, d).args(["-d", "new.sqlite", "sync"])),
    ));
    sim.handle().allow_organization(&org);
    checks.push((
        "connection refused",
        "onnection refused",
        run(keyed(&sim, d)
            .env(
                "USAGESTATS_BASE_URL",
                format!("http://127.0.0.1:{closed_port}/api/v1"),
            )
            .args(["-d", "new.sqlite", "sync"])),
    ));
    let mut c = keyed(&sim, d);
    c.args(["-d", "ro.sqlite", "-c", "dbreconfigure"]);
    checks.push(("read-only database", "read", run(&mut as_unprivileged(c))));
    checks.push((
        "missing directory",
        "the directory no-such-dir does not exist",
        run(keyed(&sim, d).args(["-d", "no-such-dir/new.sqlite", "sync"])),
    ));
    checks.push((
        "non-UTF-8 path",
        "not valid UTF-8",
        run(keyed(&sim, d).arg("-d").arg(non_utf8).arg("sync")),
    ));
    for (what, cause, out) in &checks {
        assert_ne!(out.status.code(), Some(0), "{what}");
        let line = one_error_line(out);
        assert!(line.contains(cause), "{what}: {line}");
        assert_each_cause_once(&line);
    }
    assert!(!d.join("new.sqlite").exists());
}

#[test]
fn base_url_and_key_file_mistakes_are_explained() {
    let out = run(bin().env("MERAKI_DASHBOARD_API_KEY", "1234").args([
        "-d",
        "x.db",
        "--base-url",
        "xx",
        "sync",
    ]));
    assert_eq!(out.status.code(), Some(2));
    let line = one_error_line(&out);
    for part in [
        "--base-url \"xx\"",
        "must be an http(s) URL such as https://api.meraki.com/api/v1",
        "com (api.meraki.com), ca (api.meraki.ca), cn (api.meraki.cn), in (api.meraki.in), gov (api.gov-meraki.com)",
    ] {
        assert!(line.contains(part), "{part}: {line}");
    }
    assert!(!line.contains("relative URL"), "{line}");

    // The simulator's default key has the Dashboard's form: 40 hexadecimal characters.
    let sim = Sim::start(
        SimConfig {
            orgs: 1,
            networks_per_org: 1,
            devices_per_network: 1,
            clients_per_network: 5,
            ..SimConfig::default()
        }
        .with_now(now()),
    );
    let key = sim.handle().api_key().to_string();
    assert_eq!(key.len(), 40);
    let dir = tempdir();
    let d = dir.path();
    // Notepad's UTF-8 with a byte-order mark and a CRLF line end.
    std::fs::write(d.join("bom.txt"), format!("\u{feff}{key}\r\n")).unwrap();
    let out = run(sim
        .cmd(d)
        .args(["--api-key-file", "bom.txt", "-d", "db.sqlite", "sync"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    // A label after the key: a warning naming the file (never the key), then the 401.
    std::fs::write(d.join("labelled.txt"), format!("{key}  production key\n")).unwrap();
    let out = run(sim
        .cmd(d)
        .args(["--api-key-file", "labelled.txt", "-d", "db.sqlite", "sync"]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(!err.contains(&key) && !err.contains("production"), "{err}");
    let warning = err.lines().next().unwrap_or_default();
    assert!(
        warning.contains("WARN")
            && warning.contains("labelled.txt")
            && warning.contains("40 hexadecimal characters")
            && warning.contains("with spaces inside"),
        "{err}"
    );
    assert!(
        err.lines().nth(1).unwrap_or_default().contains("401"),
        "{err}"
    );
}

/// clap's tip and the valid values survive into the one-line error.
#[test]
fn a_mistyped_subcommand_or_value_gets_clap_s_suggestion_in_one_line() {
    for (args, wanted) in [
        (
            &["reprot"][..],
            "usagestats: error: unrecognized subcommand 'reprot'; tip: a similar subcommand \
             exists: 'report' (see usagestats --help)",
        ),
        (
            &["report", "10", "--format", "pdf"],
            "usagestats: error: invalid value 'pdf' for '--format <FORMAT>'; [possible values: \
             text, json, csv, html] (see usagestats --help)",
        ),
    ] {
        let out = run(bin().args(args));
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(one_error_line(&out), wanted);
    }
}

/// A directory or a device given as the database is named as such, not as a missing file.
#[test]
fn a_directory_or_device_as_database_is_named_for_what_it_is() {
    let dir = tempdir();
    let shown = dir.path().display().to_string();
    for (db, wanted) in [
        (
            shown.as_str(),
            format!("{shown} is a directory, not a database file"),
        ),
        (
            "/dev/null",
            "/dev/null is not a regular file (a device, pipe or socket), so not a database file"
                .to_string(),
        ),
    ] {
        for command in [&["-c", "report-offline:7"][..], &["dump"], &["sync"]] {
            let out = run(bin()
                .env("MERAKI_DASHBOARD_API_KEY", "1234")
                .args(["-d", db])
                .args(command));
            assert_eq!(out.status.code(), Some(2), "{db} {command:?}");
            assert!(one_error_line(&out).ends_with(&wanted), "{}", stderr(&out));
            assert!(!stderr(&out).contains("does not exist"));
        }
    }
}

/// An init-file line of 1 MiB is refused naming the file and the line and quoting a short
/// excerpt of it with its length (the whole line was echoed: 1,048,644 bytes on stderr).
#[test]
fn a_huge_init_file_line_is_refused_with_a_short_excerpt() {
    let dir = tempdir();
    let line = "x".repeat(1 << 20);
    std::fs::write(
        dir.path().join("big.ini"),
        format!("[GROUPS]\ngroupname=A\n{line}\n"),
    )
    .unwrap();
    let out = run(bin().current_dir(dir.path()).args([
        "-i",
        "big.ini",
        "-d",
        "db.sqlite",
        "report",
        "--offline",
    ]));
    assert_eq!(out.status.code(), Some(2));
    let line = one_error_line(&out);
    assert!(
        line.starts_with("usagestats: error: big.ini:3: expected key=value: xxx"),
        "{}",
        &line[..line.len().min(300)]
    );
    assert!(line.ends_with("… (1048576 characters)"), "{line}");
    assert!(out.stderr.len() < 300, "{} bytes", out.stderr.len());
    assert!(!dir.path().join("db.sqlite").exists());
}
