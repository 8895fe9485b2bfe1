//! The command line: the original `usagestats.py` flags plus the modern subcommands.
//!
//! Both forms are parsed into one [`Action`] before any work starts, so the rest of the program
//! never looks at clap types.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::error::UsageError;

/// The command run when neither `-c` nor a subcommand is given (as in the original).
pub const DEFAULT_LEGACY_COMMAND: &str = "report:last-week";

/// Network traffic per user group on Cisco Meraki networks, day by day.
///
/// Syncs per-client usage from the Meraki Dashboard API into a SQLite database and reports it
/// per organization, network and group. Run without arguments to see this help; see
/// docs/manual.md for the full manual.
#[derive(Debug, Parser)]
#[command(
    name = "usagestats",
    version,
    about,
    after_help = "Exit codes: 0 success, 1 runtime failure (API, database, mail, partial sync), \
                  2 bad usage or configuration.\n\
                  Original forms: usagestats -k KEY -d mydatabase -c report:last-week"
)]
pub struct Cli {
    /// Options shared by every command (they work before or after a subcommand).
    #[command(flatten)]
    pub global: GlobalArgs,

    /// Operation in the original's form (see the help text).
    #[arg(
        short = 'c',
        long = "command",
        value_name = "COMMAND",
        help = "Operation, original form: sync | report:<time> | report-offline:<time> | dbdump | \
                dbreconfigure. Default: report:last-week (sync, then report the last complete week)"
    )]
    pub legacy_command: Option<String>,

    /// Operation, modern form.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options accepted by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Meraki Dashboard API key. Prefer the MERAKI_DASHBOARD_API_KEY environment variable or
    /// --api-key-file: a key given here is visible in the process list.
    #[arg(short = 'k', long = "api-key", value_name = "KEY", global = true)]
    pub api_key: Option<String>,

    /// Read the API key from this file: its whole content is the key, except surrounding
    /// whitespace (line breaks included) and a leading UTF-8 byte-order mark. Keep nothing else
    /// in the file.
    #[arg(long, value_name = "FILE", global = true)]
    pub api_key_file: Option<PathBuf>,

    /// Database file holding configuration and usage data (created when missing).
    #[arg(short = 'd', long = "database", value_name = "FILE", global = true)]
    pub database: Option<PathBuf>,

    /// Init config file (see the help text).
    #[arg(
        short = 'i',
        long = "init-file",
        value_name = "FILE",
        global = true,
        help = "Init config file with [GROUPS] and [OPTIONS] sections, used when creating a \
                database and by dbreconfigure"
    )]
    pub init_file: Option<PathBuf>,

    /// Groups to track, e.g. "Corporate=sub:10.10.0.0/16, vid:20; Contractors=vname:contractors".
    /// Stored in the database; default: one group "Overall" with every client.
    #[arg(short = 'g', long = "groups", value_name = "GROUPS", global = true)]
    pub groups: Option<String>,

    /// Which organizations, networks and devices to pull data from, e.g.
    /// "org:Meraki Inc,dtype:all,dtag:core-switch". Stored in the database; default dtype:mx.
    #[arg(short = 'f', long = "filter", value_name = "FILTER", global = true)]
    pub filter: Option<String>,

    /// E-mail account (user name) used to send the report.
    #[arg(short = 'u', long = "smtp-user", value_name = "USER", global = true)]
    pub smtp_user: Option<String>,

    /// Password of the e-mail account. Prefer the USAGESTATS_SMTP_PASSWORD environment
    /// variable: a password given here is visible in the process list.
    #[arg(
        short = 'p',
        long = "smtp-password",
        value_name = "PASS",
        global = true
    )]
    pub smtp_password: Option<String>,

    /// Send the report by e-mail to these recipients (comma-separated) instead of printing it.
    #[arg(
        short = 'r',
        long = "recipient",
        value_name = "RECIPIENT",
        global = true
    )]
    pub recipient: Option<String>,

    /// SMTP server (see the help text).
    #[arg(
        short = 's',
        long = "smtp-server",
        value_name = "SERVER",
        global = true,
        help = "SMTP server as host[:port]. Default: smtp.gmail.com:587"
    )]
    pub smtp_server: Option<String>,

    /// How to secure the SMTP connection.
    #[arg(long, value_enum, value_name = "MODE", global = true)]
    pub smtp_security: Option<SmtpSecurityArg>,

    /// PEM file of a CA to trust for the SMTP server's certificate (besides the built-in roots).
    #[arg(long = "smtp-ca-file", value_name = "FILE", global = true)]
    pub smtp_ca_file: Option<PathBuf>,

    /// Send without TLS, for a local relay that offers no STARTTLS (same as
    /// `--smtp-security plain`).
    #[arg(
        long = "smtp-insecure",
        global = true,
        conflicts_with = "smtp_security"
    )]
    pub smtp_insecure: bool,

    /// Read the e-mail password from the first line of this file (keeps it out of the process
    /// list, like the USAGESTATS_SMTP_PASSWORD environment variable).
    #[arg(
        long = "smtp-password-file",
        value_name = "FILE",
        global = true,
        conflicts_with = "smtp_password"
    )]
    pub smtp_password_file: Option<PathBuf>,

    /// Sender address of report e-mails. Default: the SMTP user.
    #[arg(long = "mail-from", value_name = "ADDRESS", global = true)]
    pub mail_from: Option<String>,

    /// Dashboard API base URL or region (com, ca, cn, in, gov); also USAGESTATS_BASE_URL.
    #[arg(
        long,
        value_name = "URL|REGION",
        env = "USAGESTATS_BASE_URL",
        global = true
    )]
    pub base_url: Option<String>,

    /// Which clock defines a day: local, utc or an IANA zone name. Default: each network's own
    /// time zone. Stored in the database when it is created or reconfigured.
    #[arg(long, value_name = "ZONE", global = true)]
    pub timezone: Option<String>,

    /// Where usage is read from (see the help text).
    #[arg(
        long,
        value_enum,
        value_name = "SOURCE",
        global = true,
        help = "Where usage is read from: device (each selected device's client list; default) or \
                network (each network's client list, every client once; no dtype:/dtag: filters; \
                needed for ssid: groups). Stored in the database when it is created; changed by \
                reconfigure"
    )]
    pub source: Option<SourceArg>,

    /// What client rows keep (see the help text).
    #[arg(
        long,
        value_enum,
        value_name = "DETAIL",
        global = true,
        help = "What the database keeps of each client: full (default: as read), pseudonymous \
                (keyed hashes instead of client id, MAC, IP addresses, description and user) or \
                none (no client rows; group totals only). Stored in the database when it is \
                created; changed by reconfigure"
    )]
    pub client_detail: Option<ClientDetailArg>,

    /// How long client rows are kept (see the help text).
    #[arg(
        long,
        value_name = "DAYS|forever",
        global = true,
        value_parser = parse_retention,
        help = "Keep each network's client rows of its last DAYS days (its newest synced day and \
                the DAYS - 1 before it) and delete older ones after each sync (group totals are \
                kept forever); forever (default) keeps them. Stored in the database when it is \
                created; changed by reconfigure"
    )]
    pub client_retention: Option<Retention>,

    /// Report format.
    #[arg(long, value_enum, value_name = "FORMAT", global = true)]
    pub format: Option<FormatArg>,

    /// Write the report to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE", global = true)]
    pub output: Option<PathBuf>,

    /// More log output on standard error (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Only errors on standard error: no warnings, no progress bar.
    #[arg(short = 'q', long = "quiet", global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Requests per second per organization the client allows itself (Meraki allows 10).
    #[arg(
        long,
        value_name = "N",
        global = true,
        hide = true,
        env = "USAGESTATS_ORG_RATE"
    )]
    pub org_rate_limit: Option<f64>,

    /// Requests per second across all organizations the client allows itself (Meraki allows
    /// 100 per source address).
    #[arg(
        long,
        value_name = "N",
        global = true,
        hide = true,
        env = "USAGESTATS_SOURCE_RATE"
    )]
    pub source_rate_limit: Option<f64>,

    /// Send API requests from this local address (a host with several addresses; each source
    /// address has its own Dashboard budget of 100 requests per second).
    #[arg(
        long,
        value_name = "ADDRESS",
        global = true,
        env = "USAGESTATS_SOURCE_ADDRESS"
    )]
    pub source_address: Option<std::net::IpAddr>,

    /// Syncs sharing a PostgreSQL database: seconds an organization stays claimed by a sync
    /// that stops renewing its lease (it died); then another sync finishes it. Default 120.
    #[arg(
        long = "lease",
        value_name = "SECONDS",
        global = true,
        env = "USAGESTATS_LEASE_SECONDS",
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub lease: Option<u32>,

    /// Syncs sharing a PostgreSQL database: organizations this sync works on at once, each
    /// claimed with a lease (default 2, so that syncs started together split the estate; raise
    /// it for a lone sync of many organizations).
    #[arg(
        long = "orgs-at-once",
        value_name = "N",
        global = true,
        env = "USAGESTATS_ORGS_AT_ONCE",
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub orgs_at_once: Option<u32>,

    /// Run as of this instant instead of the clock (RFC 3339, e.g. 2026-11-29T12:00:00Z; also
    /// USAGESTATS_NOW): the demo's simulated clock, and the "today" report periods count
    /// back from. A sync goes by the Dashboard's clock whatever this says (and warns when the
    /// two differ by more than a minute).
    #[arg(long, value_name = "TIMESTAMP", global = true, env = "USAGESTATS_NOW")]
    pub now: Option<String>,
}

