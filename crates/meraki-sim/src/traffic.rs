//! The traffic model: every client's usage as exact integer thousandths of a kB per minute.
//!
//! # Rule (the one the API handlers and ground truth share)
//!
//! Time is cut into UTC minutes (slot `m` covers `[60·m, 60·m + 60)` seconds since the Unix
//! epoch). A minute is the largest slot that divides every day boundary in every zone (some
//! zones sit at :30 and :45 offsets). The usage of a client over a window `[t0, t1)` is the sum
//! of the slots whose **start** `s` satisfies `t0 ≤ s < t1`. So a snapshot "since `t0` until
//! now" and the ground truth of a day (`[start(D), start(D+1))`) use the same arithmetic, and
//! `U(start D) − U(start D+1)` equals the truth of day `D` exactly when both snapshots see the
//! same `now`.
//!
//! # Shape
//!
//! An hour's total is `mean × daily shape × weekly factor × noise(hash(seed, client, hour))`,
//! zero when the client is absent that UTC day or the hour is idle. Inside the hour the total
//! `T = 60·q + r` (in units of `unit_millis`) is spread as `q` per minute plus one extra unit on
//! `r` minutes chosen by a hashed rotation, so any partial hour has a closed form and a window
//! costs one hash per hour it covers.

use crate::rng::{hash_str, mix2};
use crate::world::{Presence, Shape, TrafficProfile};

const OFFICE: [u64; 24] = [
    10, 8, 8, 8, 8, 10, 20, 60, 150, 200, 210, 200, 160, 190, 210, 200, 170, 110, 50, 30, 20, 15,
    12, 10,
];
const HOME: [u64; 24] = [
    40, 25, 15, 10, 10, 10, 20, 50, 70, 60, 50, 50, 60, 60, 60, 70, 90, 130, 180, 220, 240, 220,
    160, 90,
];
const FLAT: [u64; 24] = [100; 24];

/// Usage of one client over a window, in thousandths of a kB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WindowUsage {
    pub(crate) sent: i64,
    pub(crate) recv: i64,
    /// First and last minute (UTC minute index) of an hour with traffic inside the window;
    /// hour resolution is enough for `firstSeen`/`lastSeen`.
    pub(crate) first_min: Option<i64>,
    pub(crate) last_min: Option<i64>,
}

impl WindowUsage {
    pub(crate) fn is_seen(&self) -> bool {
        self.sent > 0 || self.recv > 0
    }

    /// This window followed by an adjacent later one.
    pub(crate) fn then(self, later: WindowUsage) -> WindowUsage {
        WindowUsage {
            sent: self.sent + later.sent,
            recv: self.recv + later.recv,
            first_min: self.first_min.or(later.first_min),
            last_min: later.last_min.or(self.last_min),
        }
    }
}

/// A client's traffic curve, precomputed from its profile for fast evaluation.
#[derive(Debug, Clone)]
pub(crate) struct Curve {
    key: u64,
    unit: i64,
    mean: u64,
    recv_pm: u64,
    idle_pm: u64,
    shape: &'static [u64; 24],
    weekend_pct: u64,
    presence: Presence,
    /// Offset (minutes) of the network's zone used only to place the daily shape in local
    /// time; a fixed offset is enough for a realistic curve.
    offset_min: i64,
}

struct HourUnits {
    sent: u64,
    recv: u64,
    rot_sent: u64,
    rot_recv: u64,
}

impl Curve {
    pub(crate) fn new(
        world_seed: u64,
        client_id: &str,
        profile: &TrafficProfile,
        offset_min: i64,
    ) -> Curve {
        let (shape, weekend_pct) = match profile.shape {
            Shape::Office => (&OFFICE, 15),
            Shape::Home => (&HOME, 140),
            Shape::Server => (&FLAT, 100),
            Shape::Iot => (&FLAT, 100),
        };
        Curve {
            key: mix2(world_seed, hash_str(client_id)),
            unit: i64::from(profile.unit_millis.clamp(1, 1000)),
            mean: profile.mean_units_per_hour,
            recv_pm: u64::from(profile.recv_permille),
            idle_pm: u64::from(profile.idle_permille.min(1000)),
            shape,
            weekend_pct,
            presence: profile.presence,
            offset_min,
        }
    }

    fn present_on(&self, utc_day: i64) -> bool {
        match self.presence {
            Presence::Always => true,
            Presence::Periodic {
                period_days,
                on_days,
                phase,
            } => {
                let period = i64::from(period_days.max(1));
                (utc_day + i64::from(phase)).rem_euclid(period) < i64::from(on_days)
            }
        }
    }

