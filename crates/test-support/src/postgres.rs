//! A real PostgreSQL server for the tests of one process: `initdb` into a temporary directory,
//! `postgres` on a free port of 127.0.0.1 (and of ::1, where the machine has IPv6 loopback:
//! PostgreSQL skips an address it cannot bind), password authentication (SCRAM) for TCP clients,
//! and a fresh database per test.
//!
//! The server binaries (PostgreSQL 13 or newer) are found through `USAGESTATS_PG_BIN` (a
//! directory), the `PATH`, or `/usr/lib/postgresql/*/bin`. PostgreSQL refuses to run as root,
//! so when the tests run as root the server runs as the `postgres` user (`runuser`), with a
//! temporary directory that user owns. The server stops, and its directory is removed, when
//! the test process ends in any way: it runs under a shell that waits on a pipe only this
//! process holds.
//!
//! Missing binaries fail the test with a message saying what to install (Debian:
//! `postgresql`); tests are never skipped silently.
//!
//! ```no_run
//! let db = test_support::postgres::PgServer::get().database();
//! assert!(db.url().starts_with("postgres://"));
//! ```

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The superuser the tests connect as.
pub const USER: &str = "usagestats";

/// The PostgreSQL server of this test process.
pub struct PgServer {
    bin: PathBuf,
    port: u16,
    password: String,
    /// Closing this pipe (the process ending) stops the server.
    _stop: Mutex<ChildStdin>,
    _shell: Mutex<Child>,
}

static SERVER: OnceLock<PgServer> = OnceLock::new();
static NEXT: AtomicU32 = AtomicU32::new(0);

