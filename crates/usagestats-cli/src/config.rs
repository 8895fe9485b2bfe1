//! Turns flags, the init file and the environment into typed configuration, once, before any
//! work starts. Order of precedence: defaults → database (for an existing one) / init file →
//! environment → flags.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use jiff::tz::TimeZone;
use meraki_client::{ApiKey, Client, Region};
use usage_model::{Filter, Groups, InitConfig, Source, SourceError};

use crate::cli::GlobalArgs;
use crate::error::UsageError;

/// Environment variable holding the SMTP password (keeps it out of the process list).
#[cfg(feature = "mail")]
pub const SMTP_PASSWORD_ENV: &str = "USAGESTATS_SMTP_PASSWORD";

/// The init file, read once if `-i` was given.
pub fn read_init_file(args: &GlobalArgs) -> anyhow::Result<Option<InitConfig>> {
    let Some(path) = &args.init_file else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        UsageError::new(format!("cannot read the init file {}: {e}", path.display()))
    })?;
    let name = path.display().to_string();
    let init = InitConfig::parse(&name, &text).map_err(|e| UsageError::new(e.to_string()))?;
    Ok(Some(init))
}

/// A database named on the command line (`flag` says which option, for the warning that a
/// password there shows in the process list).
pub fn location(text: &Path, flag: &str) -> anyhow::Result<storage::Location> {
    let location = match text.to_str() {
        Some(t) => storage::Location::parse(t).map_err(|e| UsageError::new(e.to_string()))?,
        // Not UTF-8: a file name, never a URL.
        None => storage::Location::Sqlite(text.to_path_buf()),
    };
    if location.has_password() {
        tracing::warn!(
            "the password in {flag} is visible in the process list; give it with PGPASSWORD, \
             ~/.pgpass or {DATABASE_URL_ENV} instead"
        );
    }
    Ok(location)
}

/// Environment variable naming the database when `-d` is not given: a PostgreSQL URL there may
/// carry the password without showing it in the process list.
pub const DATABASE_URL_ENV: &str = "USAGESTATS_DATABASE_URL";

/// The database: `-d`, else `USAGESTATS_DATABASE_URL`, else the init file's `database=`. A
/// `postgres://` or `postgresql://` URL names a PostgreSQL database, anything else an SQLite
/// file.
pub fn database(args: &GlobalArgs, init: Option<&InitConfig>) -> anyhow::Result<storage::Location> {
    let parse = |text: &std::ffi::OsStr| match text.to_str() {
        Some(t) => storage::Location::parse(t).map_err(|e| UsageError::new(e.to_string())),
        // Not UTF-8: a file name, never a URL.
        None => Ok(storage::Location::Sqlite(PathBuf::from(text))),
    };
    if let Some(d) = &args.database {
        return location(d, "-d");
    }
    if let Some(url) = std::env::var_os(DATABASE_URL_ENV).filter(|v| !v.is_empty()) {
        return Ok(parse(&url)?);
    }
    if let Some(d) = init.and_then(|i| i.database.as_deref()) {
        return Ok(parse(std::ffi::OsStr::new(d))?);
    }
    Err(UsageError::new(format!(
        "no database given: use -d FILE or -d postgres://USER@HOST/DB (or {DATABASE_URL_ENV}, \
         or database= in the [OPTIONS] of an init file given with -i)"
    ))
    .into())
}

/// The configuration a new (or reconfigured) database gets: flags, else the init file, else
/// the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbConfig {
    /// Groups to store.
    pub groups: Groups,
    /// Filter to store.
    pub filter: Filter,
    /// Time-zone setting to store (`None`: each network's own zone).
    pub timezone: Option<String>,
    /// Where usage is read from.
    pub source: Source,
    /// The filter as written this time (`-f`, else the init file's `filter=`); `None` when it
    /// comes from the database or the defaults. [`check_source`] refuses a written `dtype:`
    /// with the network source even when it is the default `mx`.
    pub filter_written: Option<String>,
}

