//! The crate's error type.

/// Everything that can go wrong when configuring or starting the simulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is out of range.
    #[error("invalid simulator configuration: {0}")]
    InvalidConfig(String),
    /// A world (generated or loaded) is inconsistent.
    #[error("invalid world: {0}")]
    InvalidWorld(String),
    /// A world file could not be read.
    #[error("cannot read world file {path}: {source}")]
    WorldFile {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source} (is the port already in use?)")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A network id that is not in the world.
    #[error("unknown network {0:?}")]
    UnknownNetwork(String),
    /// A device serial that is not in the world (or not in the given network).
    #[error("unknown device {0:?}")]
    UnknownDevice(String),
    /// A day whose start or end cannot be placed in the given time zone.
    #[error("cannot place day {day} in time zone {tz}: {reason}")]
    Day {
        /// The day.
        day: String,
        /// The zone name.
        tz: String,
        /// What failed.
        reason: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