/// The modern subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch the missing complete days from the Dashboard into the database.
    Sync,
    /// Report usage per group for a period (syncs first unless --offline).
    Report(ReportArgs),
    /// Print the raw contents of the database.
    Dump,
    /// Replace the groups, filter and time zone stored in the database (from -i, -g, -f,
    /// --timezone), and the source when --source is given.
    Reconfigure(ReconfigureArgs),
    /// Import a database made by the original usagestats.py into a new database (-d).
    ImportLegacy(ImportLegacyArgs),
    /// Copy the database (-d) safely, even while a sync runs, into a new file.
    Backup(BackupArgs),
    /// Copy the whole database (-d) into another, of either kind: an SQLite file into
    /// PostgreSQL, or back (checked row counts and sums).
    CopyDb(CopyDbArgs),
    /// Run the whole job against a built-in simulator: no account needed.
    Demo(DemoArgs),
    /// List the clients with the most traffic in each group over a period, from the stored
    /// client rows (no sync, no API call).
    Top(TopArgs),
    /// Erase every stored row of one client (by MAC address, or by its pseudonym).
    ForgetClient(ForgetClientArgs),
    /// Serve the dashboard: web pages of the stored history, read-only (loopback by default;
    /// another address needs an access token).
    Serve(ServeArgs),
    /// Print a completion script for a shell (see the manual for where to install it).
    Completions(CompletionsArgs),
    /// Print the manual page in roff (`cargo xtask man` writes it to target/man/usagestats.1).
    #[command(hide = true)]
    ManPage,
}

