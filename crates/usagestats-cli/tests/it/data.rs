//! Nothing lost: the report never overwrites the database, a sync leaves its data in the main
//! file, backups, read-only use, failed first runs leave nothing, concurrent creation.

use std::path::Path;
use std::process::Command;

use crate::harness::*;

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn report_json(sim: &Sim, dir: &Path, db: &str) -> serde_json::Value {
    let out = run(sim
        .cmd(dir)
        .args(["-d", db, "report", "7", "--offline", "--format", "json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    v.as_object_mut().expect("object").remove("generated_at");
    v
}

#[test]
fn a_report_is_never_written_over_the_database_or_its_side_files() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    synced(&sim, d, "db.sqlite");
    std::fs::create_dir(d.join("sub")).unwrap();
    std::os::unix::fs::symlink(d.join("db.sqlite"), d.join("link.txt")).unwrap();
    std::os::unix::fs::symlink(d, d.join("sub/up")).unwrap();
    std::fs::hard_link(d.join("db.sqlite"), d.join("hard.txt")).unwrap();
    let before = std::fs::read(d.join("db.sqlite")).unwrap();
    for (output, names) in [
        ("db.sqlite", "the database db.sqlite"),
        ("./db.sqlite", "the database db.sqlite"),
        ("sub/../db.sqlite", "the database db.sqlite"),
        ("link.txt", "the database db.sqlite"),
        ("hard.txt", "the database db.sqlite"),
        ("sub/up/db.sqlite", "the database db.sqlite"),
        ("db.sqlite-wal", "the -wal file of the database db.sqlite"),
        (
            "sub/up/db.sqlite-shm",
            "the -shm file of the database db.sqlite",
        ),
        ("db.sqlite.lock", "the .lock file of the database db.sqlite"),
    ] {
        for form in [
            &["-c", "report-offline:7"][..],
            &["report", "7", "--offline", "--format", "text"],
            &["-c", "report:7"],
        ] {
            let out = run(keyed(&sim, d)
                .args(["-d", "db.sqlite", "-o", output])
                .args(form));
            assert_eq!(out.status.code(), Some(2), "{output} {form:?}");
            let line = one_error_line(&out);
            assert!(
                line.contains(&format!("-o {output} would overwrite {names}")),
                "{line}"
            );
        }
    }
    assert_eq!(std::fs::read(d.join("db.sqlite")).unwrap(), before);
    // The database named through a link is protected the same way.
    let out = run(sim.cmd(d).args([
        "-d",
        "link.txt",
        "-o",
        "db.sqlite",
        "-c",
        "report-offline:7",
    ]));
    assert_eq!(out.status.code(), Some(2));
    let out = run(sim.cmd(d).args([
        "-d",
        "db.sqlite",
        "-o",
        "report.txt",
        "-c",
        "report-offline:7",
    ]));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        std::fs::read_to_string(d.join("report.txt"))
            .unwrap()
            .starts_with("Usage report: ")
    );
}

#[test]
fn the_output_format_follows_the_extension_unless_format_is_given() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    synced(&sim, d, "db.sqlite");
    let report = |args: &[&str]| {
        let out = run(sim
            .cmd(d)
            .args(["-d", "db.sqlite", "-c", "report-offline:7"])
            .args(args));
        assert_eq!(out.status.code(), Some(0), "{args:?}");
    };
    report(&["-o", "r.html"]);
    report(&["-o", "r.HTM"]);
    report(&["-o", "r.json"]);
    report(&["-o", "r.csv"]);
    report(&["-o", "r.txt"]);
    report(&["-o", "r-plain"]);
    report(&["-o", "forced.html", "--format", "json"]);
    let read = |name: &str| std::fs::read_to_string(d.join(name)).unwrap();
    assert!(
        read("r.html").starts_with("<!DOCTYPE html>"),
        "{}",
        read("r.html")
    );
    assert!(read("r.HTM").starts_with("<!DOCTYPE html>"));
    assert!(serde_json::from_str::<serde_json::Value>(&read("r.json")).is_ok());
    assert!(read("r.csv").starts_with("period_start,"));
    assert!(read("r.txt").starts_with("Usage report: "));
    assert!(read("r-plain").starts_with("Usage report: "));
    assert!(serde_json::from_str::<serde_json::Value>(&read("forced.html")).is_ok());
    let out = run(sim
        .cmd(d)
        .args(["-d", "db.sqlite", "-c", "report-offline:7", "-o", "r.pdf"]));
    assert_eq!(out.status.code(), Some(2));
    let line = one_error_line(&out);
    assert!(
        line.contains("-o r.pdf: the extension .pdf names no report format")
            && line.contains("--format"),
        "{line}"
    );
    assert!(!d.join("r.pdf").exists());
}

