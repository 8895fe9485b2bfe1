//! `cargo xtask screenshot [--check]`: the sample HTML report in headless Chromium, the picture
//! docs/img/report.png shows. `--check` renders again and compares, so CI keeps the picture in
//! the docs equal to what the product renders.
//!
//! Beside the picture, `report.png.source` records what it was drawn from: the SHA-256 of the
//! report's HTML and the Chromium version. The HTML is the product, so it is always compared;
//! the PNG bytes are compared too when the same Chromium draws them. A Debian security update of
//! Chromium (which moves pixels without any change of ours) then cannot fail CI, while a change
//! of the report still does.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::test::{Peer, set_up, target_dir};

/// Where the picture lives, from the workspace root.
const PICTURE: &str = "docs/img/report.png";

/// What the picture was drawn from (see the module's documentation).
const SOURCE: &str = "docs/img/report.png.source";

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
    chromium_screenshot(&format!("file://{}", html.display()), &png, 1000, 1400)?;
    let source = Source {
        html_sha256: sha256_hex(&html)?,
        chromium: chromium_version()?,
    };
    if !check {
        std::fs::write(root.join(SOURCE), source.to_text())
            .with_context(|| format!("writing {SOURCE}"))?;
        eprintln!("wrote {SOURCE}");
        // The dashboard's pictures show sync runs with their real start and end times, so
        // they are drawn for the docs but not compared.
        return dashboard_screenshots(root);
    }
    let stale = || {
        anyhow::anyhow!(
            "{PICTURE} is not what the report renders now: run `cargo xtask screenshot` and commit it"
        )
    };
    let recorded_text = std::fs::read_to_string(root.join(SOURCE)).map_err(|_| stale())?;
    let recorded = Source::parse(&recorded_text).ok_or_else(stale)?;
    let rendered = std::fs::read(&png).with_context(|| format!("reading {}", png.display()))?;
    let _ = std::fs::remove_file(&png);
    if recorded.html_sha256 != source.html_sha256 {
        return Err(stale());
    }
    if recorded.chromium != source.chromium {
        eprintln!(
            "{PICTURE} was drawn from the report's current HTML (by {}; this machine has {}, so \
             the pixels were not compared)",
            recorded.chromium, source.chromium
        );
        return Ok(());
    }
    let committed =
        std::fs::read(&picture).with_context(|| format!("reading {}", picture.display()))?;
    if rendered != committed {
        return Err(stale());
    }
    eprintln!("{PICTURE} is what the report renders");
    Ok(())
}

/// Headless Chromium's screenshot of `url` (`width` × `height` pixels) written to `png`. As
/// root Chromium needs --no-sandbox; the rest keeps it off the (closed) network and the picture
/// free of scrollbars.
fn chromium_screenshot(url: &str, png: &Path, width: u32, height: u32) -> Result<()> {
    let profile = std::env::temp_dir().join(format!("usagestats-chromium-{}", std::process::id()));
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
        ])
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .context("running chromium")?;
    let _ = std::fs::remove_dir_all(&profile);
    if !status.success() {
        bail!("chromium failed on {url} ({status})");
    }
    eprintln!("wrote {}", png.display());
    Ok(())
}

/// The body of `GET path` from the dashboard at `address` (plain HTTP/1.1, no compression).
fn http_get(address: &str, path: &str) -> Result<String> {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(address)
        .with_context(|| format!("connecting to the dashboard at {address}"))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default())
}

/// The first `href` of `html` starting with `prefix`.
fn first_link(html: &str, prefix: &str) -> Result<String> {
    let start = html
        .find(&format!("href=\"{prefix}"))
        .with_context(|| format!("no link to {prefix} on the overview"))?
        + "href=\"".len();
    let end = html[start..].find('"').context("unterminated link")? + start;
    Ok(html[start..end].replace("&amp;", "&"))
}

/// Each dashboard view over a 30-day demo database (the demo's world at a fixed instant), to
/// docs/img/dashboard-*.png for the manual and the README.
fn dashboard_screenshots(root: &Path) -> Result<()> {
    crate::cargo(&["build", "--quiet", "--locked", "-p", "usagestats"])?;
    let bin = root.join("target").join("debug").join("usagestats");
    let db = root.join("target").join("dashboard-demo.sqlite");
    for suffix in ["", "-wal", "-shm", ".lock"] {
        let mut name = db.clone().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
    let now = "2026-11-29T12:00:00Z";
    let status = Command::new(&bin)
        .args(["demo", "--days", "30", "-q", "--now", now, "-d"])
        .arg(&db)
        .stdout(std::process::Stdio::null())
        .status()
        .context("running usagestats demo")?;
    if !status.success() {
        bail!("usagestats demo failed ({status})");
    }
    let mut serve = Command::new(&bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--now", now, "-d"])
        .arg(&db)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("starting usagestats serve")?;
    let result = (|| -> Result<()> {
        let stdout = serve.stdout.take().context("serve's output")?;
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)?;
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .with_context(|| format!("no address in {line:?}"))?
            .trim_end_matches('/')
            .to_string();
        let address = url.trim_start_matches("http://").to_string();
        let overview = http_get(&address, "/?period=last-week")?;
        let network = first_link(&overview, "/networks/")?;
        let group = first_link(&overview, "/groups/")?;
        let views = [
            ("overview", "/?period=last-week".to_string(), 2200),
            ("network", network, 1250),
            ("group", group, 1900),
            (
                "periods",
                "/periods?period=last-week&periods=4".to_string(),
                1250,
            ),
            ("syncs", "/syncs".to_string(), 1150),
        ];
        for (name, path, height) in views {
            let png = root
                .join("docs")
                .join("img")
                .join(format!("dashboard-{name}.png"));
            chromium_screenshot(&format!("{url}{path}"), &png, 1280, height)?;
        }
        Ok(())
    })();
    let _ = serve.kill();
    let _ = serve.wait();
    result
}

/// What a picture was drawn from.
#[derive(Debug, PartialEq, Eq)]
struct Source {
    html_sha256: String,
    chromium: String,
}

impl Source {
    fn to_text(&self) -> String {
        format!(
            "html-sha256 {}\nchromium {}\n",
            self.html_sha256, self.chromium
        )
    }

    fn parse(text: &str) -> Option<Source> {
        let mut html_sha256 = None;
        let mut chromium = None;
        for line in text.lines() {
            match line.split_once(' ') {
                Some(("html-sha256", v)) => html_sha256 = Some(v.trim().to_string()),
                Some(("chromium", v)) => chromium = Some(v.trim().to_string()),
                _ => return None,
            }
        }
        Some(Source {
            html_sha256: html_sha256?,
            chromium: chromium?,
        })
    }
}

fn sha256_hex(path: &Path) -> Result<String> {
    use sha2::Digest as _;
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Chromium's version line ("Chromium 156.0.8078.129 built on Debian ..."), its version only.
fn chromium_version() -> Result<String> {
    let out = Command::new("chromium")
        .arg("--version")
        .output()
        .context("running chromium --version")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .nth(1)
        .map(str::to_string)
        .with_context(|| format!("chromium --version printed {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_record_reads_back_what_it_wrote() {
        let s = Source {
            html_sha256: "ab12".into(),
            chromium: "156.0.8078.129".into(),
        };
        assert_eq!(Source::parse(&s.to_text()), Some(s));
        assert_eq!(Source::parse("html-sha256 ab\nsomething else\n"), None);
        assert_eq!(Source::parse("chromium 1\n"), None);
    }
}
