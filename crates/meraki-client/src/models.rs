//! Typed models of the Dashboard API responses this crate reads.
//!
//! Unknown JSON fields are ignored. Descriptive fields the API may send as `null` or omit are
//! `Option`; lists (`tags`, `productTypes`) treat `null`/missing as empty.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

/// `null` and missing both become `T::default()`.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An organization (`GET /organizations`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Organization id (numeric-looking string, e.g. `"2930418"`).
    pub id: String,
    /// Display name.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// Dashboard URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Whether API access is enabled for the organization.
    #[serde(default)]
    pub api: Option<OrganizationApi>,
}

/// The `api` object of an [`Organization`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrganizationApi {
    /// API access enabled.
    #[serde(default)]
    pub enabled: bool,
}

/// A network (`GET /organizations/{id}/networks`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct Network {
    /// Network id (`N_…` or `L_…`).
    pub id: String,
    /// Owning organization (filled from the request when the API omits it).
    #[serde(default, deserialize_with = "null_default")]
    pub organization_id: String,
    /// Display name.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// `appliance`, `switch`, `wireless`, ...
    #[serde(default, deserialize_with = "null_default")]
    pub product_types: Vec<String>,
    /// IANA time zone, e.g. `America/Los_Angeles`.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Tags (`null` → empty).
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
    /// Free-form notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Dashboard URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// A device (`GET /organizations/{id}/devices` or `GET /networks/{id}/devices`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// Serial number, e.g. `Q2XX-XXXX-XXXX`.
    pub serial: String,
    /// Name (`None` when unnamed).
    #[serde(default)]
    pub name: Option<String>,
    /// Model, e.g. `MX68`, `Z3`, `MR34`.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// Network the device is assigned to.
    #[serde(default)]
    pub network_id: Option<String>,
    /// `appliance`, `wireless`, ... (absent from the per-network listing).
    #[serde(default)]
    pub product_type: Option<String>,
    /// Tags (`null` → empty).
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
    /// MAC address.
    #[serde(default)]
    pub mac: Option<String>,
    /// LAN IP.
    #[serde(default)]
    pub lan_ip: Option<String>,
    /// Firmware version.
    #[serde(default)]
    pub firmware: Option<String>,
}

/// A VLAN id as the API sends it: sometimes a number, sometimes a string (`255` or `"255"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum VlanId {
    /// Sent as a JSON number.
    Number(i64),
    /// Sent as a JSON string.
    Text(String),
}

impl VlanId {
    /// The numeric VLAN id (1–4094 in practice), from either form.
    pub fn as_u16(&self) -> Option<u16> {
        match self {
            VlanId::Number(n) => u16::try_from(*n).ok(),
            VlanId::Text(s) => s.trim().parse().ok(),
        }
    }
}

impl fmt::Display for VlanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VlanId::Number(n) => write!(f, "{n}"),
            VlanId::Text(s) => f.write_str(s),
        }
    }
}

/// Traffic of one client in kilobytes, as reported by the API (may be fractional).
///
/// A missing or `null` `sent`/`recv` (or `usage` object) reads as `0.0`: the API omits usage
/// for clients it saw without traffic, and the sync needs a number to diff. Which side is
/// "up" is decided by `usage_model::Traffic::from_sent_recv`, not here.
///
/// The received side is read from `recv` or, as some API versions and endpoints spell it
/// (`/clients/{id}/usageHistory`), `received`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Usage {
    /// `usage.sent`, kB.
    #[serde(default, deserialize_with = "null_default")]
    pub sent: f64,
    /// `usage.recv` (or `usage.received`), kB.
    #[serde(default, alias = "received", deserialize_with = "null_default")]
    pub recv: f64,
}

/// A client seen by one device (`GET /devices/{serial}/clients`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct DeviceClient {
    /// Client key, e.g. `k74272e`.
    pub id: String,
    /// MAC address.
    #[serde(default)]
    pub mac: Option<String>,
    /// IPv4 address.
    #[serde(default)]
    pub ip: Option<String>,
    /// IPv6 address (not in the documented schema; read when present).
    #[serde(default)]
    pub ip6: Option<String>,
    /// VLAN id.
    #[serde(default)]
    pub vlan: Option<VlanId>,
    /// Named VLAN.
    #[serde(default)]
    pub named_vlan: Option<String>,
    /// Description (hostname or admin-given name).
    #[serde(default)]
    pub description: Option<String>,
    /// User name (802.1X, splash).
    #[serde(default)]
    pub user: Option<String>,
    /// DHCP host name.
    #[serde(default)]
    pub dhcp_hostname: Option<String>,
    /// mDNS name.
    #[serde(default)]
    pub mdns_name: Option<String>,
    /// Switch port (switches only).
    #[serde(default)]
    pub switchport: Option<String>,
    /// Traffic in the requested window.
    #[serde(default, deserialize_with = "null_default")]
    pub usage: Usage,
}

