//! Device filters: which organizations, networks and devices usage is pulled from (`-f`).
//!
//! Syntax: comma-separated `kind:value` items, each kind at most once:
//! `org:<name>`, `net:<name>`, `tag:<network tag>`, `dtag:<device tag>`,
//! `dtype:mr|ms|mx|all`. Kinds and the dtype value are case-insensitive; names and tags are
//! compared exactly. Without `dtype:` the device type is `mx` (MX appliances and Z teleworker
//! gateways), as in the original.
//!
//! Tags: the v1 API gives tags as arrays, so `tag:`/`dtag:` select a network/device that has
//! a tag **equal** to the value. (The original searched the v0 space-separated tag string for
//! a substring, so `tag:branch` also matched `branch-old`; we do not.)

use std::fmt;
use std::str::FromStr;

/// Which device models a filter selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum DeviceType {
    /// `dtype:mr` — wireless access points (`MR*` models).
    Mr,
    /// `dtype:ms` — switches (`MS*` models).
    Ms,
    /// `dtype:mx` — security appliances and teleworker gateways (`MX*` and `Z*` models).
    #[default]
    Mx,
    /// `dtype:all` — every model above.
    All,
}

impl DeviceType {
    /// The model-name prefixes this type selects (matched case-insensitively).
    pub fn model_prefixes(self) -> &'static [&'static str] {
        match self {
            DeviceType::Mr => &["MR"],
            DeviceType::Ms => &["MS"],
            DeviceType::Mx => &["MX", "Z"],
            DeviceType::All => &["MR", "MS", "MX", "Z"],
        }
    }

    /// The Dashboard API v1 `productTypes[]` values to request server-side. A hint only: the
    /// model prefix check ([`DeviceType::matches_model`]) is what decides.
    pub fn product_types(self) -> &'static [&'static str] {
        match self {
            DeviceType::Mr => &["wireless"],
            DeviceType::Ms => &["switch"],
            // Z teleworker gateways are listed under the appliance product type.
            DeviceType::Mx => &["appliance"],
            DeviceType::All => &["appliance", "switch", "wireless"],
        }
    }

    /// Whether a device of model `model` (e.g. `MX68`, `Z3`, `MR46`) is of this type.
    pub fn matches_model(self, model: &str) -> bool {
        self.model_prefixes().iter().any(|p| {
            model
                .get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p))
        })
    }

    /// The `dtype:` value: `mr`, `ms`, `mx` or `all`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceType::Mr => "mr",
            DeviceType::Ms => "ms",
            DeviceType::Mx => "mx",
            DeviceType::All => "all",
        }
    }
}

/// A parsed `-f` filter. `Filter::default()` is `dtype:mx`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Filter {
    /// `org:` — exact organization name.
    pub org: Option<String>,
    /// `net:` — exact network name.
    pub net: Option<String>,
    /// `tag:` — a network tag.
    pub tag: Option<String>,
    /// `dtag:` — a device tag.
    pub device_tag: Option<String>,
    /// `dtype:` — device models.
    pub device_type: DeviceType,
}

/// Why a filter was rejected. Every variant names the offending text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// The filter was empty.
    #[error("empty filter: expected items like org:<name>,tag:<tag>,dtype:mx")]
    Empty,
    /// An item without `kind:`.
    #[error("filter item {0:?} is not kind:value (kinds: org, net, tag, dtag, dtype)")]
    MissingColon(String),
    /// An unknown kind.
    #[error("unknown filter {0:?}: kinds are org, net, tag, dtag, dtype")]
    UnknownKind(String),
    /// The same kind twice.
    #[error("filter {kind}: given more than once in {text:?}")]
    Repeated {
        /// The repeated kind.
        kind: &'static str,
        /// The whole filter.
        text: String,
    },
    /// A kind with an empty value.
    #[error("filter item {0:?} has an empty value")]
    EmptyValue(String),
    /// A `dtype:` value other than mr, ms, mx, all.
    #[error("invalid device type {0:?}: expected dtype:mr, dtype:ms, dtype:mx or dtype:all")]
    InvalidDeviceType(String),
}

