//! The pure domain model of usagestats.
//!
//! Owns: group, filter and init-file parsing, the classifier, report periods, day planning and
//! exact usage arithmetic. **Invariant:** this crate does no I/O and has no async, HTTP, SQL or
//! CLI dependency; everything here is a pure function of its inputs.
//!
//! # Example: parse groups, classify a client
//!
//! ```
//! use usage_model::{Classifier, ClientAddr, GroupIndex, Groups, NetworkIdentity, VlanInfo};
//!
//! let groups: Groups = "Corporate=sub:10.10.0.0/16, vid:20; Contractors=vname:contractors"
//!     .parse()?;
//! let network = NetworkIdentity {
//!     org_name: "Meraki Inc".into(),
//!     net_name: "HQ".into(),
//!     tags: vec![],
//! };
//! let vlans = [VlanInfo { id: 30, name: "contractors".into(), subnet: Some("10.30.0.0/16".parse()?) }];
//! let (classifier, warnings) = Classifier::new(&groups, &network, &vlans);
//! assert!(warnings.is_empty());
//!
//! let client = ClientAddr { ip: Some("10.30.1.7".parse()?), ..ClientAddr::default() };
//! let group = classifier.classify(&client);
//! assert_eq!(group, Some(GroupIndex(1)));
//! assert_eq!(groups.get(GroupIndex(1)).map(|g| g.name.as_str()), Some("Contractors"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Each parser has its own error type naming the offending text; [`Error`] wraps them all for
//! callers that want one type.
//!
//! # Public dependencies
//!
//! Dates, instants and zones are [`jiff`]'s (`jiff::civil::Date`, `jiff::Timestamp`,
//! `jiff::tz::TimeZone`) and subnets [`ipnetwork`]'s (`RuleKind::Subnet`): both are part of
//! this crate's API and re-exported (`usage_model::jiff`, `usage_model::ipnetwork`) so callers
//! name the same versions. jiff is not 1.0 yet: its next breaking release will be a breaking
//! release of this crate.
#![deny(missing_docs)]

mod classifier;
mod diff;
mod filter;
mod groups;
mod init_file;
mod period;
mod plan;
mod privacy;
mod source;
mod units;

pub use classifier::{
    Classifier, ClassifierWarning, ClientAddr, NetworkIdentity, SsidInfo, VlanInfo,
};
pub use diff::{
    ClientDay, ClientDrift, ClientUsage, DayClients, DayGroups, Snapshot, aggregate, diff_day,
    diff_run, drift, sum_by_group,
};
pub use filter::{DeviceType, Filter, FilterError};
pub use groups::{
    Group, GroupIndex, Groups, GroupsError, MAX_SSID_NUMBER, Rule, RuleKind, Scope, SsidRef,
    WARNING_NAME_CHARS, shorten_name,
};
pub use init_file::{InitConfig, InitFileError, InitFileProblem};
pub use period::{DateRange, FIRST_REPORT_DAY, Period, PeriodError};
pub use plan::{API_MAX_LOOKBACK, DEFAULT_LOOKBACK_DAYS, DayRun, day_bounds, plan_missing_days};
pub use privacy::{ClientDetail, ClientDetailError, Privacy};
pub use source::{Source, SourceError};
pub use units::{Kb, ParseKbError, Traffic};

pub use ipnetwork;
pub use jiff;

/// Any error of this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An invalid groups definition.
    #[error(transparent)]
    Groups(#[from] GroupsError),
    /// An invalid filter.
    #[error(transparent)]
    Filter(#[from] FilterError),
    /// An invalid init file.
    #[error(transparent)]
    InitFile(#[from] InitFileError),
    /// An invalid report period.
    #[error(transparent)]
    Period(#[from] PeriodError),
    /// An invalid kB amount.
    #[error(transparent)]
    Kb(#[from] ParseKbError),
    /// A source that cannot be used as asked.
    #[error(transparent)]
    Source(#[from] SourceError),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
