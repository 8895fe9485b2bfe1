//! Where a sync reads client usage from, and which groups and filters each source can honour.
//!
//! * [`Source::Device`] (the default, what the original did): one
//!   `GET /devices/{serial}/clients` per selected device and day boundary. Device filters
//!   (`dtype:`, `dtag:`) choose the devices; a client seen by several selected devices of a
//!   network counts once per device.
//! * [`Source::Network`]: one paged `GET /networks/{id}/clients` per network and day
//!   boundary. Every client of the network counts once, whatever devices it was seen by, so
//!   device filters mean nothing there and are refused; the list also names each wireless
//!   client's SSID, which `ssid:` group rules need.

use std::fmt;
use std::str::FromStr;

use crate::filter::Filter;
use crate::groups::Groups;

/// Where client usage is read from. Stored in the database; `Device` is the default so
/// databases made before sources existed keep their meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum Source {
    /// Each selected device's client list.
    #[default]
    Device,
    /// Each network's client list.
    Network,
}

/// A source that cannot be used as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// A source name other than `device` or `network`.
    #[error("unknown source {0:?}: expected device or network")]
    Unknown(String),
    /// The network source with a filter that selects devices.
    #[error(
        "the network source reads each network's whole client list, which device filters cannot narrow: remove {items} from the filter (org:, net: and tag: still apply), or use --source device"
    )]
    DeviceFilter {
        /// The filter's device items, e.g. `dtag:core, dtype:all`.
        items: String,
    },
    /// `ssid:` rules with the device source.
    #[error(
        "group {group:?} has the rule {rule}, but only the network-level client list reports SSIDs: ssid: rules need --source network"
    )]
    SsidNeedsNetwork {
        /// The group holding the first `ssid:` rule.
        group: String,
        /// That rule, in canonical form.
        rule: String,
    },
}

impl Source {
    /// `device` or `network`, as stored and as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Device => "device",
            Source::Network => "network",
        }
    }

    /// Parses `device` or `network` (case-insensitive, surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Source, SourceError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "device" => Ok(Source::Device),
            "network" => Ok(Source::Network),
            _ => Err(SourceError::Unknown(text.trim().to_string())),
        }
    }

    /// Whether `groups` and `filter` can be used with this source: the network source takes
    /// no device filter ([`Filter::device_items`]); `ssid:` rules need the network source.
    ///
    /// ```
    /// use usage_model::{Filter, Groups, Source};
    ///
    /// let ssid = Groups::parse("Guests=ssid:Guest Wi-Fi").unwrap();
    /// let by_tag = Filter::parse("tag:campus").unwrap();
    /// assert!(Source::Network.check(&ssid, &by_tag).is_ok());
    /// assert!(Source::Device.check(&ssid, &by_tag).is_err());
    /// let aps = Filter::parse("dtype:mr").unwrap();
    /// assert!(Source::Network.check(&Groups::overall_default(), &aps).is_err());
    /// ```
    pub fn check(self, groups: &Groups, filter: &Filter) -> Result<(), SourceError> {
        match self {
            Source::Network => {
                let items = filter.device_items();
                if items.is_empty() {
                    Ok(())
                } else {
                    Err(SourceError::DeviceFilter {
                        items: items.join(", "),
                    })
                }
            }
            Source::Device => match groups.first_ssid_rule() {
                Some((group, rule)) => Err(SourceError::SsidNeedsNetwork {
                    group: group.name.clone(),
                    rule: rule.to_string(),
                }),
                None => Ok(()),
            },
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Source {
    type Err = SourceError;
    fn from_str(s: &str) -> Result<Source, SourceError> {
        Source::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_device_is_the_default() {
        for s in [Source::Device, Source::Network] {
            assert_eq!(Source::parse(s.as_str()), Ok(s));
            assert_eq!(s.to_string().parse::<Source>(), Ok(s));
        }
        assert_eq!(Source::parse(" Network "), Ok(Source::Network));
        assert_eq!(Source::default(), Source::Device);
        let err = Source::parse("devices").unwrap_err().to_string();
        assert!(
            err.contains("\"devices\"") && err.contains("device or network"),
            "{err}"
        );
    }

    #[test]
    fn each_source_refuses_what_it_cannot_honour() {
        let plain = Groups::parse("Corp=sub:10.0.0.0/8").unwrap();
        let ssid = Groups::parse("Corp=sub:10.0.0.0/8;Guests=@tag:hq ssid:Guest").unwrap();
        let network_only = Filter::parse("org:Acme,net:HQ,tag:hq").unwrap();
        assert!(Source::Network.check(&ssid, &network_only).is_ok());
        assert!(Source::Device.check(&plain, &network_only).is_ok());
        // The default dtype:mx is no device criterion; anything else is.
        assert!(Source::Network.check(&plain, &Filter::default()).is_ok());
        let err = Source::Network
            .check(&plain, &Filter::parse("dtag:core,dtype:all").unwrap())
            .unwrap_err();
        assert_eq!(
            err,
            SourceError::DeviceFilter {
                items: "dtag:core, dtype:all".into()
            }
        );
        assert!(err.to_string().contains("org:, net: and tag: still apply"));
        let err = Source::Device.check(&ssid, &network_only).unwrap_err();
        assert_eq!(
            err,
            SourceError::SsidNeedsNetwork {
                group: "Guests".into(),
                rule: "@tag:hq ssid:Guest".into()
            }
        );
        assert!(err.to_string().contains("--source network"), "{err}");
    }
}
