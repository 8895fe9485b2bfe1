//! Exit codes and one-line errors for user mistakes and failures.

use std::process::Command;

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
fn partial_sync_exits_1_after_syncing_the_others() {
    let sim = Sim::start(SimConfig::default().with_now(now()));
    let filter = usage_model::Filter::default();
    let nets = selected_networks(sim.handle(), &filter);
    sim.handle().fail_network(&nets[0]);
    let dir = tempdir();
    let mut c = sim.cmd(dir.path());
    c.env("MERAKI_DASHBOARD_API_KEY", sim.handle().api_key());
    let out = run(c.args(["-d", "db.sqlite", "sync"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("sync incomplete"), "{}", stderr(&out));
    let days = sim.complete_days(&dir.path().join("db.sqlite"));
    assert_eq!(days.get(&nets[0]).copied().unwrap_or(0), 0);
    let want = expected_day_counts(sim.handle(), &filter);
    for n in &nets[1..] {
        assert_eq!(days.get(n).copied(), want.get(n).copied(), "{n}");
    }
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
