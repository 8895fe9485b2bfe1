//! `usagestats`: network usage per user group on Cisco Meraki networks.
//!
//! This binary only parses arguments, resolves configuration, renders progress and maps
//! errors to exit codes; the work is done by the library crates (`usage-sync`, `storage`,
//! `report-render`, `mailer`). See `docs/manual.md` for the user manual.

mod cli;
mod commands;
mod config;
mod error;
mod logging;
mod output;
mod progress;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{CommandFactory as _, Parser as _};

use crate::cli::Cli;
use crate::error::{EXIT_OK, EXIT_USAGE};

fn main() -> ExitCode {
    // The original printed its help when called without arguments; so do we (exit 2, since
    // nothing was done).
    if std::env::args_os().len() <= 1 {
        let _ = cli::Cli::command().write_long_help(&mut std::io::stderr());
        let _ = writeln!(std::io::stderr());
        return ExitCode::from(EXIT_USAGE);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to stdout (exit 0); a usage error becomes one line on stderr
        // (exit 2), like every other error of this program.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(EXIT_OK);
        }
        Err(e) => {
            eprintln!(
                "usagestats: error: {} (see usagestats --help)",
                clap_one_line(&e.render().to_string())
            );
            return ExitCode::from(EXIT_USAGE);
        }
    };
    logging::init(cli.global.verbose, cli.global.quiet);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("usagestats: error: cannot start the async runtime: {e}");
            return ExitCode::from(error::EXIT_RUNTIME);
        }
    };
    let result = runtime.block_on(commands::run(cli));
    match result {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(e) if error::is_broken_pipe(&e) => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("usagestats: error: {}", error::one_line(&e));
            ExitCode::from(error::exit_code(&e))
        }
    }
}

/// clap's error as one line: the message and what clap adds to it — a tip such as "a similar
/// subcommand exists: 'report'", the possible values — without the usage block that follows.
fn clap_one_line(rendered: &str) -> String {
    let parts: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    if parts.is_empty() {
        return "invalid arguments".to_string();
    }
    let line = parts.join("; ");
    line.strip_prefix("error: ").unwrap_or(&line).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_errors_keep_their_tips_on_one_line() {
        let err = Cli::try_parse_from(["usagestats", "reprot"]).unwrap_err();
        assert_eq!(
            clap_one_line(&err.render().to_string()),
            "unrecognized subcommand 'reprot'; tip: a similar subcommand exists: 'report'"
        );
        let err = Cli::try_parse_from(["usagestats", "report", "--format", "pdf"]).unwrap_err();
        assert_eq!(
            clap_one_line(&err.render().to_string()),
            "invalid value 'pdf' for '--format <FORMAT>'; [possible values: text, json, csv, html]"
        );
    }
}
