//! Exact usage amounts: kilobytes as fixed-point thousandths, and the sent/recv → up/down map.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign};
use std::str::FromStr;

/// An amount of traffic in kilobytes (as the Dashboard API reports them), held exactly as an
/// integer number of thousandths of a kilobyte.
///
/// The API sends usage as JSON numbers that may be fractional (`138.5`); summing those as `f64`
/// drifts, so every sum in this project is done on `Kb`. Three decimals cover every value the
/// API has been seen to send; finer input is rounded half away from zero, once, on entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Kb(i64);

impl Kb {
    /// Zero kilobytes.
    pub const ZERO: Kb = Kb(0);

    /// Builds an amount from a number of thousandths of a kilobyte.
    pub const fn from_millis(millis: i64) -> Kb {
        Kb(millis)
    }

    /// Builds an amount from whole kilobytes.
    pub const fn from_kb(kb: i64) -> Kb {
        Kb(kb * 1000)
    }

    /// The amount in thousandths of a kilobyte.
    pub const fn millis(self) -> i64 {
        self.0
    }

    /// Converts a usage value as decoded from the API's JSON (a float such as `138.0` or
    /// `0.125`). Returns `None` for NaN, infinities and values too large to hold.
    pub fn from_api(value: f64) -> Option<Kb> {
        if !value.is_finite() {
            return None;
        }
        let scaled = (value * 1000.0).round();
        // i64 range with a margin; also rejects values that lost integer precision in f64.
        if scaled.abs() > 9.0e15 {
            return None;
        }
        Some(Kb(scaled as i64))
    }

    /// The value as `f64` kilobytes, for display and for formats that want a number.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// Whole kilobytes, rounded half away from zero (the one rounding applied when a figure is
    /// shown in whole kB).
    pub fn round_kb(self) -> i64 {
        let q = self.0 / 1000;
        let r = self.0 % 1000;
        if r >= 500 {
            q + 1
        } else if r <= -500 {
            q - 1
        } else {
            q
        }
    }

    /// `self - later`, clamped at zero: the usage of one day from two cumulative snapshots.
    /// The second value is `true` when the difference was negative (an anomaly).
    pub fn day_difference(self, later: Kb) -> (Kb, bool) {
        let d = self.0.saturating_sub(later.0);
        if d < 0 {
            (Kb::ZERO, true)
        } else {
            (Kb(d), false)
        }
    }

    /// Checked addition.
    pub fn checked_add(self, other: Kb) -> Option<Kb> {
        self.0.checked_add(other.0).map(Kb)
    }
}

impl Add for Kb {
    type Output = Kb;
    fn add(self, rhs: Kb) -> Kb {
        Kb(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Kb {
    fn add_assign(&mut self, rhs: Kb) {
        *self = *self + rhs;
    }
}

impl Sum for Kb {
    fn sum<I: Iterator<Item = Kb>>(iter: I) -> Kb {
        iter.fold(Kb::ZERO, Add::add)
    }
}

/// Prints the exact value with up to three decimals and no trailing zeros (`138`, `0.125`).
impl fmt::Display for Kb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (int, frac) = (abs / 1000, abs % 1000);
        if frac == 0 {
            write!(f, "{sign}{int}")
        } else {
            let s = format!("{frac:03}");
            write!(f, "{sign}{int}.{}", s.trim_end_matches('0'))
        }
    }
}

/// The error returned when a string is not a decimal kilobyte amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid kB amount {0:?}")]
pub struct ParseKbError(String);

/// Parses a decimal such as `12`, `12.5` or `-0.125` (at most three decimals) exactly.
impl FromStr for Kb {
    type Err = ParseKbError;
    fn from_str(s: &str) -> Result<Kb, ParseKbError> {
        let err = || ParseKbError(s.to_string());
        let t = s.trim();
        let (neg, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(err());
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        if frac.len() > 3 {
            return Err(err());
        }
        let int: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| err())?
        };
        let mut frac_millis: i64 = 0;
        for (i, b) in frac.bytes().enumerate() {
            frac_millis += i64::from(b - b'0') * [100, 10, 1][i];
        }
        let v = int
            .checked_mul(1000)
            .and_then(|v| v.checked_add(frac_millis))
            .ok_or_else(err)?;
        Ok(Kb(if neg { -v } else { v }))
    }
}