impl Filter {
    /// Parses e.g. `"org:Meraki Inc,dtype:all,dtag:core-switch"`.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        if text.trim().is_empty() {
            return Err(FilterError::Empty);
        }
        let mut f = Filter::default();
        let mut dtype_seen = false;
        for item in text.split(',') {
            let item = item.trim();
            let Some((kind, value)) = item.split_once(':') else {
                return Err(FilterError::MissingColon(item.to_string()));
            };
            let value = value.trim();
            if value.is_empty() {
                return Err(FilterError::EmptyValue(item.to_string()));
            }
            let repeated = |kind| FilterError::Repeated {
                kind,
                text: text.trim().to_string(),
            };
            let kind = kind.trim().to_ascii_lowercase();
            let (slot, name) = match kind.as_str() {
                "org" => (&mut f.org, "org"),
                "net" => (&mut f.net, "net"),
                "tag" => (&mut f.tag, "tag"),
                "dtag" => (&mut f.device_tag, "dtag"),
                "dtype" => {
                    if dtype_seen {
                        return Err(repeated("dtype"));
                    }
                    dtype_seen = true;
                    f.device_type = match value.to_ascii_lowercase().as_str() {
                        "mr" => DeviceType::Mr,
                        "ms" => DeviceType::Ms,
                        "mx" => DeviceType::Mx,
                        "all" => DeviceType::All,
                        _ => return Err(FilterError::InvalidDeviceType(value.to_string())),
                    };
                    continue;
                }
                _ => return Err(FilterError::UnknownKind(item.to_string())),
            };
            if slot.is_some() {
                return Err(repeated(name));
            }
            *slot = Some(value.to_string());
        }
        Ok(f)
    }

    /// The device type to request (also usable as a server-side filter).
    pub fn device_type(&self) -> DeviceType {
        self.device_type
    }

    /// The items that choose devices rather than networks — `dtag:` and a `dtype:` other than
    /// the default `mx` — in canonical form (`["dtag:core", "dtype:all"]`). A network-level
    /// source cannot apply them ([`crate::Source::check`]).
    pub fn device_items(&self) -> Vec<String> {
        let mut items = Vec::new();
        if let Some(tag) = &self.device_tag {
            items.push(format!("dtag:{tag}"));
        }
        if self.device_type != DeviceType::default() {
            items.push(format!("dtype:{}", self.device_type.as_str()));
        }
        items
    }

    /// The `dtag:` and `dtype:` items written in a filter text, as written (trimmed), including
    /// an explicit `dtype:mx`, which [`Filter::device_items`] cannot tell from the default.
    /// For refusing device items typed next to a network-level source.
    ///
    /// ```
    /// use usage_model::Filter;
    /// assert_eq!(Filter::written_device_items("org:Acme, DTYPE:mx"), ["DTYPE:mx"]);
    /// assert!(Filter::written_device_items("org:Acme,tag:hq").is_empty());
    /// ```
    pub fn written_device_items(text: &str) -> Vec<String> {
        text.split(',')
            .map(str::trim)
            .filter(|item| {
                item.split_once(':').is_some_and(|(kind, _)| {
                    let kind = kind.trim();
                    kind.eq_ignore_ascii_case("dtag") || kind.eq_ignore_ascii_case("dtype")
                })
            })
            .map(str::to_string)
            .collect()
    }

    /// Whether the network passes the `org:`, `net:` and `tag:` parts of the filter.
    pub fn selects_network(&self, org_name: &str, net_name: &str, net_tags: &[String]) -> bool {
        self.org.as_deref().is_none_or(|o| o == org_name)
            && self.net.as_deref().is_none_or(|n| n == net_name)
            && self
                .tag
                .as_deref()
                .is_none_or(|t| net_tags.iter().any(|x| x == t))
    }

    /// Whether a device passes the whole filter: its network is selected, its model is of the
    /// `dtype:` and it carries the `dtag:` tag (if given).
    pub fn selects_device(
        &self,
        org_name: &str,
        net_name: &str,
        net_tags: &[String],
        model: &str,
        device_tags: &[String],
    ) -> bool {
        self.selects_network(org_name, net_name, net_tags)
            && self.device_type.matches_model(model)
            && self
                .device_tag
                .as_deref()
                .is_none_or(|t| device_tags.iter().any(|x| x == t))
    }
}