/// `usagestats completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `usagestats report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Period: N (last N days), last-week, last-month, billing, this-billing or
    /// "YYYY-MM-DD to YYYY-MM-DD".
    #[arg(value_name = "PERIOD", default_value = "last-week")]
    pub period: String,
    /// Do not sync before reporting.
    #[arg(long)]
    pub offline: bool,
    /// Day of the month billing cycles start on (1-31; 29-31 fall back to the last day of
    /// shorter months). Only with the billing and this-billing periods.
    #[arg(long, value_name = "DAY", value_parser = clap::value_parser!(u8).range(1..=31))]
    pub day: Option<u8>,
    /// Report the last N periods side by side (for billing cycles: this one and the N-1
    /// cycles before it).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=120))]
    pub periods: u16,
    /// Add the N largest clients of each group to text, HTML and JSON reports (not CSV).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub top: Option<u16>,
}

/// `usagestats top`.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// Period, as for report: N, last-week, last-month, billing, this-billing or
    /// "YYYY-MM-DD to YYYY-MM-DD".
    #[arg(value_name = "PERIOD", default_value = "last-week")]
    pub period: String,
    /// Only this group (by name); default: every group, each ranked on its own.
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,
    /// How many clients per group.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=10000))]
    pub limit: u16,
    /// Day of the month billing cycles start on (as for report).
    #[arg(long, value_name = "DAY", value_parser = clap::value_parser!(u8).range(1..=31))]
    pub day: Option<u8>,
}

