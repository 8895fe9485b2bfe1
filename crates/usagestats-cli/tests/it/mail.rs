//! `-r` sends the report by e-mail, delivered end to end to a real SMTP server (aiosmtpd, see
//! `mail/server.rs`) that requires STARTTLS and AUTH.

mod server;

use std::path::Path;
use std::process::Command;

use mail_parser::{MessageParser, MimeHeaders};
use meraki_sim::SimConfig;

use self::server::{Delivered, PASSWORD, SmtpServer, USER};
use crate::harness::*;

const DB: &str = "mydatabase";
/// NOW is Tuesday 2026-04-07: the last complete week is Monday 03-30 to Sunday 04-05.
const LAST_WEEK_SUBJECT: &str = "Network usage report [2026-03-30 to 2026-04-05]";

/// A simulator and a database in `dir` filled by a sync against it.
fn synced(dir: &Path) -> Sim {
    let mut cfg = SimConfig::default().with_now(now());
    cfg.api_key = "1234".into();
    let sim = Sim::start(cfg);
    let out = run(sim.cmd(dir).args(["-k", "1234", "-d", DB, "-c", "sync"]));
    assert_eq!(out.status.code(), Some(0), "the sync builds the database");
    sim
}

/// The original's mail form, minus the password (each test adds its own way of giving it).
fn mail_cmd(sim: &Sim, dir: &Path, smtp: &SmtpServer) -> Command {
    let mut cmd = sim.cmd(dir);
    cmd.args([
        "-d",
        DB,
        "-c",
        "report-offline:last-week",
        "-u",
        USER,
        "-r",
        "it@example.com, cfo@example.com",
        "-s",
        &smtp.address(),
        "--smtp-ca-file",
    ])
    .arg(&smtp.pki.ca);
    cmd
}

fn only_message(smtp: &SmtpServer) -> Delivered {
    let mut got = smtp.delivered();
    assert_eq!(got.len(), 1, "exactly one message delivered");
    got.remove(0)
}

fn crlf_to_lf(s: &str) -> String {
    s.replace("\r\n", "\n")
}

/// Checks the envelope the server saw and the message itself against the report `-d DB -c
/// report-offline:last-week` prints.
fn check_delivered_report(sim: &Sim, dir: &Path, got: &Delivered) {
    assert_eq!(got.meta["auth_user"], USER, "{}", got.meta);
    assert_eq!(got.meta["tls"], true, "{}", got.meta);
    assert_eq!(got.meta["mail_from"], USER, "{}", got.meta);
    assert_eq!(
        got.meta["rcpt_tos"],
        serde_json::json!(["it@example.com", "cfo@example.com"])
    );

    let msg = MessageParser::default()
        .parse(&got.raw)
        .expect("the delivered message parses");
    assert_eq!(msg.subject(), Some(LAST_WEEK_SUBJECT));
    let to: Vec<_> = msg
        .to()
        .expect("To header")
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, ["it@example.com", "cfo@example.com"]);
    let root = msg.content_type().expect("Content-Type");
    assert_eq!(
        (root.ctype(), root.subtype()),
        ("multipart", Some("alternative"))
    );
    let has_part = |ctype: &str, subtype: &str| {
        msg.parts.iter().any(|p| {
            p.content_type()
                .is_some_and(|c| c.ctype() == ctype && c.subtype() == Some(subtype))
        })
    };
    assert!(has_part("text", "plain"), "no text/plain part");
    assert!(has_part("text", "html"), "no text/html part");

    // The chart travels as an inline image that the HTML points at by its Content-ID.
    let image = msg
        .parts
        .iter()
        .find(|p| p.content_type().is_some_and(|c| c.ctype() == "image"))
        .expect("an inline image part");
    assert!(
        image
            .content_disposition()
            .is_some_and(|d| d.ctype() == "inline"),
        "the image is inline"
    );
    assert!(image.contents().starts_with(b"\x89PNG\r\n\x1a\n"));
    let cid = image.content_id().expect("the image has a Content-ID");
    let html = msg.body_html(0).expect("HTML body");
    assert!(
        html.contains(&format!("cid:{cid}")),
        "the HTML does not reference cid:{cid}"
    );

    // The text part is the very report the same database prints to stdout.
    let printed = run(sim
        .cmd(dir)
        .args(["-d", DB, "-c", "report-offline:last-week"]));
    assert_eq!(printed.status.code(), Some(0));
    let printed = stdout(&printed);
    let grand = printed
        .lines()
        .find(|l| l.starts_with("All organizations"))
        .expect("grand total row on stdout");
    // Whole kB with thousands separators (the report's readable appendix).
    let grand_kb: u64 = grand["All organizations".len()..]
        .split_whitespace()
        .nth(4)
        .and_then(|t| t.replace(',', "").parse().ok())
        .unwrap_or_else(|| panic!("total kB in {grand:?}"));
    assert!(grand_kb > 0, "the scenario must have traffic last week");
    let text = crlf_to_lf(&msg.body_text(0).expect("text body"));
    assert!(
        text.lines().any(|l| l == grand),
        "the mailed text lacks the grand total row {grand:?}:\n{text}"
    );
    assert_eq!(text, printed, "mailed text part differs from stdout");
}

