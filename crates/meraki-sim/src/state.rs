//! Shared simulator state: the world with its lookup index and traffic curves, the clock,
//! limits, faults and counters; and the usage queries the handlers and ground truth share.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use usage_model::Kb;

use crate::clock::Clock;
use crate::config::{FaultConfig, SimConfig};
use crate::counters::CounterSet;
use crate::error::{Error, Result};
use crate::fault::FaultState;
use crate::limit::RateLimiter;
use crate::record::Recorder;
use crate::traffic::{Curve, WindowUsage};
use crate::truth::GroundTruthUsage;
use crate::world::{Addressing, Client, Device, Network, Organization, ProductType, World};

/// A network in the flat index.
pub(crate) struct NetEntry {
    pub(crate) org: usize,
    pub(crate) net: usize,
    curves: Vec<Curve>,
    /// Per UTC day, every client's usage that day: a 31-day window then costs ~31 lookups
    /// plus two partial days per client instead of 744 hourly evaluations.
    days: Mutex<HashMap<i64, Arc<Vec<WindowUsage>>>>,
}

impl NetEntry {
    fn day_totals(&self, day: i64) -> Arc<Vec<WindowUsage>> {
        let cached = self
            .days
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&day)
            .cloned();
        if let Some(v) = cached {
            return v;
        }
        // Computed outside the lock; a concurrent duplicate computes the same values.
        let v: Arc<Vec<WindowUsage>> = Arc::new(
            self.curves
                .iter()
                .map(|c| c.window(day * 1440, (day + 1) * 1440))
                .collect(),
        );
        self.days
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(day, v.clone());
        v
    }

    /// Usage of client `i` over `[a, b)`, using whole-day totals where the window covers them.
    fn usage(
        &self,
        i: usize,
        a: i64,
        b: i64,
        full: &[Arc<Vec<WindowUsage>>],
        first_full: i64,
    ) -> WindowUsage {
        let Some(curve) = self.curves.get(i) else {
            return WindowUsage::default();
        };
        if full.is_empty() {
            return curve.window(a, b);
        }
        let head_end = first_full * 1440;
        let tail_start = (first_full + full.len() as i64) * 1440;
        let mut u = curve.window(a, head_end);
        for day in full {
            u = u.then(day.get(i).copied().unwrap_or_default());
        }
        u.then(curve.window(tail_start, b))
    }
}

pub(crate) struct Index {
    pub(crate) orgs: HashMap<String, usize>,
    pub(crate) nets: Vec<NetEntry>,
    pub(crate) net_by_id: HashMap<String, usize>,
    /// serial → (flat network index, device index)
    pub(crate) dev_by_serial: HashMap<String, (usize, usize)>,
}

impl Index {
    fn build(world: &World) -> Result<Index> {
        // A fixed instant places each zone's daily traffic shape; DST does not matter there.
        let reference = Timestamp::from_second(1_705_305_600).unwrap_or(Timestamp::UNIX_EPOCH);
        let mut index = Index {
            orgs: HashMap::new(),
            nets: Vec::new(),
            net_by_id: HashMap::new(),
            dev_by_serial: HashMap::new(),
        };
        for (oi, org) in world.organizations.iter().enumerate() {
            index.orgs.insert(org.id.clone(), oi);
            for (ni, net) in org.networks.iter().enumerate() {
                let tz = TimeZone::get(&net.time_zone)
                    .map_err(|e| Error::InvalidWorld(format!("network {}: {e}", net.id)))?;
                let offset_min = i64::from(tz.to_offset(reference).seconds()) / 60;
                let flat = index.nets.len();
                let curves = net
                    .clients
                    .iter()
                    .map(|c| Curve::new(world.seed, &c.id, &c.traffic, offset_min))
                    .collect();
                index.net_by_id.insert(net.id.clone(), flat);
                for (di, d) in net.devices.iter().enumerate() {
                    index.dev_by_serial.insert(d.serial.clone(), (flat, di));
                }
                index.nets.push(NetEntry {
                    org: oi,
                    net: ni,
                    curves,
                    days: Mutex::new(HashMap::new()),
                });
            }
        }
        Ok(index)
    }
}

/// A client seen in a window.
pub(crate) struct Seen<'a> {
    pub(crate) client: &'a Client,
    pub(crate) usage: WindowUsage,
    pub(crate) addressing: Addressing,
    pub(crate) key_bit: bool,
}

pub(crate) struct SimState {
    pub(crate) world: World,
    pub(crate) index: Index,
    pub(crate) clock: Clock,
    pub(crate) prefix: String,
    api_key: String,
    pub(crate) counters: CounterSet,
    pub(crate) limiter: RateLimiter,
    pub(crate) faults: FaultState,
    failing: RwLock<HashSet<String>>,
    /// Organizations whose org-scoped calls answer 403 although their API access is on (an
    /// administrator without access to them).
    forbidden: RwLock<HashSet<String>>,
    /// `http://host:port`, known once the listener is bound.
    pub(crate) origin: OnceLock<String>,
    /// The request log, when a test asked for one.
    pub(crate) recorder: Recorder,
}