impl FromStr for Filter {
    type Err = FilterError;
    fn from_str(s: &str) -> Result<Filter, FilterError> {
        Filter::parse(s)
    }
}

/// Canonical form: present items in the order org, net, tag, dtag, then always `dtype:`.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (key, value) in [
            ("org", &self.org),
            ("net", &self.net),
            ("tag", &self.tag),
            ("dtag", &self.device_tag),
        ] {
            if let Some(v) = value {
                write!(f, "{key}:{v},")?;
            }
        }
        write!(f, "dtype:{}", self.device_type.as_str())
    }
}

impl serde::Serialize for Filter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Filter {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Filter, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Filter::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn manual_example_core_switches_in_meraki_inc() {
        let f = Filter::parse("org:Meraki Inc,dtype:all,dtag:core-switch").unwrap();
        assert_eq!(f.org.as_deref(), Some("Meraki Inc"));
        assert_eq!(f.device_type(), DeviceType::All);
        assert_eq!(f.device_tag.as_deref(), Some("core-switch"));
        let core = tags(&["core-switch"]);
        assert!(f.selects_device("Meraki Inc", "HQ", &[], "MS250-48", &core));
        assert!(f.selects_device("Meraki Inc", "HQ", &[], "MR46", &core));
        assert!(!f.selects_device("Meraki Inc", "HQ", &[], "MS250-48", &[]));
        assert!(!f.selects_device("Other", "HQ", &[], "MS250-48", &core));
        assert_eq!(f.to_string(), "org:Meraki Inc,dtag:core-switch,dtype:all");
    }

    #[test]
    fn init_file_example_dtag() {
        let f = Filter::parse("dtag:statsmachine").unwrap();
        assert_eq!(f.device_type(), DeviceType::Mx);
        assert!(f.selects_device("o", "n", &[], "MX68", &tags(&["statsmachine"])));
        assert!(!f.selects_device("o", "n", &[], "MX68", &tags(&["statsmachine2"])));
    }

    #[test]
    fn script_help_example() {
        let f = Filter::parse("org:My company,tag:branch,dtype:mr").unwrap();
        assert!(f.selects_network("My company", "x", &tags(&["a", "branch"])));
        assert!(!f.selects_network("My company", "x", &tags(&["branch-old"])));
        assert!(f.selects_device("My company", "x", &tags(&["branch"]), "MR33", &[]));
        assert!(!f.selects_device("My company", "x", &tags(&["branch"]), "MX64", &[]));
    }

    #[test]
    fn default_is_mx_including_z() {
        let f = Filter::default();
        assert_eq!(f.to_string(), "dtype:mx");
        assert_eq!(Filter::parse("dtype:mx").unwrap(), f);
        assert!(f.selects_device("o", "n", &[], "Z3C", &[]));
        assert!(f.selects_device("o", "n", &[], "MX250", &[]));
        assert!(!f.selects_device("o", "n", &[], "MS120-8", &[]));
        assert!(!f.selects_device("o", "n", &[], "MR46", &[]));
        assert!(!f.selects_device("o", "n", &[], "", &[]));
    }

    #[test]
    fn errors() {
        for (input, needle) in [
            ("org:a,org:b", "org:"),
            ("dtype:mx,dtype:mr", "dtype:"),
            ("dtype:mv", "\"mv\""),
            ("site:x", "site:x"),
            ("orgx", "orgx"),
            ("org:", "org:"),
            ("", "empty"),
        ] {
            let e = Filter::parse(input).expect_err(input).to_string();
            assert!(e.contains(needle), "{input:?}: {e}");
        }
    }
}