/// `usagestats serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on. Any address but loopback (127.0.0.1, ::1) needs an
    /// access token.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Read the access token (or password) from this file: its whole content, surrounding
    /// whitespace removed; at least 12 characters. Also USAGESTATS_SERVE_TOKEN. Browsers send
    /// it as the password (any user name), scripts as `Authorization: Bearer TOKEN`.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
}

/// `usagestats forget-client`.
#[derive(Debug, Args)]
pub struct ForgetClientArgs {
    /// The client's MAC address (00:18:0a:12:34:56, 00-18-0A-12-34-56 or 00180a123456), or its
    /// pseudonym as `top` shows it in a pseudonymous database.
    #[arg(value_name = "MAC|PSEUDONYM")]
    pub client: String,
}

/// `usagestats reconfigure`.
#[derive(Debug, Args)]
pub struct ReconfigureArgs {
    /// Also recompute the stored per-group rows from the stored per-client rows with the new
    /// groups, so history follows the new definition.
    #[arg(long)]
    pub reclassify: bool,
    /// Confirm that a stricter --client-detail or --client-retention erases client data
    /// already stored (without it, such a change is refused and what it would erase is said).
    #[arg(long)]
    pub apply_to_existing: bool,
}

/// `usagestats import-legacy`.
#[derive(Debug, Args)]
pub struct ImportLegacyArgs {
    /// The database file written by usagestats.py.
    #[arg(value_name = "LEGACY_DB")]
    pub legacy: PathBuf,
}

/// `usagestats backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The new file to write the copy to (never overwritten).
    #[arg(value_name = "FILE")]
    pub target: PathBuf,
}

/// `usagestats copy-db`.
#[derive(Debug, Args)]
pub struct CopyDbArgs {
    /// Where to copy to: a new SQLite file, or a postgres:// URL of a database that holds no
    /// usagestats data (its password from PGPASSWORD or ~/.pgpass).
    #[arg(long = "to", value_name = "FILE|URL")]
    pub to: PathBuf,
}

/// `usagestats demo`.
#[derive(Debug, Args)]
#[command(
    after_help = "The report covers the last complete week when the synced days include it, \
                  else every synced day; its title says which. -g, -f, -i, --timezone, \
                  --format, -o and the e-mail options work as for a new database and report; \
                  --now sets the simulated clock, e.g. --now 2026-11-29T12:00:00Z."
)]
pub struct DemoArgs {
    /// Days of history to sync: 1 to 30 (the Dashboard API reaches 31 days back, so 30
    /// complete days is the most one sync can fetch).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=30))]
    pub days: u32,
    /// Seed of the simulated world.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// What client rows keep (`usage_model::ClientDetail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientDetailArg {
    /// Everything read: client id, MAC, addresses, VLAN, description, user.
    Full,
    /// Keyed hashes instead of client id, MAC, IP addresses, description and user.
    Pseudonymous,
    /// No client rows at all.
    None,
}

impl From<ClientDetailArg> for usage_model::ClientDetail {
    fn from(d: ClientDetailArg) -> usage_model::ClientDetail {
        match d {
            ClientDetailArg::Full => usage_model::ClientDetail::Full,
            ClientDetailArg::Pseudonymous => usage_model::ClientDetail::Pseudonymous,
            ClientDetailArg::None => usage_model::ClientDetail::None,
        }
    }
}

/// `--client-retention`: days, or `None` for `forever`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention(pub Option<u32>);

fn parse_retention(text: &str) -> Result<Retention, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("forever") {
        return Ok(Retention(None));
    }
    match t.parse::<u32>() {
        Ok(d) if (1..=100_000).contains(&d) => Ok(Retention(Some(d))),
        _ => Err(format!(
            "{t:?} is not a number of days from 1 to 100000 or forever"
        )),
    }
}

/// Where usage is read from (`usage_model::Source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceArg {
    /// One client list per selected device and day boundary (the original's way).
    Device,
    /// One paged client list per network and day boundary.
    Network,
}