#[test]
fn after_a_sync_the_main_file_alone_holds_the_data_and_backup_copies_it() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    synced(&sim, d, "db.sqlite");
    let wal = d.join("db.sqlite-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "a sync checkpoints before it exits"
    );
    // A naive copy of the .db alone is complete.
    std::fs::create_dir(d.join("copy")).unwrap();
    std::fs::copy(d.join("db.sqlite"), d.join("copy/db.sqlite")).unwrap();
    let original = report_json(&sim, d, "db.sqlite");
    assert_eq!(report_json(&sim, d, "copy/db.sqlite"), original);
    assert_ne!(
        original["organizations"][0]["networks"][0]["total"],
        serde_json::Value::Null
    );

    let out = run(sim
        .cmd(d)
        .args(["-d", "db.sqlite", "backup", "backup.sqlite"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert_eq!(report_json(&sim, d, "backup.sqlite"), original);
    let before = std::fs::read(d.join("backup.sqlite")).unwrap();
    for (target, refusal) in [
        ("backup.sqlite", "backup.sqlite already exists"),
        ("db.sqlite", "db.sqlite is the database db.sqlite"),
    ] {
        let out = run(sim.cmd(d).args(["-d", "db.sqlite", "backup", target]));
        assert_eq!(out.status.code(), Some(2));
        let line = one_error_line(&out);
        assert!(line.contains(refusal), "{line}");
    }
    assert_eq!(std::fs::read(d.join("backup.sqlite")).unwrap(), before);
    let out = run(sim
        .cmd(d)
        .args(["-d", "db.sqlite", "backup", "no-such-dir/b.sqlite"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(one_error_line(&out).contains("the directory no-such-dir does not exist"));
}

#[test]
fn reports_dumps_and_backups_work_in_a_directory_the_user_cannot_write() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    let ro = d.join("ro");
    std::fs::create_dir(&ro).unwrap();
    synced(&sim, &ro, "db.sqlite");
    let _ = std::fs::remove_file(ro.join("db.sqlite.lock"));
    let expected = report_json(&sim, &ro, "db.sqlite");
    let out_dir = d.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    chmod(&out_dir, 0o777);
    chmod(d, 0o755);
    chmod(&ro.join("db.sqlite"), 0o444);
    chmod(&ro, 0o555);
    let before = files(&ro);
    let bytes = std::fs::read(ro.join("db.sqlite")).unwrap();
    let backup = out_dir.join("b.sqlite");
    let backup_arg = backup.to_str().unwrap().to_string();
    for args in [
        vec!["-c", "report-offline:7"],
        vec!["report", "7", "--offline", "--format", "json"],
        vec!["dump"],
        vec!["-c", "dbdump"],
        vec!["backup", backup_arg.as_str()],
    ] {
        let mut c = sim.cmd(&ro);
        c.args(["-d", "db.sqlite"]).args(&args);
        let out = run(&mut as_unprivileged(c));
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).is_empty(), "{args:?}: {}", stderr(&out));
        assert!(!stdout(&out).is_empty() || args[0] == "backup");
        if args.get(1) == Some(&"7") {
            let mut got: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
            got.as_object_mut().unwrap().remove("generated_at");
            assert_eq!(got, expected);
        }
        assert_eq!(files(&ro), before, "{args:?} left files behind");
    }
    assert_eq!(std::fs::read(ro.join("db.sqlite")).unwrap(), bytes);
    chmod(&ro, 0o755);
    assert_eq!(report_json(&sim, d, backup.to_str().unwrap()), expected);
}

#[test]
fn a_failed_first_sync_leaves_no_files_behind() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    let org = sim.handle().world().organizations[0].id.clone();
    type Setup = Box<dyn Fn(&mut Command)>;
    let cases: Vec<(&str, Setup)> = vec![
        (
            "connection refused",
            Box::new(|c: &mut Command| {
                c.env("USAGESTATS_BASE_URL", "http://127.0.0.1:9/api/v1");
            }),
        ),
        (
            "401",
            Box::new(|c: &mut Command| {
                c.env("MERAKI_DASHBOARD_API_KEY", "not-the-key");
            }),
        ),
        ("403", Box::new(|_: &mut Command| {})),
    ];
    for (what, setup) in &cases {
        if *what == "403" {
            sim.handle().forbid_organization(&org);
        }
        for form in [&["sync"][..], &["-c", "report:7"]] {
            let mut c = keyed(&sim, d);
            setup(&mut c);
            let out = run(c.args(["-d", "new.sqlite"]).args(form));
            assert_eq!(out.status.code(), Some(1), "{what} {form:?}");
            one_error_line(&out);
            assert_eq!(files(d), Vec::<String>::new(), "{what} {form:?}");
        }
    }
    sim.handle().allow_organization(&org);
    // A database that holds days is never removed, whatever fails later.
    synced(&sim, d, "kept.sqlite");
    let out = run(keyed(&sim, d)
        .env("MERAKI_DASHBOARD_API_KEY", "wrong")
        .args(["-d", "kept.sqlite", "sync"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(d.join("kept.sqlite").exists());
}

/// Several syncs started at the same instant on a new database: all succeed, the schema is
/// created once and no day is fetched twice.
#[test]
fn syncs_started_together_on_a_new_database_all_succeed() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    for round in 0..3 {
        let name = format!("new-{round}.sqlite");
        let children: Vec<_> = (0..4)
            .map(|_| {
                keyed(&sim, d)
                    .args(["-d", &name, "sync"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert_eq!(
                out.status.code(),
                Some(0),
                "round {round}: {}",
                stderr(&out)
            );
        }
        let want = expected_day_counts(sim.handle(), &usage_model::Filter::default());
        let got = sim.complete_days(&d.join(&name));
        assert_eq!(got, want);
    }
}

/// `-g`, `-f`, `--timezone` or `-i` given for an existing database by a command that does not
/// store them: the same warning from every such command, and nothing changes.
#[test]
fn configuration_options_for_an_existing_database_get_one_warning_everywhere() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    synced(&sim, d, "db.sqlite");
    std::fs::write(
        d.join("init.ini"),
        "[GROUPS]\ngroupname=Staff\nsubnet=10.0.0.0/8\n",
    )
    .unwrap();
    let wanted = "-g, -f, --timezone, --client-detail, -i ignored for the existing database \
                  db.sqlite: stored groups, filter, time zone, source and privacy settings kept; \
                  use reconfigure (-c dbreconfigure) to change them";
    for command in [
        &["sync"][..],
        &["-c", "sync"],
        &["report", "7"],
        &["-c", "report-offline:7"],
        &["report", "7", "--offline"],
        &["dump"],
        &["backup", "copy.sqlite"],
        &["top"],
    ] {
        let out = run(keyed(&sim, d)
            .args([
                "-d",
                "db.sqlite",
                "-g",
                "Staff=sub:10.0.0.0/8",
                "-f",
                "dtype:all",
            ])
            .args([
                "--timezone",
                "utc",
                "-i",
                "init.ini",
                "--client-detail",
                "none",
            ])
            .args(command));
        assert_eq!(out.status.code(), Some(0), "{command:?}: {}", stderr(&out));
        let err = stderr(&out);
        let warnings: Vec<&str> = err.lines().collect();
        assert_eq!(warnings.len(), 1, "{command:?}: {err}");
        assert!(
            warnings[0].contains("WARN") && warnings[0].ends_with(wanted),
            "{command:?}: {err}"
        );
    }
    let dump = run(sim.cmd(d).args(["-d", "db.sqlite", "dump"]));
    assert!(
        stdout(&dump).contains("Overall=sub:0.0.0.0/0"),
        "groups unchanged"
    );
    assert!(
        stdout(&dump).contains("\"full\", NULL)"),
        "privacy unchanged"
    );
}

/// `backup FILE`, `copy-db --to FILE` and `-o FILE` refuse every file of the database — the
/// database, `-wal`, `-shm`, `-journal`, `.lock` — when it does not exist yet too, named
/// directly, through a link that points to it (a link to a file not there yet included) and
/// through a linked directory: exit 2, one line naming the path and which file it is. Nothing
/// is written, so the database still syncs and reports afterwards (a `-journal` or `-wal`
/// written by one of them would make SQLite fail every later command).
#[test]
fn backup_copy_db_and_output_refuse_every_file_of_the_database_by_any_name() {
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    synced(&sim, d, "db.sqlite");
    std::fs::create_dir(d.join("sub")).unwrap();
    std::os::unix::fs::symlink(d, d.join("sub/up")).unwrap();
    let before = std::fs::read(d.join("db.sqlite")).unwrap();
    for (suffix, which) in [
        ("", "the database db.sqlite"),
        ("-wal", "the -wal file of the database db.sqlite"),
        ("-shm", "the -shm file of the database db.sqlite"),
        ("-journal", "the -journal file of the database db.sqlite"),
        (".lock", "the .lock file of the database db.sqlite"),
    ] {
        let name = format!("db.sqlite{suffix}");
        let link = format!("link{suffix}.txt");
        std::os::unix::fs::symlink(&name, d.join(&link)).unwrap();
        for target in [name.clone(), link, format!("sub/up/{name}")] {
            // The side file does not exist yet (SQLite makes -wal and -shm again on opening).
            if !suffix.is_empty() {
                let _ = std::fs::remove_file(d.join(&name));
            }
            for command in [
                vec!["backup", target.as_str()],
                vec!["copy-db", "--to", target.as_str()],
                vec!["-o", target.as_str(), "report", "7", "--offline"],
            ] {
                let out = run(sim.cmd(d).args(["-d", "db.sqlite"]).args(&command));
                assert_eq!(out.status.code(), Some(2), "{command:?}");
                let line = one_error_line(&out);
                assert!(
                    line.contains(&format!("{target} is {which}; write to another file"))
                        || line.contains(&format!("-o {target} would overwrite {which}"))
                        || (suffix.is_empty() && line.contains("names the database itself")),
                    "{command:?}: {line}"
                );
                // Absent, or what SQLite itself keeps there (the read-only open makes an
                // empty -wal and its -shm index): never a copy or a report.
                let held = std::fs::read(d.join(&name)).unwrap_or_default();
                assert!(
                    suffix.is_empty()
                        || !(held.starts_with(b"SQLite format 3") || held.starts_with(b"Usage")),
                    "{command:?} wrote {name}"
                );
            }
        }
    }
    assert_eq!(std::fs::read(d.join("db.sqlite")).unwrap(), before);
    let out = run(keyed(&sim, d).args(["-d", "db.sqlite", "sync"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let out = run(sim
        .cmd(d)
        .args(["-d", "db.sqlite", "report", "7", "--offline"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("Usage report: "));
}

/// `-o FILE` replaces FILE whole: a run killed while writing its report leaves the previous
/// report as it was. The kill is real and lands in the middle of the write: under a file-size
/// limit (`ulimit -f`) the kernel sends SIGXFSZ, whose default action ends the process, at the
/// first write past the limit — a report several times the limit cannot be written whole. The
/// same limit with SIGXFSZ ignored makes the write fail (EFBIG) instead: exit 1, one line, and
/// no temporary file left behind.
#[test]
fn a_report_killed_while_writing_leaves_the_previous_file_intact() {
    use std::os::unix::process::ExitStatusExt as _;
    let sim = small_sim();
    let dir = tempdir();
    let d = dir.path();
    synced(&sim, d, "db.sqlite");
    let report = |args: &[&str]| {
        let mut c = sim.cmd(d);
        c.args([
            "-d",
            "db.sqlite",
            "report",
            "7",
            "--offline",
            "--format",
            "json",
        ])
        .args(args);
        c
    };
    let out = run(&mut report(&["-o", "report.json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let previous = std::fs::read(d.join("report.json")).unwrap();
    serde_json::from_slice::<serde_json::Value>(&previous).expect("a whole report");
    let big = ["--periods", "120", "-o", "report.json"];
    let out = run(&mut report(&["--periods", "120", "-o", "full.json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let full = std::fs::metadata(d.join("full.json")).unwrap().len();
    // 128 blocks of 512 bytes: room for SQLite's 32 KiB -shm, not for the report.
    let blocks: u32 = 128;
    let limit = u64::from(blocks) * 512;
    assert!(
        full > 4 * limit,
        "the report ({full} bytes) must exceed the limit"
    );
    let limited = |ignore_sigxfsz| {
        crate::safety::under_file_size_limit(&report(&big), blocks, ignore_sigxfsz)
    };

    let out = run(&mut limited(false));
    assert_eq!(out.status.signal(), Some(25), "killed by SIGXFSZ mid-write");
    assert_eq!(std::fs::read(d.join("report.json")).unwrap(), previous);

    let out = run(&mut limited(true));
    assert_eq!(out.status.code(), Some(1));
    let line = one_error_line(&out);
    assert!(line.contains("writing the report to report.json"), "{line}");
    assert_eq!(std::fs::read(d.join("report.json")).unwrap(), previous);
    let leftovers: Vec<String> = files(d)
        .into_iter()
        .filter(|f| f.starts_with(".report.json"))
        .collect();
    assert_eq!(leftovers.len(), 1, "only the killed run's: {leftovers:?}");

    let out = run(&mut report(&big));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(d.join("report.json")).unwrap(),
        std::fs::read(d.join("full.json")).unwrap()
    );
}
