//! The Python interpreter that runs the tests' Python peers (aiosmtpd for the mail tests):
//! the one `USAGESTATS_PYTHON` names — `cargo xtask test` points it at the environment it
//! makes in `target/test-python` — or else `python3` from the `PATH`.

/// The variable naming the interpreter.
pub const VARIABLE: &str = "USAGESTATS_PYTHON";

/// The interpreter to run.
pub fn interpreter() -> String {
    std::env::var(VARIABLE).unwrap_or_else(|_| "python3".into())
}

/// One line saying that `interpreter` cannot serve as a Python with `package` (`problem`
/// says why: it lacks the package, or it did not start) and how to get one.
pub fn missing(interpreter: &str, package: &str, problem: &str) -> String {
    let origin = if std::env::var_os(VARIABLE).is_some() {
        format!("{VARIABLE}={interpreter}")
    } else {
        format!("{interpreter} ({VARIABLE} unset)")
    };
    format!(
        "these tests need a Python with the package {package}, and {origin} {problem}: run \
         `cargo xtask test`, which installs the tests' peers and Python packages (in \
         target/test-python), or set {VARIABLE} to a Python that has {package}"
    )
}
