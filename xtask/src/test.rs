//! `cargo xtask test`: installs the test peers that are missing, then runs the test command.
//!
//! The tests use real peers (a PostgreSQL server, `man`, aiosmtpd, the official Meraki SDK, a
//! browser); [`PEERS`] is the one list of them. Debian packages are installed with `apt-get`
//! when xtask runs as root, else named in one line; Python packages go into a virtual
//! environment under the target directory, made once and remade when the list changes, and
//! `USAGESTATS_PYTHON` points the tests at it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// The test command the README gives; `cargo xtask test` and CI run exactly this, with the
/// peers set up.
pub const TEST_COMMAND: &[&str] = &["test", "--workspace", "--locked"];

/// The variable naming the Python interpreter the tests run their Python peers with
/// (read by test-support and meraki-sim's fidelity test).
const PYTHON_VARIABLE: &str = "USAGESTATS_PYTHON";

/// The variable naming axe-core's script for the browser tests.
const AXE_VARIABLE: &str = "USAGESTATS_AXE_JS";

/// Something the tests (or `cargo xtask screenshot`) need besides Rust crates.
pub enum Peer {
    /// Debian packages, installed when the program they bring is missing.
    Debian {
        /// What the program is, as the install line names it.
        what: &'static str,
        /// Whether it is on this machine already.
        present: fn() -> bool,
        /// The packages that bring it.
        packages: &'static [&'static str],
    },
    /// A pinned Python requirement, installed into the tests' virtual environment.
    Python(&'static str),
    /// A pinned npm package, installed under the target directory (`target/axe`, where the
    /// browser tests look by default).
    Npm(&'static str),
}

impl Peer {
    /// Whether this peer is installed through the Debian package `package`.
    pub fn brings(&self, package: &str) -> bool {
        matches!(self, Peer::Debian { packages, .. } if packages.contains(&package))
    }

    const fn debian(
        what: &'static str,
        packages: &'static [&'static str],
        present: fn() -> bool,
    ) -> Peer {
        Peer::Debian {
            what,
            present,
            packages,
        }
    }
}

/// Every test peer. Python versions are pinned so a new release cannot change a test's peer
/// behind its back; a changed line here remakes the environment.
#[rustfmt::skip] // a table: a row per peer
pub const PEERS: &[Peer] = &[
    Peer::debian("PostgreSQL server binaries", &["postgresql"], postgres_server_present),
    Peer::debian("man", &["man-db"], || on_path("man")),
    Peer::debian("python3 with venv", &["python3", "python3-venv"], python_venv_present),
    Peer::debian("chromium", &["chromium", "chromium-driver"], chromium_present),
    Peer::debian("the DejaVu fonts", &["fonts-dejavu-core"], || Path::new(DEJAVU_SANS).exists()),
    Peer::debian("npm", &["npm"], || on_path("npm")),
    Peer::Python("aiosmtpd==1.4.6"),           // the mail tests' SMTP server
    Peer::Python("meraki==4.7.0"),             // meraki-sim's official-SDK fidelity test
    Peer::Python("jsonschema==4.26.0"),        // the coming JSON Schema checks
    Peer::Python("prometheus_client==0.26.0"), // the coming /metrics checks (OpenMetrics parser)
    Peer::Npm("axe-core@4.14.1"),               // accessibility checks in the browser tests
];

/// `cargo xtask test [cargo test args]`: the peers, then [`TEST_COMMAND`] with `extra`
/// appended. Extra arguments that choose packages (`-p NAME`) replace `--workspace`.
pub fn test(root: &Path, extra: &[String]) -> Result<()> {
    let env = set_up(root, |_| true)?;
    let chooses_packages = extra
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a.starts_with("-p") || a.starts_with("--package"));
    let mut args: Vec<&str> = TEST_COMMAND
        .iter()
        .copied()
        .filter(|a| !(chooses_packages && *a == "--workspace"))
        .collect();
    args.extend(extra.iter().map(String::as_str));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    crate::cargo_env(&args, &env)
}

/// Installs the Debian peers `wanted` picks that are missing, and the Python environment if
/// any Python peer is picked; returns the variables that point the tests at them.
pub fn set_up(root: &Path, wanted: impl Fn(&Peer) -> bool) -> Result<Vec<(&'static str, String)>> {
    let peers: Vec<&Peer> = PEERS.iter().filter(|p| wanted(p)).collect();
    install_debian(&peers)?;
    let python: Vec<&str> = peers
        .iter()
        .filter_map(|p| match p {
            Peer::Python(requirement) => Some(*requirement),
            _ => None,
        })
        .collect();
    let npm: Vec<&str> = peers
        .iter()
        .filter_map(|p| match p {
            Peer::Npm(package) => Some(*package),
            _ => None,
        })
        .collect();
    let mut env = Vec::new();
    if !python.is_empty() {
        let interpreter = python_env(&target_dir(root).join("test-python"), &python)?;
        env.push((PYTHON_VARIABLE, interpreter.display().to_string()));
    }
    if !npm.is_empty() {
        let dir = npm_env(&target_dir(root).join("axe"), &npm)?;
        let axe = dir.join("node_modules/axe-core/axe.min.js");
        env.push((AXE_VARIABLE, axe.display().to_string()));
    }
    Ok(env)
}