/// Usage of a network client: [`Usage`] plus the `total` the API sometimes sends. The received
/// side is read from `recv` or `received`, as for [`Usage`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NetworkUsage {
    /// `usage.sent`, kB (missing → 0).
    #[serde(default, deserialize_with = "null_default")]
    pub sent: f64,
    /// `usage.recv` (or `usage.received`), kB (missing → 0).
    #[serde(default, alias = "received", deserialize_with = "null_default")]
    pub recv: f64,
    /// `usage.total`, kB, when sent.
    #[serde(default)]
    pub total: Option<f64>,
}

impl NetworkUsage {
    /// As a plain [`Usage`].
    pub fn sent_recv(&self) -> Usage {
        Usage {
            sent: self.sent,
            recv: self.recv,
        }
    }
}

/// `firstSeen`/`lastSeen`: epoch seconds in the spec, an ISO-8601 string in live responses
/// since about 2025.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SeenAt {
    /// Seconds since the Unix epoch.
    Epoch(i64),
    /// An ISO-8601 / RFC 3339 timestamp.
    Text(String),
}

impl SeenAt {
    /// As a timestamp, if it is a valid one.
    pub fn to_timestamp(&self) -> Option<jiff::Timestamp> {
        match self {
            SeenAt::Epoch(s) => jiff::Timestamp::from_second(*s).ok(),
            SeenAt::Text(t) => t.parse().ok(),
        }
    }
}

/// A client of a network (`GET /networks/{id}/clients`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct NetworkClient {
    /// Client key.
    pub id: String,
    /// MAC address.
    #[serde(default)]
    pub mac: Option<String>,
    /// IPv4 address.
    #[serde(default)]
    pub ip: Option<String>,
    /// IPv6 address.
    #[serde(default)]
    pub ip6: Option<String>,
    /// IPv6 link-local address.
    #[serde(default)]
    pub ip6_local: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// First time seen.
    #[serde(default)]
    pub first_seen: Option<SeenAt>,
    /// Last time seen.
    #[serde(default)]
    pub last_seen: Option<SeenAt>,
    /// Manufacturer from the MAC OUI.
    #[serde(default)]
    pub manufacturer: Option<String>,
    /// Operating system.
    #[serde(default)]
    pub os: Option<String>,
    /// User name.
    #[serde(default)]
    pub user: Option<String>,
    /// VLAN id.
    #[serde(default)]
    pub vlan: Option<VlanId>,
    /// Named VLAN.
    #[serde(default)]
    pub named_vlan: Option<String>,
    /// Name of the SSID the client is associated with; `None` for wired clients.
    #[serde(default)]
    pub ssid: Option<String>,
    /// Switch port.
    #[serde(default)]
    pub switchport: Option<String>,
    /// `Online` or `Offline`.
    #[serde(default)]
    pub status: Option<String>,
    /// Serial of the device the client was last seen on (its access point, switch or
    /// appliance).
    #[serde(default)]
    pub recent_device_serial: Option<String>,
    /// Name of that device.
    #[serde(default)]
    pub recent_device_name: Option<String>,
    /// `Wired` or `Wireless`.
    #[serde(default)]
    pub recent_device_connection: Option<String>,
    /// Traffic in the requested window.
    #[serde(default, deserialize_with = "null_default")]
    pub usage: NetworkUsage,
}

/// An MX VLAN (`GET /networks/{id}/appliance/vlans`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct ApplianceVlan {
    /// VLAN id (a number in live responses, a string in the spec).
    pub id: VlanId,
    /// VLAN name.
    #[serde(default)]
    pub name: Option<String>,
    /// IPv4 subnet in CIDR form, e.g. `192.168.1.0/24`.
    #[serde(default)]
    pub subnet: Option<String>,
    /// The appliance's IP on this VLAN.
    #[serde(default)]
    pub appliance_ip: Option<String>,
    /// Interface id.
    #[serde(default)]
    pub interface_id: Option<String>,
    /// Group policy id.
    #[serde(default)]
    pub group_policy_id: Option<String>,
}

/// A wireless network's SSID slot (`GET /networks/{id}/wireless/ssids`): the API lists all 15
/// slots (numbers 0–14), configured or not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct WirelessSsid {
    /// Slot number, 0–14.
    pub number: u8,
    /// The SSID's name (`Unconfigured SSID 4` for an unused slot).
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// Whether the SSID is broadcast.
    #[serde(default)]
    pub enabled: bool,
}

/// One client's history (`GET /networks/{id}/clients/usageHistories`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct ClientUsageHistory {
    /// Client key.
    pub client_id: String,
    /// Client IP.
    #[serde(default)]
    pub client_ip: Option<String>,
    /// Client MAC.
    #[serde(default)]
    pub client_mac: Option<String>,
    /// Samples, oldest first as sent.
    #[serde(default, deserialize_with = "null_default")]
    pub usage_history: Vec<UsageSample>,
}

