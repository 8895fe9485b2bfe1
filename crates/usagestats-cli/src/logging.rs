//! Logs through tracing on standard error; `-v`/`-q` pick the level, `RUST_LOG` overrides.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

/// The default filter for a verbosity: warnings (unresolved VLAN names, failed networks) are
/// shown unless `-q`.
fn default_directive(verbose: u8, quiet: bool) -> &'static str {
    match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    }
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
        assert_eq!(default_directive(0, false), "warn");
        assert_eq!(default_directive(1, false), "info");
        assert_eq!(default_directive(2, false), "debug");
        assert_eq!(default_directive(7, false), "trace");
        assert_eq!(default_directive(0, true), "error");
    }
}
