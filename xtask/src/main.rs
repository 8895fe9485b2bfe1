//! Project automation: `cargo xtask ci | bench | demo | fuzz | screenshot`.
//!
//! Every step calls cargo through `$CARGO` so the toolchain that runs xtask runs the work.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  ci                    fmt --check, clippy -D warnings, the test command, doc -D warnings,
                        cargo deny (licenses bans sources) — what .ci/run runs
  bench [what...]       release benchmarks; what = model | client | sim | sync | sources | storage | report | all
  demo                  run `usagestats demo` (simulated account, no network beyond loopback)
  fuzz <target> [secs]  run a cargo-fuzz target (groups | filter | init_file); needs cargo-fuzz
  screenshot            render the sample HTML report in headless Chromium to docs/img/report.png
";

/// The test command the README gives; CI runs exactly this.
pub const TEST_COMMAND: &[&str] = &["test", "--workspace", "--locked"];

fn main() {
    if let Err(e) = run() {
        eprintln!("xtask: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    std::env::set_current_dir(&root).context("entering the workspace root")?;
    match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench") => bench(&args[1..]),
        Some("demo") => cargo(&["run", "--release", "-p", "usagestats-cli", "--", "demo"]),
        Some("fuzz") => fuzz(&args[1..]),
        Some("screenshot") => screenshot(&root),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task {other:?}\n{USAGE}"),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

fn cargo(args: &[&str]) -> Result<()> {
    cargo_env(args, &[])
}

fn cargo_env(args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo_bin())
        .args(args)
        .envs(env.iter().copied())
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}

fn ci() -> Result<()> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(TEST_COMMAND)?;
    cargo_env(
        &["doc", "--workspace", "--no-deps", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    cargo(&["deny", "--offline", "check", "licenses", "bans", "sources"])
}

/// (name, package, bench target)
const BENCHES: &[(&str, &str, &str)] = &[
    ("model", "usage-model", "classifier"),
    ("client", "meraki-client", "throughput"),
    ("sim", "meraki-sim", "throughput"),
    ("sync", "usage-sync", "sync"),
    ("sources", "usage-sync", "sources"),
    ("storage", "storage", "report_query"),
    ("report", "report-render", "render"),
];

fn bench(what: &[String]) -> Result<()> {
    let all = what.is_empty() || what.iter().any(|w| w == "all");
    let mut ran = false;
    for (name, package, target) in BENCHES {
        if all || what.iter().any(|w| w == name) {
            cargo(&["bench", "--locked", "-p", package, "--bench", target])?;
            ran = true;
        }
    }
    if !ran {
        let names: Vec<&str> = BENCHES.iter().map(|b| b.0).collect();
        bail!("unknown benchmark {what:?}; choose from {names:?} or all");
    }
    Ok(())
}

fn fuzz(args: &[String]) -> Result<()> {
    let Some(target) = args.first() else {
        bail!("which target? groups | filter | init_file");
    };
    let secs = args.get(1).map(String::as_str).unwrap_or("60");
    let max_time = format!("-max_total_time={secs}");
    // cargo-fuzz wants nightly; the machine has one stable toolchain, which builds the
    // sanitizer flags when told it may use unstable options.
    // The corpus grows in fuzz/corpus (ignored by git); the committed seeds in fuzz/seeds.
    let corpus = format!("corpus/{target}");
    let seeds = format!("seeds/{target}");
    std::fs::create_dir_all(Path::new("fuzz").join(&corpus)).context("creating the corpus")?;
    eprintln!("$ cargo fuzz run {target} {corpus} {seeds} -- {max_time}   (in fuzz/)");
    let status = Command::new(cargo_bin())
        .current_dir("fuzz")
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", "run", target, &corpus, &seeds, "--", &max_time])
        .status()
        .context("running cargo fuzz (install it with `cargo install cargo-fuzz`)")?;
    if !status.success() {
        bail!("cargo fuzz run {target} failed ({status})");
    }
    Ok(())
}

fn screenshot(root: &Path) -> Result<()> {
    let html = root.join("target").join("sample-report.html");
    let png = root.join("docs").join("img").join("report.png");
    let html_s = html.to_string_lossy().into_owned();
    cargo(&[
        "run",
        "--quiet",
        "-p",
        "report-render",
        "--example",
        "sample_report",
        "--",
        &html_s,
    ])?;
    std::fs::create_dir_all(png.parent().unwrap_or(root)).context("creating docs/img")?;
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
            "--window-size=1000,1400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .status()
        .context("running chromium (apt-get install chromium)")?;
    let _ = std::fs::remove_dir_all(&profile);
    if !status.success() {
        bail!("chromium failed ({status})");
    }
    eprintln!("wrote {}", png.display());
    Ok(())
}