/// One sample of a [`ClientUsageHistory`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UsageSample {
    /// Sample time as sent (ISO-8601); see [`UsageSample::timestamp`].
    pub ts: String,
    /// kB sent (missing → 0).
    #[serde(default, deserialize_with = "null_default")]
    pub sent: f64,
    /// kB received (missing → 0): `received`, as the specification (v1.73) names it, or
    /// `recv`, as older descriptions and the other client listings do.
    #[serde(
        default,
        rename = "received",
        alias = "recv",
        deserialize_with = "null_default"
    )]
    pub recv: f64,
}

impl UsageSample {
    /// The sample time, if `ts` is a valid RFC 3339 timestamp.
    pub fn timestamp(&self) -> Option<jiff::Timestamp> {
        self.ts.parse().ok()
    }
}

/// The look-back window of a client listing. The window always ends "now": the API has no
/// `t1` for client lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientWindow {
    /// From this instant until now (sent as `t0`, RFC 3339 UTC, whole seconds). Absolute, so
    /// the window does not drift while a long sync runs.
    Since(jiff::Timestamp),
    /// The last `n` seconds (sent as `timespan`, whole seconds).
    Timespan(Duration),
}

impl ClientWindow {
    /// The query parameter for this window.
    pub(crate) fn query_pair(&self) -> (&'static str, String) {
        match self {
            ClientWindow::Since(t) => ("t0", t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
            ClientWindow::Timespan(d) => ("timespan", d.as_secs().to_string()),
        }
    }
}

/// How [`DeviceQuery::tags`] combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagsFilter {
    /// Devices with at least one of the tags (the API default).
    WithAnyTags,
    /// Devices with all the tags.
    WithAllTags,
}

/// Server-side filters of `GET /organizations/{id}/devices`. `Default` filters nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceQuery {
    /// `productTypes[]`: `appliance`, `wireless`, `switch`, ...
    pub product_types: Vec<String>,
    /// `tags[]`.
    pub tags: Vec<String>,
    /// `tagsFilterType`.
    pub tags_filter: Option<TagsFilter>,
    /// `models[]` (exact).
    pub models: Vec<String>,
    /// `networkIds[]`.
    pub network_ids: Vec<String>,
    /// `serials[]` (exact).
    pub serials: Vec<String>,
    /// `model` (substring match).
    pub model: Option<String>,
    /// `name` (substring match).
    pub name: Option<String>,
}

impl DeviceQuery {
    pub(crate) fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        let lists: [(&'static str, &Vec<String>); 5] = [
            ("productTypes[]", &self.product_types),
            ("tags[]", &self.tags),
            ("models[]", &self.models),
            ("networkIds[]", &self.network_ids),
            ("serials[]", &self.serials),
        ];
        for (name, values) in lists {
            pairs.extend(values.iter().map(|v| (name, v.clone())));
        }
        if let Some(f) = self.tags_filter {
            let v = match f {
                TagsFilter::WithAnyTags => "withAnyTags",
                TagsFilter::WithAllTags => "withAllTags",
            };
            pairs.push(("tagsFilterType", v.to_owned()));
        }
        if let Some(m) = &self.model {
            pairs.push(("model", m.clone()));
        }
        if let Some(n) = &self.name {
            pairs.push(("name", n.clone()));
        }
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vlan_ids_in_both_forms() {
        let v: Vec<VlanId> = serde_json::from_str(r#"[255, "20", "corp", 70000, -1]"#).unwrap();
        let nums: Vec<Option<u16>> = v.iter().map(VlanId::as_u16).collect();
        assert_eq!(nums, [Some(255), Some(20), None, None, None]);
        assert_eq!(v[1].to_string(), "20");
    }

    #[test]
    fn t0_is_whole_seconds_utc() {
        let t: jiff::Timestamp = "2026-11-01T05:00:00.750+00:00".parse().unwrap();
        assert_eq!(
            ClientWindow::Since(t).query_pair(),
            ("t0", "2026-11-01T05:00:00Z".to_owned())
        );
        assert_eq!(
            ClientWindow::Timespan(Duration::from_secs(86_400)).query_pair(),
            ("timespan", "86400".to_owned())
        );
    }

    #[test]
    fn usage_samples_read_received_and_recv() {
        let samples: Vec<UsageSample> = serde_json::from_str(
            r#"[{"ts": "2026-03-01T00:00:00Z", "sent": 1, "received": 2.5},
                {"ts": "2026-03-02T00:00:00Z", "sent": 1, "recv": 3}]"#,
        )
        .unwrap();
        let recv: Vec<f64> = samples.iter().map(|s| s.recv).collect();
        assert_eq!(recv, [2.5, 3.0]);
        // Written back as the specification names it.
        let back = serde_json::to_value(&samples[1]).unwrap();
        assert_eq!(back["received"], 3.0);
    }

    #[test]
    fn seen_at_both_forms() {
        let a = SeenAt::Epoch(1_518_365_681).to_timestamp().unwrap();
        let b = SeenAt::Text("2018-02-11T16:14:41Z".into())
            .to_timestamp()
            .unwrap();
        assert_eq!(a, b);
    }
}
