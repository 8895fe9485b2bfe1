//! The crate's error type.

/// A specification, deviation list or used-API list that cannot be read as such.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not what the file should hold (bad JSON/TOML, a missing key, ...).
    #[error("{source_name}: {message}")]
    Invalid {
        /// The file or document, e.g. `deviations.toml`.
        source_name: String,
        /// What is wrong, naming the entry where there is one.
        message: String,
    },
    /// An operation id the specification does not have.
    #[error("no operation {0:?} in the specification")]
    UnknownOperation(String),
    /// A schema the conversion or the validator rejects.
    #[error("schema of {operation}: {message}")]
    Schema {
        /// The operation whose schema it is.
        operation: String,
        /// Why.
        message: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn invalid(source_name: &str, message: impl Into<String>) -> Error {
    Error::Invalid {
        source_name: source_name.to_owned(),
        message: message.into(),
    }
}
