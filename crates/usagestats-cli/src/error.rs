//! Exit codes and the one-line error shown to the user.

use std::fmt;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the work failed at run time (API, database, mail, partial sync).
pub const EXIT_RUNTIME: u8 = 1;
/// Exit code: bad usage or configuration (as the original's argument errors).
pub const EXIT_USAGE: u8 = 2;

/// A mistake in the command line or the configuration: the user must change what they typed
/// or the files they pointed at. Maps to exit code 2.
#[derive(Debug)]
pub struct UsageError(String);

impl UsageError {
    /// A usage error with this message.
    pub fn new(msg: impl Into<String>) -> UsageError {
        UsageError(msg.into())
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The work completed only in part (some networks failed); already reported in detail.
#[derive(Debug)]
pub struct PartialFailure(pub String);

impl fmt::Display for PartialFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PartialFailure {}

/// The exit code for an error: 2 when any error in the chain is a [`UsageError`], else 1.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err
        .chain()
        .any(|e| e.downcast_ref::<UsageError>().is_some())
    {
        EXIT_USAGE
    } else {
        EXIT_RUNTIME
    }
}

/// Whether the error is a closed standard output (`usagestats ... | head`), which is not a
/// failure of ours.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error as one line: the context chain joined with ": ", newlines flattened, and each
/// cause once — a cause whose text its wrapper already quotes (`thiserror` variants that both
/// print `{0}` and return it as their source) is not repeated.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn usage_errors_map_to_2_even_under_context() {
        let e: anyhow::Error = Err::<(), _>(UsageError::new("bad groups"))
            .context("reading configuration")
            .unwrap_err();
        assert_eq!(exit_code(&e), EXIT_USAGE);
        assert_eq!(one_line(&e), "reading configuration: bad groups");
        let e = anyhow::anyhow!("network down");
        assert_eq!(exit_code(&e), EXIT_RUNTIME);
    }

    #[test]
    fn a_cause_quoted_by_its_wrapper_is_shown_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("database: {0}")]
        struct Wrapper(#[source] std::io::Error);
        let inner = std::io::Error::other("disk I/O error");
        let e = anyhow::Error::new(Wrapper(inner)).context("syncing");
        assert_eq!(one_line(&e), "syncing: database: disk I/O error");
        // A cause that adds something is kept.
        let e = anyhow::Error::new(std::io::Error::other("refused")).context("connecting");
        assert_eq!(one_line(&e), "connecting: refused");
    }

    #[test]
    fn broken_pipe_is_recognised() {
        let e = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("writing the report");
        assert!(is_broken_pipe(&e));
        assert!(!is_broken_pipe(&anyhow::anyhow!("x")));
    }
}