/// The first UTC minute whose start is at or after `t` (the rule in `traffic`'s docs).
pub(crate) fn minute_ceil(t: Timestamp) -> i64 {
    let ns = t.as_nanosecond();
    let per = 60_000_000_000i128;
    (ns.div_euclid(per) + i128::from(ns.rem_euclid(per) != 0)) as i64
}

impl SimState {
    pub(crate) fn new(config: &SimConfig) -> Result<SimState> {
        config.validate()?;
        let world = match &config.world {
            Some(w) => {
                w.validate()?;
                w.clone()
            }
            None => World::generate(config.seed, &config.size()),
        };
        let index = Index::build(&world)?;
        Ok(SimState {
            world,
            index,
            clock: Clock::new(config.now, config.clock_rate),
            prefix: config.prefix.clone(),
            api_key: config.api_key.clone(),
            counters: CounterSet::default(),
            limiter: RateLimiter::new(
                config.org_rate_limit,
                config.org_burst,
                config.source_rate_limit,
                config.source_burst,
            ),
            faults: FaultState::new(config.faults.clone(), config.seed),
            failing: RwLock::new(HashSet::new()),
            forbidden: RwLock::new(HashSet::new()),
            origin: OnceLock::new(),
            recorder: Recorder::default(),
        })
    }

    pub(crate) fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Compares in constant time so response timing does not leak the key.
    pub(crate) fn key_matches(&self, given: &str) -> bool {
        let (a, b) = (self.api_key.as_bytes(), given.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    pub(crate) fn org(&self, id: &str) -> Option<&Organization> {
        self.index
            .orgs
            .get(id)
            .and_then(|&i| self.world.organizations.get(i))
    }

    pub(crate) fn entry(&self, flat: usize) -> Option<(&Organization, &Network, &NetEntry)> {
        let e = self.index.nets.get(flat)?;
        let org = self.world.organizations.get(e.org)?;
        let net = org.networks.get(e.net)?;
        Some((org, net, e))
    }

    pub(crate) fn network(&self, id: &str) -> Option<(usize, &Organization, &Network)> {
        let flat = *self.index.net_by_id.get(id)?;
        let (org, net, _) = self.entry(flat)?;
        Some((flat, org, net))
    }

    pub(crate) fn device(&self, serial: &str) -> Option<(usize, &Organization, &Network, &Device)> {
        let &(flat, di) = self.index.dev_by_serial.get(serial)?;
        let (org, net, _) = self.entry(flat)?;
        Some((flat, org, net, net.devices.get(di)?))
    }

    /// The organization a request path belongs to (for limits and counters).
    pub(crate) fn org_of_network(&self, id: &str) -> Option<&str> {
        self.network(id).map(|(_, o, _)| o.id.as_str())
    }

    pub(crate) fn org_of_device(&self, serial: &str) -> Option<&str> {
        self.device(serial).map(|(_, o, _, _)| o.id.as_str())
    }

    pub(crate) fn set_faults(&self, faults: FaultConfig) {
        self.faults.set(faults);
    }

    pub(crate) fn fail_network(&self, id: &str, failing: bool) {
        let mut set = self.failing.write().unwrap_or_else(|e| e.into_inner());
        if failing {
            set.insert(id.to_string());
        } else {
            set.remove(id);
        }
    }

    pub(crate) fn forbid_organization(&self, id: &str, forbidden: bool) {
        let mut set = self.forbidden.write().unwrap_or_else(|e| e.into_inner());
        if forbidden {
            set.insert(id.to_string());
        } else {
            set.remove(id);
        }
    }

    /// Whether the key may use this organization: its API access is on and it is not
    /// forbidden by [`SimState::forbid_organization`].
    pub(crate) fn org_usable(&self, org: &Organization) -> bool {
        org.api_enabled
            && !self
                .forbidden
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&org.id)
    }

    pub(crate) fn is_failing(&self, id: &str) -> bool {
        self.failing
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(id)
    }

    /// Clients of network `flat` (restricted to what `device` reports, if given) with nonzero
    /// usage in the UTC minutes `[a, b)`, in world order.
    pub(crate) fn seen(
        &self,
        flat: usize,
        device: Option<&Device>,
        a: i64,
        b: i64,
        now: Timestamp,
    ) -> Vec<Seen<'_>> {
        let Some((_, net, entry)) = self.entry(flat) else {
            return Vec::new();
        };
        let first_full = a.div_euclid(1440) + i64::from(a.rem_euclid(1440) != 0);
        let end_full = b.div_euclid(1440);
        let full: Vec<Arc<Vec<WindowUsage>>> = (first_full..end_full)
            .map(|day| entry.day_totals(day))
            .collect();
        let mut out = Vec::new();
        for (i, client) in net.clients.iter().enumerate() {
            if let Some(d) = device
                && !device_reports(d, client)
            {
                continue;
            }
            let usage = entry.usage(i, a, b, &full, first_full);
            if usage.is_seen() {
                out.push(Seen {
                    client,
                    usage,
                    addressing: client.addressing_at(now),
                    key_bit: crate::rng::hash_str(&client.id) & 1 == 1,
                });
            }
        }
        out
    }

