//! Project automation: `cargo xtask test | ci | bench | demo | fuzz | screenshot | ...`.
//!
//! Every step calls cargo through `$CARGO` so the toolchain that runs xtask runs the work.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

mod api_drift;
mod screenshot;
mod test;

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  test [cargo test args]  install the missing test peers (Debian packages as root, else one
                          line naming them; Python packages in target/test-python), then
                          cargo test --workspace --locked with the args appended (-p replaces
                          --workspace) — the README's test command
  ci                      fmt --check, clippy -D warnings, the tests as `test` runs them, doc
                          -D warnings, the CLI without default features, the embedding examples
                          against meraki-sim, screenshot --check, cargo publish --dry-run,
                          cargo deny — what .ci/run runs
  examples                run the embedding examples against a meraki-sim on loopback
  man                     write the manual page to target/man/usagestats.1
  bench [what...]         release benchmarks; what = model | client | sim | sync | sources |
                          storage | storage-pg | top | workers | report | all
  demo                    run `usagestats demo` (simulated account, no network beyond loopback)
  fuzz <target> [secs]    run a cargo-fuzz target (groups | filter | init_file); needs cargo-fuzz
  screenshot [--check]    render the sample HTML report in headless Chromium to
                          docs/img/report.png, and each dashboard view over a demo database to
                          docs/img/dashboard-*.png; --check fails if the report's picture differs
  api-drift FILE          what changed in the API usagestats uses between the committed OpenAPI
                          subset and FILE (a newer spec3.json); fails when something did
";

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
        Some("test") => test::test(&root, &args[1..]),
        Some("ci") => ci(&root),
        Some("bench") => bench(&args[1..]),
        Some("demo") => cargo(&["run", "--release", "-p", "usagestats", "--", "demo"]),
        Some("examples") => examples(&root),
        Some("man") => man(&root),
        Some("fuzz") => fuzz(&args[1..]),
        Some("screenshot") => match &args[1..] {
            [] => screenshot::screenshot(&root, false),
            [check] if check == "--check" => screenshot::screenshot(&root, true),
            other => bail!("screenshot takes only --check, not {other:?}"),
        },
        Some("api-drift") => api_drift::run(&args[1..]),
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

/// Cargo, without the variables `cargo run` set for xtask itself: build scripts (ring's) ask
/// to rerun when `CARGO_PKG_NAME` and the like change, so passing xtask's values on would
/// rebuild them and everything above them, alternately with a plain `cargo test`.
fn cargo_command() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || [
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
            ]
            .contains(&&*name)
        {
            cmd.env_remove(&*name);
        }
    }
    cmd
}

fn cargo(args: &[&str]) -> Result<()> {
    cargo_env(args, &[])
}

fn cargo_env(args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    eprintln!("$ cargo {}", args.join(" "));
    let status = cargo_command()
        .args(args)
        .envs(env.iter().copied())
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}