impl From<SourceArg> for usage_model::Source {
    fn from(s: SourceArg) -> usage_model::Source {
        match s {
            SourceArg::Device => usage_model::Source::Device,
            SourceArg::Network => usage_model::Source::Network,
        }
    }
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// The original's plain-text layout.
    Text,
    /// JSON document.
    Json,
    /// Comma-separated values.
    Csv,
    /// Standalone HTML page with a chart.
    Html,
}

/// SMTP connection security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmtpSecurityArg {
    /// TLS from the first byte on port 465, STARTTLS (required) on any other port.
    Auto,
    /// Plain connection upgraded with STARTTLS, required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption at all (a trusted local relay only).
    Plain,
}

/// What to do, whichever form the user wrote it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Sync only.
    Sync,
    /// Report a period, optionally syncing first.
    Report {
        /// The period as written.
        period: String,
        /// Sync before reporting.
        sync_first: bool,
        /// `--day`, `--periods`, `--top`.
        options: ReportOptions,
    },
    /// The largest clients per group.
    Top {
        /// The period as written.
        period: String,
        /// `--day`.
        day: Option<u8>,
        /// Only this group.
        group: Option<String>,
        /// Clients per group.
        limit: usize,
    },
    /// Erase one client's rows.
    ForgetClient {
        /// MAC address or pseudonym.
        client: String,
    },
    /// Serve the dashboard.
    Serve {
        /// Where to listen.
        listen: std::net::SocketAddr,
        /// The access token's file.
        token_file: Option<PathBuf>,
    },
    /// Dump the database.
    Dump,
    /// Replace the stored configuration.
    Reconfigure {
        /// Recompute stored group rows.
        reclassify: bool,
        /// Confirmed: a stricter privacy setting may erase stored client data.
        apply_to_existing: bool,
    },
    /// Import a legacy database.
    ImportLegacy {
        /// The legacy database file.
        legacy: PathBuf,
    },
    /// Copy the database into a new file.
    Backup {
        /// The new file.
        target: PathBuf,
    },
    /// Copy the database into another (either backend).
    CopyDb {
        /// The target, as given.
        to: PathBuf,
    },
    /// Run the demo.
    Demo {
        /// Days to sync.
        days: u32,
        /// World seed.
        seed: u64,
    },
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page.
    ManPage,
}

/// The options of `report` beyond its period (the original's `-c report:<time>` has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportOptions {
    /// `--day`: the billing day.
    pub day: Option<u8>,
    /// `--periods`: how many periods side by side (1 = one report).
    pub periods: usize,
    /// `--top`: the largest clients per group in text, HTML and JSON.
    pub top: Option<usize>,
}

impl Default for ReportOptions {
    fn default() -> ReportOptions {
        ReportOptions {
            day: None,
            periods: 1,
            top: None,
        }
    }
}

impl Cli {
    /// The action requested, from `-c`, a subcommand or the default.
    pub fn action(&self) -> Result<Action, UsageError> {
        match (&self.legacy_command, &self.command) {
            (Some(_), Some(_)) => Err(UsageError::new(
                "give the operation either as -c COMMAND or as a subcommand, not both",
            )),
            (Some(c), None) => parse_legacy_command(c),
            (None, Some(cmd)) => Ok(match cmd {
                Command::Sync => Action::Sync,
                Command::Report(r) => Action::Report {
                    period: r.period.clone(),
                    sync_first: !r.offline,
                    options: ReportOptions {
                        day: r.day,
                        periods: usize::from(r.periods),
                        top: r.top.map(usize::from),
                    },
                },
                Command::Dump => Action::Dump,
                Command::Reconfigure(r) => Action::Reconfigure {
                    reclassify: r.reclassify,
                    apply_to_existing: r.apply_to_existing,
                },
                Command::Top(t) => Action::Top {
                    period: t.period.clone(),
                    day: t.day,
                    group: t.group.clone(),
                    limit: usize::from(t.limit),
                },
                Command::ForgetClient(f) => Action::ForgetClient {
                    client: f.client.clone(),
                },
                Command::Serve(s) => Action::Serve {
                    listen: s.listen,
                    token_file: s.token_file.clone(),
                },
                Command::ImportLegacy(a) => Action::ImportLegacy {
                    legacy: a.legacy.clone(),
                },
                Command::Backup(b) => Action::Backup {
                    target: b.target.clone(),
                },
                Command::CopyDb(c) => Action::CopyDb { to: c.to.clone() },
                Command::Completions(c) => Action::Completions { shell: c.shell },
                Command::ManPage => Action::ManPage,
                Command::Demo(d) => Action::Demo {
                    days: d.days,
                    seed: d.seed,
                },
            }),
            (None, None) => parse_legacy_command(DEFAULT_LEGACY_COMMAND),
        }
    }
}

