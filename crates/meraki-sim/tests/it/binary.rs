//! The binary prints its URL and key, serves, and stops cleanly on a signal.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn binary_prints_base_url_and_key_then_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_meraki-sim"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--seed",
            "5",
            "--orgs",
            "2",
            "--networks",
            "3",
            "--clients",
            "10",
            "--now",
            "2026-01-15T12:00:00Z",
            "--rate-limit",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base = lines.next().expect("line").expect("utf-8");
    let key = lines.next().expect("line").expect("utf-8");
    let base = base
        .strip_prefix("base_url: ")
        .expect("base_url line")
        .to_string();
    let key = key
        .strip_prefix("api_key: ")
        .expect("api_key line")
        .to_string();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/api/v1"),
        "{base}"
    );
    assert!(
        !base.ends_with(":0/api/v1"),
        "prints the port actually bound"
    );

    let resp = crate::common::http()
        .get(format!("{base}/organizations"))
        .bearer_auth(&key)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 200);
    let orgs: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(orgs.as_array().map(Vec::len), Some(2));

    #[cfg(unix)]
    {
        let status = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let exit = child.wait().expect("exits");
        assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
    }
    #[cfg(not(unix))]
    {
        let _ = child.kill();
        let _ = child.wait();
    }
}