#[test]
fn original_mail_form_delivers_over_starttls_with_auth() {
    let dir = tempdir();
    let sim = synced(dir.path());
    let smtp = server::start();
    let out = run(mail_cmd(&sim, dir.path(), &smtp).args(["-p", PASSWORD]));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).is_empty(),
        "the report went by mail, not to stdout"
    );
    check_delivered_report(&sim, dir.path(), &only_message(&smtp));
}

#[test]
fn password_from_the_environment_delivers() {
    let dir = tempdir();
    let sim = synced(dir.path());
    let smtp = server::start();
    let out = run(mail_cmd(&sim, dir.path(), &smtp).env("USAGESTATS_SMTP_PASSWORD", PASSWORD));
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).is_empty());
    assert!(
        !stderr(&out).contains("process list"),
        "no -p warning when the password comes from the environment"
    );
    check_delivered_report(&sim, dir.path(), &only_message(&smtp));
}

#[test]
fn password_from_a_file_delivers() {
    let dir = tempdir();
    let sim = synced(dir.path());
    let smtp = server::start();
    let file = dir.path().join("smtp-password");
    std::fs::write(&file, format!("{PASSWORD}\n")).expect("write password file");
    let out = run(mail_cmd(&sim, dir.path(), &smtp)
        .arg("--smtp-password-file")
        .arg(&file));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("process list"));
    check_delivered_report(&sim, dir.path(), &only_message(&smtp));
}

/// `report --top N -r …`: both parts of the mail carry the top clients; the text part is the
/// report `report --offline --top N` prints, with the `top` command's table in it.
#[test]
fn report_top_goes_into_both_parts_of_the_mail() {
    let dir = tempdir();
    let d = dir.path();
    let sim = synced(d);
    let smtp = server::start();
    let out = run(sim
        .cmd(d)
        .args([
            "-d",
            DB,
            "report",
            "--offline",
            "--top",
            "2",
            "-u",
            USER,
            "-r",
        ])
        .args(["it@example.com", "-s", &smtp.address(), "--smtp-ca-file"])
        .arg(&smtp.pki.ca)
        .env("USAGESTATS_SMTP_PASSWORD", PASSWORD));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let got = only_message(&smtp);
    let msg = MessageParser::default()
        .parse(&got.raw)
        .expect("the delivered message parses");
    let text = crlf_to_lf(&msg.body_text(0).expect("text body"));
    let printed = run(sim
        .cmd(d)
        .args(["-d", DB, "report", "--offline", "--top", "2"]));
    assert_eq!(
        text,
        stdout(&printed),
        "mailed text part differs from stdout"
    );
    let top = stdout(&run(sim.cmd(d).args(["-d", DB, "top", "--limit", "2"])));
    assert!(top.starts_with("Top clients: "), "{top}");
    assert!(text.contains(&top), "{text}");
    let html = msg.body_html(0).expect("HTML body");
    assert!(html.contains(">Top clients</h2>"), "{html}");
}

#[test]
fn wrong_password_fails_with_one_line_naming_authentication() {
    let dir = tempdir();
    let sim = synced(dir.path());
    let smtp = server::start();
    let wrong = "Wr0ng-Secret-4711";
    let out = run(mail_cmd(&sim, dir.path(), &smtp).args(["-p", wrong]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    let errors: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("usagestats: error:"))
        .collect();
    assert_eq!(errors.len(), 1, "one error line:\n{err}");
    assert!(
        errors[0].contains("authentication") && errors[0].contains(USER),
        "the error names the failed authentication: {}",
        errors[0]
    );
    assert!(
        !err.contains(wrong),
        "the password leaked to stderr:\n{err}"
    );
    assert!(smtp.delivered().is_empty(), "nothing was delivered");
}

#[test]
fn mail_options_without_recipients_are_a_usage_error() {
    let dir = tempdir();
    let out = run(std::process::Command::new(env!("CARGO_BIN_EXE_usagestats"))
        .current_dir(dir.path())
        .args([
            "-d",
            "x.db",
            "-u",
            "me@example.com",
            "-c",
            "report-offline:10",
        ]));
    assert_eq!(out.status.code(), Some(2));
}
