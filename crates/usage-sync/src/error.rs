//! The one error type of this crate.

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a sync (or a report build) stopped.
///
/// A network that fails after the client's retries does not stop a sync: it is reported in the
/// [`SyncSummary`](crate::SyncSummary) and the run is marked partial. These variants are the
/// failures that stop everything.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The groups or the filter do not suit the source (an `ssid:` rule with the device
    /// source, a device filter with the network source). Nothing was sent or written.
    #[error("{0}")]
    Source(#[from] usage_model::SourceError),
    /// The Dashboard refused the API key (401) or its access (403) during discovery. Nothing
    /// was written.
    #[error("the Dashboard refused access during discovery, nothing was written: {0}")]
    Access(#[source] meraki_client::Error),
    /// Discovery failed for another reason (organizations could not be listed at all).
    #[error("discovery failed, nothing was written: {0}")]
    Discovery(#[source] meraki_client::Error),
    /// Another sync holds this database.
    #[error(
        "another sync kept this database locked for longer than the wait allowed; try again when it has finished"
    )]
    Busy,
    /// The database failed.
    #[error("database: {0}")]
    Storage(#[from] storage::Error),
}

impl Error {
    pub(crate) fn from_discovery(err: meraki_client::Error) -> Error {
        match err {
            meraki_client::Error::Unauthorized { .. } | meraki_client::Error::Forbidden { .. } => {
                Error::Access(err)
            }
            other => Error::Discovery(other),
        }
    }
}