/// Parses the original's `-c` values.
pub fn parse_legacy_command(s: &str) -> Result<Action, UsageError> {
    let t = s.trim();
    if let Some(period) = t.strip_prefix("report-offline:") {
        return Ok(Action::Report {
            period: period.trim().to_string(),
            sync_first: false,
            options: ReportOptions::default(),
        });
    }
    if let Some(period) = t.strip_prefix("report:") {
        return Ok(Action::Report {
            period: period.trim().to_string(),
            sync_first: true,
            options: ReportOptions::default(),
        });
    }
    match t {
        "sync" => Ok(Action::Sync),
        "dbdump" => Ok(Action::Dump),
        "dbreconfigure" => Ok(Action::Reconfigure {
            reclassify: false,
            apply_to_existing: false,
        }),
        "report" | "report-offline" => Err(UsageError::new(format!(
            "command {t:?} needs a time range, e.g. {t}:last-week, {t}:10 or \"{t}:2018-01-01 to 2018-02-10\""
        ))),
        _ => Err(UsageError::new(format!(
            "unknown command {t:?}: use sync, report:<time>, report-offline:<time>, dbdump or dbreconfigure"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("usagestats").chain(args.iter().copied()))
            .expect("arguments parse")
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn default_command_is_report_last_week_with_sync() {
        let cli = parse(&["-k", "1234", "-d", "mydatabase"]);
        assert_eq!(
            cli.action().unwrap(),
            Action::Report {
                period: "last-week".into(),
                sync_first: true,
                options: ReportOptions::default()
            }
        );
        assert_eq!(cli.global.api_key.as_deref(), Some("1234"));
    }

    #[test]
    fn legacy_commands() {
        assert_eq!(parse_legacy_command("sync").unwrap(), Action::Sync);
        assert_eq!(parse_legacy_command("dbdump").unwrap(), Action::Dump);
        assert_eq!(
            parse_legacy_command("dbreconfigure").unwrap(),
            Action::Reconfigure {
                reclassify: false,
                apply_to_existing: false
            }
        );
        assert_eq!(
            parse_legacy_command("report:2018-01-01 to 2018-02-10").unwrap(),
            Action::Report {
                period: "2018-01-01 to 2018-02-10".into(),
                sync_first: true,
                options: ReportOptions::default()
            }
        );
        assert_eq!(
            parse_legacy_command("report-offline:10").unwrap(),
            Action::Report {
                period: "10".into(),
                sync_first: false,
                options: ReportOptions::default()
            }
        );
        assert!(parse_legacy_command("report").is_err());
        assert!(parse_legacy_command("frobnicate").is_err());
    }

    #[test]
    fn global_options_work_after_the_subcommand() {
        let cli = parse(&["report", "10", "--offline", "-d", "db.sqlite", "-v", "-v"]);
        assert_eq!(cli.global.database, Some(PathBuf::from("db.sqlite")));
        assert_eq!(cli.global.verbose, 2);
        assert_eq!(
            cli.action().unwrap(),
            Action::Report {
                period: "10".into(),
                sync_first: false,
                options: ReportOptions::default()
            }
        );
        let cli = parse(&["-d", "x", "sync", "--base-url", "http://127.0.0.1:1/api/v1"]);
        assert_eq!(cli.action().unwrap(), Action::Sync);
        assert_eq!(
            cli.global.base_url.as_deref(),
            Some("http://127.0.0.1:1/api/v1")
        );
    }

    #[test]
    fn legacy_and_subcommand_together_is_a_usage_error() {
        let cli = parse(&["-c", "sync", "dump"]);
        assert!(cli.action().is_err());
    }
}