/// Groups, filter, time zone and source from `-g`, `-f`, `--timezone`, `--source` and the init
/// file (the source defaults to `device`; [`check_source`] must still pass).
pub fn new_config(args: &GlobalArgs, init: Option<&InitConfig>) -> anyhow::Result<DbConfig> {
    let groups = match &args.groups {
        Some(g) => Groups::parse(g).map_err(|e| UsageError::new(format!("-g: {e}")))?,
        None => init
            .and_then(|i| i.groups.clone())
            .unwrap_or_else(Groups::overall_default),
    };
    let filter = match &args.filter {
        Some(f) => Filter::parse(f).map_err(|e| UsageError::new(format!("-f: {e}")))?,
        None => init.and_then(|i| i.filter.clone()).unwrap_or_default(),
    };
    let timezone = match &args.timezone {
        Some(t) => {
            parse_timezone(t)?;
            Some(t.trim().to_string())
        }
        None => None,
    };
    Ok(DbConfig {
        groups,
        filter,
        timezone,
        source: args.source.map(Source::from).unwrap_or_default(),
        filter_written: args
            .filter
            .clone()
            .or_else(|| init.and_then(|i| i.filter_text.clone())),
    })
}

/// Whether `config`'s groups and filter suit its source: `ssid:` rules need the network source,
/// which in turn takes no device filter (not even a `dtype:` written in `-f` with the default
/// value). A usage error (exit 2) otherwise.
pub fn check_source(config: &DbConfig) -> Result<(), UsageError> {
    if config.source == Source::Network
        && let Some(text) = &config.filter_written
    {
        let written = Filter::written_device_items(text);
        if !written.is_empty() {
            return Err(UsageError::new(
                SourceError::DeviceFilter {
                    items: written.join(", "),
                }
                .to_string(),
            ));
        }
    }
    config
        .source
        .check(&config.groups, &config.filter)
        .map_err(|e| UsageError::new(e.to_string()))
}

/// Parses a `--timezone` value: `local`, `utc` or an IANA name.
pub fn parse_timezone(text: &str) -> Result<TimeZone, UsageError> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("utc") {
        return Ok(TimeZone::UTC);
    }
    if t.eq_ignore_ascii_case("local") {
        return TimeZone::try_system().map_err(|e| {
            UsageError::new(format!(
                "cannot determine this computer's time zone ({e}); give an IANA name such as Europe/Amsterdam"
            ))
        });
    }
    TimeZone::get(t).map_err(|_| {
        UsageError::new(format!(
            "unknown time zone {t:?}: use local, utc or an IANA name such as Europe/Amsterdam"
        ))
    })
}

/// The API key: `-k`, else `--api-key-file`, else `MERAKI_DASHBOARD_API_KEY`.
pub fn api_key(args: &GlobalArgs) -> anyhow::Result<ApiKey> {
    if let Some(k) = &args.api_key {
        tracing::warn!(
            "the API key given with -k is visible to other users in the process list; \
             prefer the MERAKI_DASHBOARD_API_KEY environment variable or --api-key-file"
        );
        let key = ApiKey::new(k.clone());
        if key.is_empty() {
            return Err(UsageError::new("-k: the API key is empty").into());
        }
        return Ok(key);
    }
    if let Some(path) = &args.api_key_file {
        let key = ApiKey::from_file(path).map_err(|e| UsageError::new(e.to_string()))?;
        if !key.looks_like_meraki_key() {
            // Never the key itself: only its shape.
            let text = key.expose_secret();
            let inside = if text.contains(['\n', '\r']) {
                ", on more than one line"
            } else if text.contains(char::is_whitespace) {
                ", with spaces inside"
            } else {
                ""
            };
            tracing::warn!(
                "the API key file {} does not hold a Dashboard API key as expected (40 \
                 hexadecimal characters): it holds {} characters{inside}; the file must hold \
                 the key alone, or the Dashboard refuses it (401)",
                path.display(),
                text.chars().count()
            );
        }
        return Ok(key);
    }
    ApiKey::from_env().map_err(|e| {
        UsageError::new(format!(
            "{e}; give the key in MERAKI_DASHBOARD_API_KEY, with --api-key-file FILE or with -k KEY"
        ))
        .into()
    })
}

/// The regions `--base-url` accepts by name, as the manual lists them.
const REGIONS: [(&str, Region); 5] = [
    ("com", Region::Global),
    ("ca", Region::Canada),
    ("cn", Region::China),
    ("in", Region::India),
    ("gov", Region::UsFedRamp),
];

/// `api.meraki.ca` of `https://api.meraki.ca/api/v1`.
fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// Resolves `--base-url`: a region name or a URL.
fn region(text: &str) -> Option<Region> {
    match text.trim().to_ascii_lowercase().as_str() {
        "com" | "global" => Some(Region::Global),
        "ca" | "canada" => Some(Region::Canada),
        "cn" | "china" => Some(Region::China),
        "in" | "india" => Some(Region::India),
        "gov" | "fedramp" | "us-fedramp" => Some(Region::UsFedRamp),
        _ => None,
    }
}