    fn hour(&self, hour: i64) -> HourUnits {
        let zero = HourUnits {
            sent: 0,
            recv: 0,
            rot_sent: 0,
            rot_recv: 0,
        };
        if !self.present_on(hour.div_euclid(24)) {
            return zero;
        }
        let h = mix2(self.key, hour as u64);
        if h % 1000 < self.idle_pm {
            return zero;
        }
        let local_min = hour * 60 + self.offset_min;
        let hod = local_min.div_euclid(60).rem_euclid(24) as usize;
        // 1970-01-01 was a Thursday: Monday = 0.
        let weekday = (local_min.div_euclid(1440) + 3).rem_euclid(7);
        let week = if weekday >= 5 { self.weekend_pct } else { 100 };
        let noise_sent = 50 + (h >> 10) % 101;
        let noise_recv = 50 + (h >> 20) % 101;
        let base = u128::from(self.mean) * u128::from(self.shape[hod]) * u128::from(week);
        let sent = base * u128::from(noise_sent) / 1_000_000;
        let recv = base * u128::from(noise_recv) * u128::from(self.recv_pm) / 1_000_000_000;
        HourUnits {
            sent: u64::try_from(sent).unwrap_or(u64::MAX / 4),
            recv: u64::try_from(recv).unwrap_or(u64::MAX / 4),
            rot_sent: (h >> 32) % 60,
            rot_recv: (h >> 40) % 60,
        }
    }

    /// Usage over the minutes `[a, b)` (UTC minute indices).
    pub(crate) fn window(&self, a: i64, b: i64) -> WindowUsage {
        let mut out = WindowUsage::default();
        if a >= b {
            return out;
        }
        let first_hour = a.div_euclid(60);
        let last_hour = (b - 1).div_euclid(60);
        let mut hour = first_hour;
        while hour <= last_hour {
            // Whole absent days cost one check instead of 24 hashes.
            if hour.rem_euclid(24) == 0 && !self.present_on(hour.div_euclid(24)) {
                hour += 24;
                continue;
            }
            let start = hour * 60;
            let i0 = (a.max(start) - start) as u64;
            let i1 = (b.min(start + 60) - start) as u64;
            let u = self.hour(hour);
            let sent = minutes_part(u.sent, u.rot_sent, i0, i1);
            let recv = minutes_part(u.recv, u.rot_recv, i0, i1);
            if sent > 0 || recv > 0 {
                out.sent += sent as i64 * self.unit;
                out.recv += recv as i64 * self.unit;
                out.first_min.get_or_insert(start + i0 as i64);
                out.last_min = Some(start + i1 as i64 - 1);
            }
            hour += 1;
        }
        out
    }
}

/// Units falling in minutes `[i0, i1)` of an hour whose total is `total`, spread as `q` per
/// minute plus one extra unit on the `r` minutes `i` with `(i + rot) mod 60 < r`.
fn minutes_part(total: u64, rot: u64, i0: u64, i1: u64) -> u64 {
    if i1 <= i0 || total == 0 {
        return 0;
    }
    let (q, r) = (total / 60, total % 60);
    // Count of values below r in the cyclic interval [rot + i0, rot + i1) mod 60.
    let below = |k: u64| k.min(r);
    let lo = (rot + i0) % 60;
    let len = i1 - i0;
    let extra = if lo + len <= 60 {
        below(lo + len) - below(lo)
    } else {
        (below(60) - below(lo)) + below(lo + len - 60)
    };
    q * len + extra
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> TrafficProfile {
        TrafficProfile {
            unit_millis: 125,
            mean_units_per_hour: 4_321,
            recv_permille: 300,
            idle_permille: 200,
            shape: Shape::Office,
            presence: Presence::Periodic {
                period_days: 10,
                on_days: 6,
                phase: 3,
            },
        }
    }

    #[test]
    fn minute_parts_add_up_to_the_hour() {
        for total in [0, 1, 59, 60, 61, 1234, 999_999] {
            for rot in [0, 1, 30, 59] {
                let whole = minutes_part(total, rot, 0, 60);
                assert_eq!(whole, total);
                let by_minute: u64 = (0..60).map(|i| minutes_part(total, rot, i, i + 1)).sum();
                assert_eq!(by_minute, total);
                assert_eq!(
                    minutes_part(total, rot, 0, 17) + minutes_part(total, rot, 17, 60),
                    total
                );
            }
        }
    }

    #[test]
    fn windows_are_additive_at_any_cut() {
        let c = Curve::new(42, "k123456", &profile(), 330);
        let a = 29_000_000;
        let b = a + 31 * 1440;
        let whole = c.window(a, b);
        for cut in [a, a + 1, a + 45, a + 1440 * 3 + 7, b - 1, b] {
            let l = c.window(a, cut);
            let r = c.window(cut, b);
            assert_eq!(l.sent + r.sent, whole.sent, "cut {cut}");
            assert_eq!(l.recv + r.recv, whole.recv, "cut {cut}");
        }
        assert!(whole.sent > 0);
        assert_eq!(whole.sent % 125, 0);
    }

    #[test]
    fn absent_days_have_no_traffic() {
        let c = Curve::new(1, "kabc", &profile(), 0);
        let mut absent = 0;
        for day in 20_000..20_030 {
            let u = c.window(day * 1440, (day + 1) * 1440);
            if !c.present_on(day) {
                absent += 1;
                assert_eq!(u, WindowUsage::default());
            }
        }
        assert_eq!(absent, 12);
    }
}