/// Traffic of one client, group or network over some window, in the report's directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Traffic {
    /// Upload as the report shows it.
    pub up: Kb,
    /// Download as the report shows it.
    pub down: Kb,
}

impl Traffic {
    /// Maps the API's per-client `usage.sent` / `usage.recv` to the report's directions.
    ///
    /// This is the one place that decides direction. The original `usagestats.py` reported
    /// *up* from `recv` and *down* from `sent` ("values returned by API are reverse": on an MX
    /// the device-clients numbers are seen from the appliance), and reports must stay
    /// comparable with it, so: up = `recv`, down = `sent`.
    pub fn from_sent_recv(sent: Kb, recv: Kb) -> Traffic {
        Traffic {
            up: recv,
            down: sent,
        }
    }

    /// Up plus down.
    pub fn total(self) -> Kb {
        self.up + self.down
    }
}

impl Add for Traffic {
    type Output = Traffic;
    fn add(self, rhs: Traffic) -> Traffic {
        Traffic {
            up: self.up + rhs.up,
            down: self.down + rhs.down,
        }
    }
}

impl AddAssign for Traffic {
    fn add_assign(&mut self, rhs: Traffic) {
        *self = *self + rhs;
    }
}

impl Sum for Traffic {
    fn sum<I: Iterator<Item = Traffic>>(iter: I) -> Traffic {
        iter.fold(Traffic::default(), Add::add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_floats_become_exact_millis() {
        assert_eq!(Kb::from_api(138.0), Some(Kb::from_millis(138_000)));
        assert_eq!(Kb::from_api(0.125), Some(Kb::from_millis(125)));
        assert_eq!(Kb::from_api(f64::NAN), None);
        // 0.1 + 0.2 drifts in f64; as Kb it does not.
        let sum = Kb::from_api(0.1).unwrap() + Kb::from_api(0.2).unwrap();
        assert_eq!(sum, Kb::from_millis(300));
    }

    #[test]
    fn day_difference_clamps_and_flags() {
        assert_eq!(
            Kb::from_kb(10).day_difference(Kb::from_kb(4)),
            (Kb::from_kb(6), false)
        );
        assert_eq!(
            Kb::from_kb(4).day_difference(Kb::from_kb(10)),
            (Kb::ZERO, true)
        );
    }

    #[test]
    fn display_and_parse_round_trip() {
        for (s, m) in [
            ("138", 138_000),
            ("0.125", 125),
            ("-2.5", -2_500),
            ("7.01", 7_010),
        ] {
            let k: Kb = s.parse().unwrap();
            assert_eq!(k.millis(), m);
            assert_eq!(k.to_string(), s);
        }
        assert!("1.2345".parse::<Kb>().is_err());
        assert!("abc".parse::<Kb>().is_err());
        assert!(".".parse::<Kb>().is_err());
    }

    #[test]
    fn rounding_to_whole_kb() {
        assert_eq!(Kb::from_millis(1_499).round_kb(), 1);
        assert_eq!(Kb::from_millis(1_500).round_kb(), 2);
        assert_eq!(Kb::from_millis(-1_500).round_kb(), -2);
    }

    #[test]
    fn direction_up_is_recv_down_is_sent() {
        let t = Traffic::from_sent_recv(Kb::from_kb(5), Kb::from_kb(7));
        assert_eq!(t.up, Kb::from_kb(7));
        assert_eq!(t.down, Kb::from_kb(5));
        assert_eq!(t.total(), Kb::from_kb(12));
    }
}
