//! Logs through tracing on standard error; `-v`/`-q` pick the level, `RUST_LOG` overrides.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

/// The crates of this project (their library names, the targets of their logs). Their
/// warnings are written for the user; every other crate's are diagnostics for developers
/// (sqlx's "slow statement" warning quoting the SQL, for one) and show from `-v` on or through
/// `RUST_LOG`.
const OWN_CRATES: [&str; 8] = [
    "usagestats",
    "usage_model",
    "usage_sync",
    "usagestats_storage",
    "report_render",
    "usagestats_mailer",
    "meraki_client",
    "meraki_sim",
];

/// The default filter for a verbosity: warnings of our own (unresolved VLAN names, failed
/// networks) are shown unless `-q`; other crates log nothing below `-v`.
fn default_directive(verbose: u8, quiet: bool) -> String {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    if verbose > 0 && !quiet {
        return level.to_string();
    }
    let own: Vec<String> = OWN_CRATES.iter().map(|c| format!("{c}={level}")).collect();
    format!("off,{}", own.join(","))
}

/// Installs the global subscriber. Safe to call once.
pub fn init(verbose: u8, quiet: bool) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => EnvFilter::try_new(v)
            .unwrap_or_else(|_| EnvFilter::new(default_directive(verbose, quiet))),
        _ => EnvFilter::new(default_directive(verbose, quiet)),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(crate::progress::LogWriter::default)
        .with_target(verbose >= 2)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_levels() {
        assert_eq!(default_directive(1, false), "info");
        assert_eq!(default_directive(2, false), "debug");
        assert_eq!(default_directive(7, false), "trace");
        let default = default_directive(0, false);
        assert!(default.starts_with("off,"), "{default}");
        assert!(default.contains("usagestats_storage=warn"), "{default}");
        assert!(!default.contains("sqlx"), "{default}");
        let quiet = default_directive(3, true);
        assert!(
            quiet.starts_with("off,") && quiet.contains("usage_sync=error"),
            "{quiet}"
        );
        assert!(!quiet.contains("=warn"), "{quiet}");
    }

    /// The filter keeps our warnings and drops another crate's, as it decides for a real
    /// event.
    #[test]
    fn the_default_filter_lets_our_warnings_through_and_no_one_else_s() {
        use tracing_subscriber::layer::SubscriberExt as _;
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let sink = seen.clone();
        let subscriber = tracing_subscriber::registry()
            .with(EnvFilter::new(default_directive(0, false)))
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(move || Sink(sink.clone()))
                    .without_time(),
            );
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "sqlx::query", "slow statement");
            tracing::warn!(target: "usage_sync::engine", "a network failed");
            tracing::info!(target: "usagestats::commands", "copied");
        });
        let text = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
        assert!(text.contains("a network failed"), "{text}");
        assert!(!text.contains("slow statement"), "{text}");
        assert!(!text.contains("copied"), "{text}");
    }

    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