/// Builds the API client from the flags.
pub fn client(args: &GlobalArgs) -> anyhow::Result<Client> {
    let key = api_key(args)?;
    let mut b = Client::builder().api_key(key);
    if let Some(url) = &args.base_url {
        b = match region(url) {
            Some(r) => b.region(r),
            None => b.base_url(url).map_err(|_| {
                UsageError::new(format!(
                    "--base-url {url:?} (or USAGESTATS_BASE_URL) must be an http(s) URL such as \
                     {} or a region: {}",
                    Region::Global.base_url(),
                    REGIONS
                        .iter()
                        .map(|(name, r)| format!("{name} ({})", host(r.base_url())))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?,
        };
    }
    if let Some(rate) = args.org_rate_limit {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(UsageError::new("--org-rate-limit must be a positive number").into());
        }
        b = b.org_rate_limit(rate).global_rate_limit(rate.max(100.0));
    }
    if let Some(rate) = args.source_rate_limit {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(UsageError::new("--source-rate-limit must be a positive number").into());
        }
        b = b.global_rate_limit(rate);
    }
    if let Some(address) = args.source_address {
        b = b.source_address(address);
    }
    b.build()
        .map_err(|e| UsageError::new(e.to_string()))
        .context("building the Dashboard API client")
}

/// The clock: the system's, or fixed at `--now` / `USAGESTATS_NOW` (the demo's simulated
/// clock, "as of" reports, tests against frozen simulators).
pub fn clock(args: &GlobalArgs) -> anyhow::Result<usage_sync::Clock> {
    match &args.now {
        None => Ok(usage_sync::Clock::system()),
        Some(t) => t.trim().parse().map(usage_sync::Clock::fixed).map_err(|e| {
            UsageError::new(format!(
                "--now (or USAGESTATS_NOW) {t:?}: {e}; expected an RFC 3339 instant such as 2026-11-29T12:00:00Z"
            ))
            .into()
        }),
    }
}

/// The current instant of [`clock`].
#[cfg(feature = "demo")]
pub fn now(args: &GlobalArgs) -> anyhow::Result<jiff::Timestamp> {
    clock(args).map(|c| c.now())
}

/// Reads a report period and, for billing periods, `--day`: given both as `billing:15` and
/// `--day 15`, or `--day` with another kind of period, it is a usage error.
pub fn period(text: &str, day: Option<u8>) -> anyhow::Result<usage_model::Period> {
    let period = usage_model::Period::parse(text).map_err(|e| UsageError::new(e.to_string()))?;
    let Some(day) = day else {
        return Ok(period);
    };
    if text.contains(':') {
        return Err(UsageError::new(format!(
            "the billing day is given twice, in {:?} and as --day {day}: give it once",
            text.trim()
        ))
        .into());
    }
    period
        .with_billing_day(day)
        .map_err(|e| UsageError::new(format!("--day {day}: {e}")).into())
}

/// The privacy settings the flags ask for, on top of `current` (what is stored, or the
/// defaults for a new database): `--client-detail` and `--client-retention` replace their
/// part when given.
pub fn privacy(args: &GlobalArgs, current: usage_model::Privacy) -> usage_model::Privacy {
    usage_model::Privacy {
        detail: args
            .client_detail
            .map(usage_model::ClientDetail::from)
            .unwrap_or(current.detail),
        retention_days: match args.client_retention {
            Some(r) => r.0,
            None => current.retention_days,
        },
    }
}

/// Whether `--client-detail` or `--client-retention` was given.
pub fn privacy_given(args: &GlobalArgs) -> bool {
    args.client_detail.is_some() || args.client_retention.is_some()
}

/// Path shown in messages.
pub fn shown(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones() {
        assert!(parse_timezone("utc").is_ok());
        assert!(parse_timezone("UTC").is_ok());
        assert!(parse_timezone("Europe/Amsterdam").is_ok());
        assert!(parse_timezone("Mars/Olympus").is_err());
    }

    #[test]
    fn regions() {
        assert_eq!(region("ca"), Some(Region::Canada));
        assert_eq!(region("http://127.0.0.1:8080/api/v1"), None);
        for (name, r) in REGIONS {
            assert_eq!(region(name), Some(r));
        }
        assert_eq!(host(Region::UsFedRamp.base_url()), "api.gov-meraki.com");
    }
}
