//! `-r` sends the report by e-mail: a minimal SMTP sink on loopback receives it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;

use meraki_sim::SimConfig;

use crate::harness::*;

/// Accepts one SMTP session and returns (envelope recipients, message data).
fn smtp_sink() -> (u16, JoinHandle<(Vec<String>, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut out = stream.try_clone().expect("clone");
        let mut input = BufReader::new(stream);
        let mut rcpt = Vec::new();
        let mut data = String::new();
        out.write_all(b"220 sink ESMTP\r\n").expect("greet");
        let mut line = String::new();
        loop {
            line.clear();
            if input.read_line(&mut line).expect("read") == 0 {
                break;
            }
            let upper = line.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                out.write_all(b"250-sink\r\n250 8BITMIME\r\n").expect("w");
            } else if upper.starts_with("RCPT TO:") {
                rcpt.push(line[8..].trim().to_string());
                out.write_all(b"250 ok\r\n").expect("w");
            } else if upper.starts_with("DATA") {
                out.write_all(b"354 go\r\n").expect("w");
                loop {
                    line.clear();
                    input.read_line(&mut line).expect("read");
                    if line == ".\r\n" || line.is_empty() {
                        break;
                    }
                    data.push_str(&line);
                }
                out.write_all(b"250 queued\r\n").expect("w");
            } else if upper.starts_with("QUIT") {
                out.write_all(b"221 bye\r\n").expect("w");
                break;
            } else {
                out.write_all(b"250 ok\r\n").expect("w");
            }
        }
        (rcpt, data)
    });
    (port, handle)
}

#[test]
fn report_is_mailed_to_every_recipient() {
    let mut cfg = SimConfig::default().with_now(now());
    cfg.api_key = "1234".into();
    let sim = Sim::start(cfg);
    let dir = tempdir();
    let (port, sink) = smtp_sink();
    let server = format!("127.0.0.1:{port}");
    let out = run(sim.cmd(dir.path()).args([
        "-k",
        "1234",
        "-d",
        "mydatabase",
        "--mail-from",
        "reports@example.com",
        "-r",
        "it@example.com, cfo@example.com",
        "-s",
        &server,
        "--smtp-security",
        "plain",
        "-c",
        "report:last-month",
    ]));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).is_empty(),
        "the report went by mail, not to stdout"
    );
    let (rcpt, data) = sink.join().expect("sink");
    assert_eq!(rcpt.len(), 2, "{rcpt:?}");
    assert!(
        data.contains("Network usage report [2026-03-01 to 2026-03-31]"),
        "{data}"
    );
    assert!(data.contains("multipart/alternative"));
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