impl PgServer {
    /// The server, started on first use.
    ///
    /// # Panics
    /// When the PostgreSQL server binaries cannot be found or the server does not start.
    pub fn get() -> &'static PgServer {
        SERVER.get_or_init(|| PgServer::start().unwrap_or_else(|e| panic!("{e}")))
    }

    fn start() -> Result<PgServer, String> {
        let bin = find_bin().ok_or_else(|| {
            "PostgreSQL server binaries (initdb, postgres, pg_isready) not found: install \
             them (Debian: apt-get install postgresql) or set USAGESTATS_PG_BIN to their \
             directory"
                .to_string()
        })?;
        let as_postgres = running_as_root();
        let dir = tempfile::Builder::new()
            .prefix("usagestats-pg-")
            .tempdir()
            .map_err(|e| format!("temporary directory: {e}"))?
            .keep();
        // A password of this run only: tests check that it never shows.
        let password = format!(
            "pw{}x{}",
            std::process::id(),
            jiff::Timestamp::now().as_nanosecond() % 1_000_000_007
        );
        let pwfile = dir.join("pw");
        std::fs::write(&pwfile, format!("{password}\n")).map_err(|e| e.to_string())?;
        if as_postgres {
            let (uid, gid) = postgres_ids()?;
            for p in [&dir, &pwfile] {
                std::os::unix::fs::chown(p, Some(uid), Some(gid))
                    .map_err(|e| format!("chown {}: {e}", p.display()))?;
            }
        }
        let data = dir.join("data");
        let out = command(as_postgres, &bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", USER, "-E", "UTF8", "--locale=C", "--no-sync"])
            .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
            .arg(format!("--pwfile={}", pwfile.display()))
            .output()
            .map_err(|e| format!("running initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let port = free_port()?;
        // The shell starts the server, then waits for its standard input to close (this
        // process ending), then stops the server (fast shutdown) and removes the directory.
        let script = format!(
            "'{postgres}' -D '{data}' -p {port} -k '{dir}' -c listen_addresses=127.0.0.1,::1 \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             -c max_connections=200 >'{dir}/log' 2>&1 & pid=$!; cat >/dev/null; \
             kill -INT $pid; wait $pid; rm -rf '{dir}'",
            postgres = bin.join("postgres").display(),
            data = data.display(),
            dir = dir.display(),
        );
        let mut shell = command(as_postgres, Path::new("sh"))
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting postgres: {e}"))?;
        let stop = shell.stdin.take().ok_or("no stdin")?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = Command::new(bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
                .status()
                .map_err(|e| format!("running pg_isready: {e}"))?;
            if ready.success() {
                break;
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
                return Err(format!("postgres did not start on port {port}: {log}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(PgServer {
            bin,
            port,
            password,
            _stop: Mutex::new(stop),
            _shell: Mutex::new(shell),
        })
    }

    /// The server's TCP port on 127.0.0.1 (and ::1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The password of [`USER`].
    pub fn password(&self) -> &str {
        &self.password
    }

    /// A new, empty database, dropped again when the value is.
    pub fn database(&'static self) -> TestDatabase {
        let name = format!(
            "t{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        self.sql("postgres", &format!("CREATE DATABASE {name}"));
        TestDatabase { server: self, name }
    }

    /// Runs SQL through `psql` as [`USER`] on database `db`; panics when it fails. For set-up
    /// only: the SQL is the test's own text.
    pub fn sql(&self, db: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", USER])
            .args(["-d", db, "-c", sql])
            .env("PGPASSWORD", &self.password)
            .env_remove("PGSERVICE")
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql {sql:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

/// One database of the test server.
pub struct TestDatabase {
    server: &'static PgServer,
    name: String,
}

impl TestDatabase {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `postgres://usagestats:PASSWORD@127.0.0.1:PORT/NAME`.
    pub fn url(&self) -> String {
        format!(
            "postgres://{USER}:{}@127.0.0.1:{}/{}",
            self.server.password, self.server.port, self.name
        )
    }

    /// The same URL without the password (give it through `PGPASSWORD` or a password file).
    pub fn url_without_password(&self) -> String {
        format!(
            "postgres://{USER}@127.0.0.1:{}/{}",
            self.server.port, self.name
        )
    }

    /// The server.
    pub fn server(&self) -> &'static PgServer {
        self.server
    }

    /// Runs SQL on this database through `psql` (set-up and checks of the test's own text).
    pub fn sql(&self, sql: &str) -> String {
        self.server.sql(&self.name, sql)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Best effort: the whole server goes away with the process anyway.
        let _ = Command::new(self.server.bin.join("psql"))
            .args([
                "-X",
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                &self.server.port.to_string(),
            ])
            .args(["-U", USER, "-d", "postgres", "-c"])
            .arg(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .env("PGPASSWORD", &self.server.password)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn postgres_ids() -> Result<(u32, u32), String> {
    let id = |flag: &str| -> Result<u32, String> {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .map_err(|e| format!("id {flag} postgres: {e}"))?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|_| {
                "running as root, PostgreSQL needs the `postgres` user to run as (create it, or \
                 run the tests as another user)"
                    .to_string()
            })
    };
    Ok((id("-u")?, id("-g")?))
}

/// `runuser -u postgres --` in front of the program when running as root.
fn command(as_postgres: bool, program: &Path) -> Command {
    if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// A directory holding `initdb`, `postgres`, `pg_isready` and `psql`.
fn find_bin() -> Option<PathBuf> {
    let has_all = |d: &Path| {
        ["initdb", "postgres", "pg_isready", "psql"]
            .iter()
            .all(|b| d.join(b).is_file())
    };
    if let Some(d) = std::env::var_os("USAGESTATS_PG_BIN").map(PathBuf::from) {
        return has_all(&d).then_some(d);
    }
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                .collect()
        })
        .unwrap_or_default();
    // Newest first: the directory names are major versions.
    versions.sort_by_key(|p| {
        std::cmp::Reverse(
            p.parent()
                .and_then(|v| v.file_name())
                .and_then(|v| v.to_str())
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0),
        )
    });
    candidates.extend(versions);
    candidates.into_iter().find(|d| has_all(d)).or_else(|| {
        // `initdb` and `postgres` on the PATH as links into the real directory.
        which("initdb")
            .and_then(|p| std::fs::canonicalize(p).ok())
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .filter(|d| has_all(d))
    })
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}