fn ci(root: &Path) -> Result<()> {
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
    test::test(root, &[])?;
    cargo_env(
        &["doc", "--workspace", "--no-deps", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    // The CLI without the simulator, the charts and e-mail (and the libraries as it builds
    // them), warnings denied.
    cargo(&[
        "clippy",
        "-p",
        "usagestats",
        "--no-default-features",
        "--locked",
        "--",
        "-D",
        "warnings",
    ])?;
    examples(root)?;
    screenshot::screenshot(root, true)?;
    // Packages every published crate and builds each from its package, in dependency order.
    forget_packaged_sources()?;
    cargo(&[
        "publish",
        "--workspace",
        "--dry-run",
        "--locked",
        "--target-dir",
        PUBLISH_TARGET,
    ])?;
    cargo(&["deny", "--offline", "check", "licenses", "bans", "sources"])
}

/// The embedding examples, run against a meraki-sim started here on loopback (real clock,
/// limits off, a small world): each must exit 0.
fn examples(root: &Path) -> Result<()> {
    cargo(&[
        "build",
        "--locked",
        "-p",
        "meraki-sim",
        "--bin",
        "meraki-sim",
        "-p",
        "meraki-client",
        "--example",
        "list_clients",
        "-p",
        "usage-sync",
        "--example",
        "sync_org",
        "-p",
        "report-render",
        "--example",
        "own_rows",
    ])?;
    let bin = |name: &str| root.join("target").join("debug").join(name);
    let mut sim = Command::new(bin("meraki-sim"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--rate-limit",
            "0",
            "--source-rate-limit",
            "0",
            "--orgs",
            "1",
            "--networks",
            "2",
            "--devices",
            "1",
            "--clients",
            "20",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("starting meraki-sim")?;
    let result = (|| -> Result<()> {
        let stdout = sim.stdout.take().context("meraki-sim's output")?;
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
        let mut value = |key: &str| -> Result<String> {
            let line = lines
                .next()
                .context("meraki-sim ended before printing its address")??;
            line.strip_prefix(&format!("{key}: "))
                .map(str::to_string)
                .with_context(|| format!("expected `{key}: …` from meraki-sim, got {line:?}"))
        };
        let base_url = value("base_url")?;
        let api_key = value("api_key")?;
        let db =
            std::env::temp_dir().join(format!("usagestats-example-{}.sqlite", std::process::id()));
        let runs: [(&str, Vec<String>); 3] = [
            ("list_clients", vec![]),
            ("sync_org", vec![db.display().to_string()]),
            ("own_rows", vec!["json".to_string()]),
        ];
        for (example, args) in runs {
            eprintln!("$ {example} {}", args.join(" "));
            let out = Command::new(root.join("target/debug/examples").join(example))
                .args(&args)
                .env("MERAKI_BASE_URL", &base_url)
                .env("MERAKI_DASHBOARD_API_KEY", &api_key)
                .stdout(std::process::Stdio::null())
                .status()
                .with_context(|| format!("running the {example} example"))?;
            if !out.success() {
                bail!("the {example} example failed ({out})");
            }
        }
        for suffix in ["", "-wal", "-shm", ".lock"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        Ok(())
    })();
    let _ = sim.kill();
    let _ = sim.wait();
    result
}

/// Writes the manual page (clap_mangen, from the CLI's own definition).
fn man(root: &Path) -> Result<()> {
    let dir = root.join("target").join("man");
    std::fs::create_dir_all(&dir).context("creating target/man")?;
    let page = dir.join("usagestats.1");
    eprintln!("$ cargo run -p usagestats -- man-page > {}", page.display());
    let out = cargo_command()
        .args([
            "run",
            "--quiet",
            "--locked",
            "-p",
            "usagestats",
            "--",
            "man-page",
        ])
        .output()
        .context("running usagestats man-page")?;
    if !out.status.success() {
        bail!(
            "usagestats man-page failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::write(&page, &out.stdout).with_context(|| format!("writing {}", page.display()))?;
    eprintln!(
        "wrote {} (read it with: man -l {})",
        page.display(),
        page.display()
    );
    Ok(())
}

/// (name, package, bench target)
const BENCHES: &[(&str, &str, &str)] = &[
    ("model", "usage-model", "classifier"),
    ("client", "meraki-client", "throughput"),
    ("sim", "meraki-sim", "throughput"),
    ("sync", "usage-sync", "sync"),
    ("sources", "usage-sync", "sources"),
    ("storage", "usagestats-storage", "report_query"),
    ("top", "usagestats-storage", "top_clients"),
    ("storage-pg", "usagestats-storage", "report_query_pg"),
    ("workers", "usagestats", "workers"),
    ("report", "report-render", "render"),
];

/// The workspace's packages as `cargo publish --workspace` names their sources.
const PUBLISHED: &[&str] = &[
    "meraki-client",
    "meraki-sim",
    "usage-model",
    "report-render",
    "usagestats-storage",
    "usage-sync",
    "usagestats-mailer",
    "usagestats",
];

/// Where the publish dry run builds (apart from the tests' builds).
const PUBLISH_TARGET: &str = "target/publish";

/// `cargo publish --workspace --dry-run` verifies each crate against the others' packages
/// through a local registry, unpacked under `$CARGO_HOME/registry/src/-<hash>/` and built as
/// registry crates, which cargo takes as never changing within a version. A second dry run at
/// the same version would therefore build against the first run's sources and artifacts. The
/// unpacked directories (local registries only, whose names start with `-`) and the
/// packages' artifacts in [`PUBLISH_TARGET`] are removed first.
fn forget_packaged_sources() -> Result<()> {
    for p in PUBLISHED {
        cargo(&["clean", "--quiet", "--target-dir", PUBLISH_TARGET, "-p", p])?;
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry").join("src")) else {
        return Ok(());
    };
    let Ok(registries) = std::fs::read_dir(&src) else {
        return Ok(());
    };
    for registry in registries.flatten() {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        let Ok(unpacked) = std::fs::read_dir(registry.path()) else {
            continue;
        };
        for dir in unpacked.flatten() {
            let name = dir.file_name().to_string_lossy().into_owned();
            let ours = PUBLISHED.iter().any(|p| {
                name.strip_prefix(p)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
            });
            if ours {
                std::fs::remove_dir_all(dir.path())
                    .with_context(|| format!("removing {}", dir.path().display()))?;
            }
        }
    }
    Ok(())
}

fn bench(what: &[String]) -> Result<()> {
    let all = what.is_empty() || what.iter().any(|w| w == "all");
    let mut ran = false;
    for (name, package, target) in BENCHES {
        if all || what.iter().any(|w| w == name) {
            let mut args = vec!["bench", "--locked", "-p", package, "--bench", target];
            // The PostgreSQL report bench needs the storage crate's `postgres` feature.
            if *target == "report_query_pg" {
                args.extend(["--features", "postgres"]);
            }
            cargo(&args)?;
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
    let status = cargo_command()
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
