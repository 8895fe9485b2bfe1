//! `cargo xtask screenshot [--check]`: the sample HTML report in headless Chromium, the picture
//! docs/img/report.png shows. `--check` renders to a scratch file and compares, so CI keeps the
//! picture in the docs equal to what the product renders.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::test::{Peer, set_up, target_dir};

/// Where the picture lives, from the workspace root.
const PICTURE: &str = "docs/img/report.png";

/// Renders the sample report; with `check`, fails unless the committed picture is the same.
pub fn screenshot(root: &Path, check: bool) -> Result<()> {
    set_up(root, |p: &Peer| {
        p.brings("chromium") || p.brings("fonts-dejavu-core")
    })?;
    let target = target_dir(root);
    let html = target.join("sample-report.html");
    let picture = root.join(PICTURE);
    let png = if check {
        target.join("report-check.png")
    } else {
        picture.clone()
    };
    crate::cargo(&[
        "run",
        "--quiet",
        "--locked",
        "-p",
        "report-render",
        "--example",
        "sample_report",
        "--",
        &html.to_string_lossy(),
    ])?;
    std::fs::create_dir_all(png.parent().unwrap_or(root))
        .with_context(|| format!("creating the folder of {}", png.display()))?;
    let profile = std::env::temp_dir().join(format!("usagestats-chromium-{}", std::process::id()));
    // As root Chromium needs --no-sandbox; the rest keeps it off the (closed) network and the
    // picture free of scrollbars.
    let status = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1000,1400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .context("running chromium")?;
    let _ = std::fs::remove_dir_all(&profile);
    if !status.success() {
        bail!("chromium failed ({status})");
    }
    if !check {
        eprintln!("wrote {}", png.display());
        return Ok(());
    }
    let rendered = std::fs::read(&png).with_context(|| format!("reading {}", png.display()))?;
    let committed =
        std::fs::read(&picture).with_context(|| format!("reading {}", picture.display()))?;
    let _ = std::fs::remove_file(&png);
    if rendered != committed {
        bail!(
            "{PICTURE} is not what the report renders now: run `cargo xtask screenshot` and commit it"
        );
    }
    eprintln!("{PICTURE} is what the report renders");
    Ok(())
}