    /// Exact per-client usage of `day` in `tz` on a network (or one device of it).
    pub(crate) fn ground_truth(
        &self,
        network_id: &str,
        serial: Option<&str>,
        day: Date,
        tz: &TimeZone,
    ) -> Result<BTreeMap<String, GroundTruthUsage>> {
        let (flat, _, net) = self
            .network(network_id)
            .ok_or_else(|| Error::UnknownNetwork(network_id.to_string()))?;
        let device = match serial {
            Some(s) => Some(
                net.devices
                    .iter()
                    .find(|d| d.serial == s)
                    .ok_or_else(|| Error::UnknownDevice(s.to_string()))?,
            ),
            None => None,
        };
        let (start, end) = day_bounds(day, tz)?;
        let now = self.clock.now();
        let a = minute_ceil(start);
        let b = minute_ceil(end.min(now));
        Ok(self
            .seen(flat, device, a, b, now)
            .into_iter()
            .map(|s| {
                (
                    s.client.id.clone(),
                    GroundTruthUsage {
                        sent: Kb::from_millis(s.usage.sent),
                        recv: Kb::from_millis(s.usage.recv),
                        mac: s.client.mac.clone(),
                        description: s.client.description.clone(),
                        ip: s.addressing.ip,
                        ip6: s.addressing.ip6,
                        vlan: s.addressing.vlan,
                        named_vlan: s.addressing.named_vlan,
                        ssid: s.client.ssid.clone(),
                    },
                )
            })
            .collect())
    }
}

/// `[start of day, start of next day)` in `tz` (23 or 25 hours long across DST changes).
pub(crate) fn day_bounds(day: Date, tz: &TimeZone) -> Result<(Timestamp, Timestamp)> {
    let err = |e: jiff::Error| Error::Day {
        day: day.to_string(),
        tz: tz.iana_name().unwrap_or("custom").to_string(),
        reason: e.to_string(),
    };
    let start = day.to_zoned(tz.clone()).map_err(err)?.timestamp();
    let end = day
        .tomorrow()
        .map_err(err)?
        .to_zoned(tz.clone())
        .map_err(err)?
        .timestamp();
    Ok((start, end))
}

/// Appliances see every client of their network; access points and switches see the clients
/// attached through them; other devices see none.
pub(crate) fn device_reports(device: &Device, client: &Client) -> bool {
    match device.product_type() {
        ProductType::Appliance => true,
        ProductType::Wireless | ProductType::Switch => {
            client.device.as_deref() == Some(device.serial.as_str())
        }
        ProductType::Other => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_ceil_rounds_up_only_partial_minutes() {
        let t = |s: i64, ns: i32| Timestamp::new(s, ns).expect("valid");
        assert_eq!(minute_ceil(t(120, 0)), 2);
        assert_eq!(minute_ceil(t(120, 1)), 3);
        assert_eq!(minute_ceil(t(179, 0)), 3);
        assert_eq!(minute_ceil(t(-1, 0)), 0);
        assert_eq!(minute_ceil(t(-60, 0)), -1);
    }

    #[test]
    fn cached_day_totals_give_the_same_windows_as_direct_sums() {
        let state = SimState::new(&SimConfig::default()).expect("state");
        let entry = &state.index.nets[1];
        let base: i64 = 29_500_000 - 29_500_000 % 1440; // a UTC midnight
        assert_eq!(base % 1440, 0);
        for (a, b) in [
            (base + 17, base + 31 * 1440 - 5),
            (base, base + 3 * 1440),
            (base + 1439, base + 1441),
            (base + 100, base + 200),
        ] {
            let first_full = a.div_euclid(1440) + i64::from(a.rem_euclid(1440) != 0);
            let full: Vec<_> = (first_full..b.div_euclid(1440))
                .map(|d| entry.day_totals(d))
                .collect();
            for i in 0..entry.curves.len() {
                let direct = entry.curves[i].window(a, b);
                let cached = entry.usage(i, a, b, &full, first_full);
                assert_eq!((cached.sent, cached.recv), (direct.sent, direct.recv));
                assert_eq!(cached.first_min, direct.first_min);
                assert_eq!(cached.last_min, direct.last_min);
            }
        }
    }

    #[test]
    fn day_bounds_follow_dst() {
        let tz = TimeZone::get("Europe/Berlin").expect("zone");
        let (s, e) = day_bounds(Date::new(2026, 3, 29).expect("date"), &tz).expect("bounds");
        assert_eq!(e.as_second() - s.as_second(), 23 * 3600);
        let tz = TimeZone::get("Australia/Lord_Howe").expect("zone");
        let (s, e) = day_bounds(Date::new(2026, 4, 5).expect("date"), &tz).expect("bounds");
        assert_eq!(e.as_second() - s.as_second(), 24 * 3600 + 1800);
    }
}