/// The tests' npm packages, installed with `npm install --prefix dir` when missing or installed
/// for another list (the stamp `packages.txt` is written last); returns `dir`.
fn npm_env(dir: &Path, packages: &[&str]) -> Result<PathBuf> {
    let stamp = dir.join("packages.txt");
    let wanted = packages
        .iter()
        .map(|p| format!("{p}\n"))
        .collect::<String>();
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(dir.to_path_buf());
    }
    eprintln!(
        "xtask: installing the tests' npm packages in {} ({})",
        dir.display(),
        packages.join(" ")
    );
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    quiet(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(dir)
            .args(packages),
        "npm install",
    )?;
    std::fs::write(&stamp, wanted).with_context(|| format!("writing {}", stamp.display()))?;
    Ok(dir.to_path_buf())
}

fn install_debian(peers: &[&Peer]) -> Result<()> {
    let missing = missing_debian(peers);
    if missing.is_empty() {
        return Ok(());
    }
    let whats: Vec<&str> = missing.iter().map(|m| m.0).collect();
    let packages: Vec<&str> = missing.iter().flat_map(|m| m.1.iter().copied()).collect();
    if !is_root() || !on_path("apt-get") {
        bail!(
            "missing test peers: {}; install the Debian packages with `sudo apt-get install {}` \
             (or run this as root on Debian, which installs them)",
            whats.join(", "),
            packages.join(" ")
        );
    }
    eprintln!(
        "xtask: installing {} (Debian: {})",
        whats.join(", "),
        packages.join(" ")
    );
    quiet(
        Command::new("apt-get").args(["update", "-qq"]),
        "apt-get update",
    )?;
    quiet(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-qq"])
            .args(&packages),
        "apt-get install",
    )?;
    let still: Vec<&str> = missing_debian(peers).iter().map(|m| m.0).collect();
    if !still.is_empty() {
        bail!(
            "still missing after apt-get install {}: {}",
            packages.join(" "),
            still.join(", ")
        );
    }
    Ok(())
}

/// What each Debian peer that is missing is, and its packages.
fn missing_debian(peers: &[&Peer]) -> Vec<(&'static str, &'static [&'static str])> {
    peers
        .iter()
        .filter_map(|p| match p {
            Peer::Debian {
                what,
                present,
                packages,
            } if !present() => Some((*what, *packages)),
            _ => None,
        })
        .collect()
}

/// The tests' Python: a virtual environment in `dir` holding `requirements`, made from the
/// `python3` on the `PATH` when missing or made for another list; returns its interpreter.
fn python_env(dir: &Path, requirements: &[&str]) -> Result<PathBuf> {
    let interpreter = dir.join("bin").join("python3");
    // Written last, so an interrupted install is remade rather than trusted.
    let stamp = dir.join("requirements.txt");
    let wanted = requirements
        .iter()
        .map(|r| format!("{r}\n"))
        .collect::<String>();
    let made = std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted);
    // The interpreter links to the one it was made from, which may have gone since.
    if made && runs(Command::new(&interpreter).args(["-c", ""])) {
        return Ok(interpreter);
    }
    eprintln!(
        "xtask: making the tests' Python environment in {} ({})",
        dir.display(),
        requirements.join(" ")
    );
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("removing {}", dir.display()));
        }
        _ => {}
    }
    quiet(
        Command::new("python3").args(["-m", "venv"]).arg(dir),
        "python3 -m venv",
    )?;
    quiet(
        Command::new(&interpreter)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(requirements),
        "pip install",
    )?;
    std::fs::write(&stamp, wanted).with_context(|| format!("writing {}", stamp.display()))?;
    Ok(interpreter)
}

/// The target directory cargo builds into (`CARGO_TARGET_DIR` or `<root>/target`).
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |d| root.join(d))
}

/// Runs `cmd` with its output kept back; on failure the error carries what it printed.
fn quiet(cmd: &mut Command, what: &str) -> Result<()> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn runs(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// Whether an executable `program` is in a directory of the `PATH`.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| executable(&dir.join(program))))
}

fn executable(file: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(file).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// test-support finds the server binaries on the `PATH` or in Debian's versioned directories.
fn postgres_server_present() -> bool {
    on_path("initdb")
        || std::fs::read_dir("/usr/lib/postgresql").is_ok_and(|versions| {
            versions
                .flatten()
                .any(|v| executable(&v.path().join("bin").join("initdb")))
        })
}

/// Debian's python3 makes virtual environments only with python3-venv (ensurepip).
fn python_venv_present() -> bool {
    runs(Command::new("python3").args(["-c", "import venv, ensurepip"]))
}

/// The report names DejaVu Sans before the generic families: with it installed the
/// screenshot does not depend on a machine's default fonts.
const DEJAVU_SANS: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

fn chromium_present() -> bool {
    on_path("chromium") && on_path("chromedriver")
}
