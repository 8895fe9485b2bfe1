//! Ground truth: what a perfect sync should store for a network and a day.

use serde::Serialize;
use usage_model::Kb;

/// One client's exact usage over a day, with the addressing a snapshot taken at the
/// simulator's current `now` reports for it (movers report their latest VLAN and IP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GroundTruthUsage {
    /// `usage.sent` summed over the day, exactly.
    #[serde(serialize_with = "kb_json")]
    pub sent: Kb,
    /// `usage.recv` summed over the day, exactly.
    #[serde(serialize_with = "kb_json")]
    pub recv: Kb,
    /// MAC address.
    pub mac: String,
    /// Description.
    pub description: Option<String>,
    /// IPv4 address as reported now.
    pub ip: Option<String>,
    /// IPv6 address as reported now.
    pub ip6: Option<String>,
    /// VLAN id as reported now.
    pub vlan: Option<u16>,
    /// Named VLAN as reported now.
    pub named_vlan: Option<String>,
    /// The SSID of a wireless client (`None` for wired clients); only
    /// `GET /networks/{id}/clients` reports it.
    pub ssid: Option<String>,
}

/// Serialises an exact amount as a JSON number whose shortest decimal form is the exact value
/// (`138.5`, `0.125`, `42.0`): any amount below 2^53 thousandths round-trips through `f64`.
pub(crate) fn kb_json<S: serde::Serializer>(kb: &Kb, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(kb_f64(*kb))
}

pub(crate) fn kb_f64(kb: Kb) -> f64 {
    kb.millis() as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kb_json_round_trips_exactly() {
        let mut x: i64 = 1;
        for i in 0..200_000i64 {
            // A spread of magnitudes and every residue of the last three digits.
            x = (x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407))
            .abs();
            let millis = if i < 100_000 {
                i
            } else {
                x % 1_000_000_000_000_000
            };
            let kb = Kb::from_millis(millis);
            let text = serde_json::to_string(&kb_f64(kb)).expect("finite");
            let back: f64 = serde_json::from_str(&text).expect("number");
            assert_eq!(Kb::from_api(back), Some(kb), "{text}");
            assert_eq!(
                text.parse::<Kb>().ok(),
                Some(kb),
                "{text} is the exact decimal"
            );
        }
        assert_eq!(
            serde_json::to_string(&kb_f64(Kb::from_millis(138_500)))
                .ok()
                .as_deref(),
            Some("138.5")
        );
        assert_eq!(
            serde_json::to_string(&kb_f64(Kb::from_millis(42_000)))
                .ok()
                .as_deref(),
            Some("42.0")
        );
    }
}
