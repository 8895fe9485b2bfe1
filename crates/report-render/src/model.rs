//! The report as data: what storage query results are turned into before any rendering.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use usage_model::{Kb, Source, Traffic};

/// The inclusive range of days a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DateRange {
    /// First day included.
    pub start: Date,
    /// Last day included.
    pub end: Date,
}

impl DateRange {
    /// A range from two days given in either order (the original accepted `B to A` too).
    pub fn new(a: Date, b: Date) -> DateRange {
        if a <= b {
            DateRange { start: a, end: b }
        } else {
            DateRange { start: b, end: a }
        }
    }

    /// Number of days in the range, both ends included (0 if `end` is before `start`).
    pub fn len_days(&self) -> i64 {
        match self.start.until(self.end) {
            Ok(span) => i64::from(span.get_days()) + 1,
            Err(_) => 0,
        }
        .max(0)
    }

    /// [`DateRange::len_days`] as a count.
    pub(crate) fn count(&self) -> usize {
        usize::try_from(self.len_days()).unwrap_or(0)
    }
}

/// The days of `days` as runs of consecutive days, in date order (the input may be unsorted and
/// hold duplicates). This is how reports print missing days: `2026-10-01…2026-10-31` rather
/// than 31 dates.
///
/// ```
/// use jiff::civil::date;
/// use report_render::{DateRange, day_runs};
///
/// let days = [date(2024, 2, 28), date(2024, 3, 1), date(2024, 2, 29), date(2024, 3, 5)];
/// assert_eq!(
///     day_runs(&days),
///     [
///         DateRange::new(date(2024, 2, 28), date(2024, 3, 1)),
///         DateRange::new(date(2024, 3, 5), date(2024, 3, 5)),
///     ]
/// );
/// ```
pub fn day_runs(days: &[Date]) -> Vec<DateRange> {
    let mut sorted = days.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut runs: Vec<DateRange> = Vec::new();
    for day in sorted {
        match runs.last_mut() {
            Some(run) if run.end.tomorrow().is_ok_and(|next| next == day) => run.end = day,
            _ => runs.push(DateRange {
                start: day,
                end: day,
            }),
        }
    }
    runs
}

/// What text and HTML call [`NetworkReport::removed_groups`].
pub(crate) const REMOVED_GROUPS: &str = "Traffic of groups no longer defined";

/// How many runs of missing days text and HTML reports list per network before "and N more".
pub(crate) const MISSING_RUNS_SHOWN: usize = 5;

/// `n day` / `n days`.
pub(crate) fn days_word(n: usize) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

/// `1 network` / `n networks`.
pub(crate) fn networks_word(n: usize) -> String {
    if n == 1 {
        "1 network".to_string()
    } else {
        format!("{n} networks")
    }
}

/// A network's missing days for people: the count, then the first five runs
/// (`2026-10-01…2026-10-31 (31 days)`, a single day as its date), then how many more runs and
/// days there are — as text and HTML reports print them.
pub fn describe_missing(days: &[Date]) -> String {
    let runs = day_runs(days);
    let total: usize = runs.iter().map(DateRange::count).sum();
    let mut parts: Vec<String> = runs
        .iter()
        .take(MISSING_RUNS_SHOWN)
        .map(|r| {
            if r.start == r.end {
                r.start.to_string()
            } else {
                format!("{}…{} ({})", r.start, r.end, days_word(r.count()))
            }
        })
        .collect();
    if runs.len() > MISSING_RUNS_SHOWN {
        let rest = &runs[MISSING_RUNS_SHOWN..];
        let rest_days: usize = rest.iter().map(DateRange::count).sum();
        parts.push(format!(
            "and {} more range{} ({})",
            rest.len(),
            if rest.len() == 1 { "" } else { "s" },
            days_word(rest_days)
        ));
    }
    format!("{}: {}", days_word(total), parts.join(", "))
}

/// One user group as configured: its name and its definition string (`sub:10.0.0.0/8,vid:20`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct GroupDef {
    /// Group name.
    pub name: String,
    /// The group's rules, as the user wrote them.
    pub definition: String,
}

/// Traffic of one network over the period.
///
/// # Error bounds
///
/// A day's usage is the difference of two reads of the Dashboard API; traffic that flows
/// between them may be counted on the wrong day. A *bound* is the largest amount by which a
/// figure could be off for that reason: [`NetworkReport::bounds`] per group,
/// [`NetworkReport::unmatched_bound`] and [`NetworkReport::removed_groups_bound`]. They are
/// zero in the usual case. The bound of a sum (a network, organization or grand total) is the
/// sum of its parts' bounds, and a total's bound is its up bound plus its down bound: the
/// largest error the parts could add up to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct NetworkReport {
    /// Network name.
    pub name: String,
    /// The Dashboard's network id, when the caller knows it (empty otherwise). No rendering
    /// prints it; callers use it to link a network's figures to the network (the dashboard).
    pub id: String,
    /// Traffic per group, parallel to [`Report::groups`]. A missing entry counts as zero.
    pub groups: Vec<Traffic>,
    /// Traffic of clients that matched no group.
    pub unmatched: Traffic,
    /// Traffic stored for groups that are no longer defined: rows of group positions beyond
    /// [`Report::groups`], left by a `usagestats reconfigure` without `--reclassify` that
    /// removed groups. Neither a group's nor unmatched traffic; not in the percentages.
    pub removed_groups: Traffic,
    /// Days of the period for which this network has no stored data.
    pub missing_days: Vec<Date>,
    /// Error bound of each group's figures, parallel to [`NetworkReport::groups`]. May be
    /// empty (all zero) or shorter than the group list: a missing entry counts as zero.
    pub bounds: Vec<Traffic>,
    /// Error bound of [`NetworkReport::unmatched`].
    pub unmatched_bound: Traffic,
    /// Error bound of [`NetworkReport::removed_groups`].
    pub removed_groups_bound: Traffic,
}

impl GroupDef {
    /// A group with its name and its definition string.
    pub fn new(name: impl Into<String>, definition: impl Into<String>) -> GroupDef {
        GroupDef {
            name: name.into(),
            definition: definition.into(),
        }
    }
}

impl NetworkReport {
    /// A network with its traffic per group (parallel to [`Report::groups`]); no unmatched
    /// traffic, no missing day, every bound zero until set.
    pub fn new(name: impl Into<String>, groups: Vec<Traffic>) -> NetworkReport {
        NetworkReport {
            name: name.into(),
            groups,
            ..NetworkReport::default()
        }
    }

    /// Traffic of group `index`, zero when the vector is shorter than the group list.
    pub fn group(&self, index: usize) -> Traffic {
        self.groups.get(index).copied().unwrap_or_default()
    }

    /// Sum of the groups' traffic: the base of the table's percentages, as in the original.
    pub fn total(&self) -> Traffic {
        self.groups.iter().copied().sum()
    }

    /// [`NetworkReport::missing_days`] as runs of consecutive days (see [`day_runs`]).
    pub fn missing_runs(&self) -> Vec<DateRange> {
        day_runs(&self.missing_days)
    }

    /// Everything seen on the network: groups, unmatched and groups no longer defined.
    pub fn all_traffic(&self) -> Traffic {
        self.total() + self.unmatched + self.removed_groups
    }

    /// Error bound of group `index`, zero when [`NetworkReport::bounds`] has no entry for it.
    pub fn bound(&self, index: usize) -> Traffic {
        self.bounds.get(index).copied().unwrap_or_default()
    }

    /// Error bound of [`NetworkReport::total`]: the sum of the groups' bounds.
    pub fn total_bound(&self) -> Traffic {
        self.bounds.iter().copied().sum()
    }

    /// Error bound of [`NetworkReport::all_traffic`].
    pub fn all_traffic_bound(&self) -> Traffic {
        self.total_bound() + self.unmatched_bound + self.removed_groups_bound
    }
}

/// One organization and its networks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OrgReport {
    /// Organization name.
    pub name: String,
    /// The Dashboard's organization id, when the caller knows it (empty otherwise); not
    /// rendered, like [`NetworkReport::id`].
    pub id: String,
    /// Its networks, in display order.
    pub networks: Vec<NetworkReport>,
}

impl OrgReport {
    /// An organization with its networks, in display order.
    pub fn new(name: impl Into<String>, networks: Vec<NetworkReport>) -> OrgReport {
        OrgReport {
            name: name.into(),
            id: String::new(),
            networks,
        }
    }

    /// Sum of group traffic over all networks of the organization.
    pub fn total(&self) -> Traffic {
        self.networks.iter().map(NetworkReport::total).sum()
    }

    /// Unmatched traffic over all networks of the organization.
    pub fn unmatched(&self) -> Traffic {
        self.networks.iter().map(|n| n.unmatched).sum()
    }

    /// Traffic of groups no longer defined over all networks of the organization.
    pub fn removed_groups(&self) -> Traffic {
        self.networks.iter().map(|n| n.removed_groups).sum()
    }

    /// Traffic of group `index` summed over the organization's networks.
    pub fn group(&self, index: usize) -> Traffic {
        self.networks.iter().map(|n| n.group(index)).sum()
    }

    /// Error bound of [`OrgReport::total`].
    pub fn total_bound(&self) -> Traffic {
        self.networks.iter().map(NetworkReport::total_bound).sum()
    }

    /// Error bound of [`OrgReport::unmatched`].
    pub fn unmatched_bound(&self) -> Traffic {
        self.networks.iter().map(|n| n.unmatched_bound).sum()
    }

    /// Error bound of [`OrgReport::removed_groups`].
    pub fn removed_groups_bound(&self) -> Traffic {
        self.networks.iter().map(|n| n.removed_groups_bound).sum()
    }

    /// Error bound of [`OrgReport::group`].
    pub fn group_bound(&self, index: usize) -> Traffic {
        self.networks.iter().map(|n| n.bound(index)).sum()
    }
}

/// How many (network, day) pairs of a report's period were read from one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SourceDays {
    /// Where those days were read from.
    pub source: Source,
    /// Network-days read from it.
    pub days: u64,
}

impl SourceDays {
    /// `days` network-days read from `source`.
    pub fn new(source: Source, days: u64) -> SourceDays {
        SourceDays { source, days }
    }
}

/// A complete usage report for a period.
///
/// Built by the caller from storage query results; rendering only reads it. Totals and
/// percentages are derived by methods from the exact [`Kb`] amounts, never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// Optional title shown above the report (e.g. a project name).
    pub title: Option<String>,
    /// The days covered.
    pub period: DateRange,
    /// Group definitions, in classification order.
    pub groups: Vec<GroupDef>,
    /// Organizations, each with its networks.
    pub organizations: Vec<OrgReport>,
    /// When the report was generated.
    pub generated_at: Timestamp,
    /// Per day of the period, per group, traffic summed over all networks (for the trend
    /// chart). Each inner vector is parallel to [`Report::groups`].
    pub daily: Vec<(Date, Vec<Traffic>)>,
    /// The period's stored network-days per source they were read from (see
    /// [`usage_model::Source`]). More than one source with days means the period mixes them
    /// ([`Report::mixes_sources`]); renderers then say so. Empty when unknown.
    pub sources: Vec<SourceDays>,
    /// When the period is a cycle that is not over (the current billing cycle): the whole
    /// cycle, of which [`Report::period`] covers the days so far. `None` for a complete period.
    /// Every format says so (text and HTML: a line under the title; JSON: `incomplete`).
    pub incomplete: Option<DateRange>,
    /// The largest clients of each group over the period, when asked for (`--top N`); shown
    /// by the text, HTML and JSON renderings (CSV has no place for them). `None`: not asked
    /// for, no section.
    pub top_clients: Option<crate::TopClients>,
}

impl Report {
    /// The line text and HTML print under the title of an incomplete period.
    pub fn incomplete_note(&self) -> Option<String> {
        let cycle = self.incomplete?;
        Some(format!(
            "Incomplete period: the cycle {} to {} is not over; this report covers its first {} ({} to {}) of {}.",
            cycle.start,
            cycle.end,
            days_word(self.period.count()),
            self.period.start,
            self.period.end,
            days_word(cycle.count()),
        ))
    }

    /// A report of `period` with its groups and organizations, made at `generated_at`; no
    /// title, no daily trend and no source counts until set.
    pub fn new(
        period: DateRange,
        groups: Vec<GroupDef>,
        organizations: Vec<OrgReport>,
        generated_at: Timestamp,
    ) -> Report {
        Report {
            title: None,
            period,
            groups,
            organizations,
            generated_at,
            daily: Vec::new(),
            sources: Vec::new(),
            incomplete: None,
            top_clients: None,
        }
    }

    /// Sum of group traffic over every network.
    pub fn grand_total(&self) -> Traffic {
        self.organizations.iter().map(OrgReport::total).sum()
    }

    /// Unmatched traffic over every network.
    pub fn unmatched_total(&self) -> Traffic {
        self.organizations.iter().map(OrgReport::unmatched).sum()
    }

    /// Traffic of groups no longer defined over every network.
    pub fn removed_groups_total(&self) -> Traffic {
        self.organizations
            .iter()
            .map(OrgReport::removed_groups)
            .sum()
    }

    /// Everything seen: groups, unmatched and groups no longer defined, over every network.
    pub fn all_traffic(&self) -> Traffic {
        self.grand_total() + self.unmatched_total() + self.removed_groups_total()
    }

    /// Traffic of group `index` over every network.
    pub fn group_total(&self, index: usize) -> Traffic {
        self.organizations.iter().map(|o| o.group(index)).sum()
    }

    /// Error bound of [`Report::grand_total`].
    pub fn grand_total_bound(&self) -> Traffic {
        self.organizations.iter().map(OrgReport::total_bound).sum()
    }

    /// Error bound of [`Report::unmatched_total`].
    pub fn unmatched_total_bound(&self) -> Traffic {
        self.organizations
            .iter()
            .map(OrgReport::unmatched_bound)
            .sum()
    }

    /// Error bound of [`Report::removed_groups_total`].
    pub fn removed_groups_total_bound(&self) -> Traffic {
        self.organizations
            .iter()
            .map(OrgReport::removed_groups_bound)
            .sum()
    }

    /// Error bound of [`Report::group_total`].
    pub fn group_total_bound(&self, index: usize) -> Traffic {
        self.organizations
            .iter()
            .map(|o| o.group_bound(index))
            .sum()
    }

    /// Error bound of [`Report::all_traffic`].
    pub fn all_traffic_bound(&self) -> Traffic {
        self.grand_total_bound() + self.unmatched_total_bound() + self.removed_groups_total_bound()
    }

    /// Whether the period's days were read from more than one source: some per device (a
    /// client seen by several devices counted once per device) and some per network (every
    /// client once), so figures of different days are not alike.
    pub fn mixes_sources(&self) -> bool {
        self.sources.iter().filter(|s| s.days > 0).count() > 1
    }

    /// The sentence text and HTML reports print when [`Report::mixes_sources`].
    pub fn sources_note(&self) -> Option<String> {
        if !self.mixes_sources() {
            return None;
        }
        let days = |source: Source| -> u64 {
            self.sources
                .iter()
                .filter(|s| s.source == source)
                .map(|s| s.days)
                .sum()
        };
        let word = |n: u64| {
            if n == 1 {
                "network-day"
            } else {
                "network-days"
            }
        };
        let (device, network) = (days(Source::Device), days(Source::Network));
        Some(format!(
            "Note: this period mixes sources: {device} {} read per device and {network} {} per \
             network. Per device, a client seen by several devices counts once per device; per \
             network, every client counts once, so the two kinds of days are not alike.",
            word(device),
            word(network),
        ))
    }

    /// Whether any figure has a non-zero error bound (renderers mention bounds only then).
    pub fn has_bounds(&self) -> bool {
        self.organizations
            .iter()
            .flat_map(|o| &o.networks)
            .any(|n| {
                n.bounds.iter().any(|b| *b != Traffic::default())
                    || n.unmatched_bound != Traffic::default()
                    || n.removed_groups_bound != Traffic::default()
            })
    }

    /// Number of (network, day) pairs without data, over every network.
    pub fn missing_day_count(&self) -> usize {
        self.organizations
            .iter()
            .flat_map(|o| &o.networks)
            .map(|n| {
                day_runs(&n.missing_days)
                    .iter()
                    .map(DateRange::count)
                    .sum::<usize>()
            })
            .sum()
    }

    /// Networks with missing days, as `(organization, network, days)`.
    pub fn missing_data(&self) -> impl Iterator<Item = (&str, &str, &[Date])> {
        self.organizations.iter().flat_map(|o| {
            o.networks
                .iter()
                .filter(|n| !n.missing_days.is_empty())
                .map(move |n| (o.name.as_str(), n.name.as_str(), n.missing_days.as_slice()))
        })
    }

    /// Checks that every per-group vector has one entry per group ([`NetworkReport::bounds`]
    /// may also be empty). Renderers tolerate a
    /// mismatch (missing entries count as zero, extra ones are ignored), but a caller building
    /// the report can use this to catch its own bug early.
    pub fn check(&self) -> Result<(), crate::Error> {
        let want = self.groups.len();
        for org in &self.organizations {
            for net in &org.networks {
                if net.groups.len() != want {
                    return Err(crate::Error::GroupCount {
                        place: format!("network {:?} of {:?}", net.name, org.name),
                        got: net.groups.len(),
                        want,
                    });
                }
                if !net.bounds.is_empty() && net.bounds.len() != want {
                    return Err(crate::Error::GroupCount {
                        place: format!("error bounds of network {:?} of {:?}", net.name, org.name),
                        got: net.bounds.len(),
                        want,
                    });
                }
            }
        }
        for (day, v) in &self.daily {
            if v.len() != want {
                return Err(crate::Error::GroupCount {
                    place: format!("daily totals of {day}"),
                    got: v.len(),
                    want,
                });
            }
        }
        Ok(())
    }
}

/// A percentage held exactly as hundredths of a percent (`6123` is 61.23 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Percent(i64);

/// Serialized as a number with two decimals (`61.23`): small enough that `f64` holds it as
/// printed.
impl Serialize for Percent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

impl Percent {
    /// `part / whole` as a percentage rounded half up to two decimals; 0 when `whole` is 0
    /// (as the original did).
    pub fn of(part: Kb, whole: Kb) -> Percent {
        Percent::ratio(i128::from(part.millis()), i128::from(whole.millis()))
    }

    /// `p / w` as [`Percent::of`] does, for amounts in any one unit.
    pub(crate) fn ratio(p: i128, w: i128) -> Percent {
        if w == 0 {
            return Percent(0);
        }
        let scaled = p * 10_000;
        let q = scaled / w;
        let r = scaled % w;
        // Round half away from zero, in integers, so 2/3 prints 66.67 on every machine.
        let q = if 2 * r.abs() >= w.abs() {
            q + (scaled.signum() * w.signum())
        } else {
            q
        };
        Percent(i64::try_from(q).unwrap_or(i64::MAX))
    }

    /// A percentage of `h` hundredths of a percent.
    pub(crate) fn from_hundredths(h: i64) -> Percent {
        Percent(h)
    }

    /// Hundredths of a percent.
    pub fn hundredths(self) -> i64 {
        self.0
    }

    /// The value as a float, for charts.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

/// Prints with two decimals, like the original's `%.2f`.
impl std::fmt::Display for Percent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let s = format!("{sign}{}.{:02}", a / 100, a % 100);
        f.pad(&s)
    }
}

/// A group's up, down and total shares of a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Shares {
    /// Share of upload.
    pub up: Percent,
    /// Share of download.
    pub down: Percent,
    /// Share of up plus down.
    pub total: Percent,
}

impl Shares {
    /// Shares of `part` in `whole`, direction by direction, each rounded on its own. (The
    /// renderings round the shares of a table together, so that they add up to 100.00.)
    pub fn of(part: Traffic, whole: Traffic) -> Shares {
        Shares {
            up: Percent::of(part.up, whole.up),
            down: Percent::of(part.down, whole.down),
            total: Percent::of(part.total(), whole.total()),
        }
    }
}

/// Formats an amount with a human unit (kB, MB, GB, TB; powers of 1000 like the API's kB),
/// two decimals above kB.
pub fn human_kb(kb: Kb) -> String {
    human_millis(i128::from(kb.millis()))
}

/// [`human_kb`] of a whole number of kB as shown in a table (so the unit column agrees with
/// the kB column beside it).
pub(crate) fn human_whole_kb(kb: i128) -> String {
    human_millis(kb.saturating_mul(1000))
}

/// The one formatter behind [`human_kb`]: `m` thousandths of a kB.
fn human_millis(m: i128) -> String {
    let units = ["kB", "MB", "GB", "TB", "PB"];
    let mut unit = 0usize;
    // Divisor in millis for the chosen unit.
    let mut div: i128 = 1000;
    while unit + 1 < units.len() && m.abs() >= div * 1000 {
        div *= 1000;
        unit += 1;
    }
    // Whole kB, or hundredths of the larger unit, rounded half away from zero.
    let scale = if unit == 0 { 1 } else { 100 };
    let h = (m * scale + m.signum() * div / 2) / div;
    let sign = if h < 0 { "-" } else { "" };
    let a = h.unsigned_abs();
    if unit == 0 {
        format!("{sign}{a} kB")
    } else {
        format!("{sign}{}.{:02} {}", a / 100, a % 100, units[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_exactly() {
        assert_eq!(
            Percent::of(Kb::from_kb(2), Kb::from_kb(3)).to_string(),
            "66.67"
        );
        assert_eq!(
            Percent::of(Kb::from_kb(1), Kb::from_kb(3)).to_string(),
            "33.33"
        );
        assert_eq!(
            Percent::of(Kb::from_kb(1), Kb::from_kb(8)).to_string(),
            "12.50"
        );
        assert_eq!(Percent::of(Kb::from_kb(5), Kb::ZERO).to_string(), "0.00");
        assert_eq!(
            Percent::of(Kb::from_kb(3), Kb::from_kb(3)).to_string(),
            "100.00"
        );
        assert_eq!(
            format!("{:>10}", Percent::of(Kb::from_kb(1), Kb::from_kb(2))),
            "     50.00"
        );
    }

    #[test]
    fn human_units() {
        assert_eq!(human_kb(Kb::from_kb(999)), "999 kB");
        assert_eq!(human_kb(Kb::from_kb(1_000)), "1.00 MB");
        assert_eq!(human_kb(Kb::from_kb(1_234_567)), "1.23 GB");
        assert_eq!(human_kb(Kb::from_kb(1_235_000)), "1.24 GB");
        assert_eq!(human_kb(Kb::from_kb(5_000_000_000_000)), "5.00 PB");
        assert_eq!(human_kb(Kb::from_millis(1_500)), "2 kB");
        assert_eq!(human_kb(Kb::from_millis(-1_500)), "-2 kB");
        assert_eq!(human_kb(Kb::from_millis(-1_234_567_000)), "-1.23 GB");
        assert_eq!(human_whole_kb(1_234_567), "1.23 GB");
        assert_eq!(human_whole_kb(12), "12 kB");
    }

    #[test]
    fn day_runs_cross_month_and_year_ends_and_leap_days() {
        use jiff::civil::date;
        let run = |a: Date, b: Date| DateRange { start: a, end: b };
        // Leap year: Feb 28 → 29 → Mar 1 is one run.
        let leap = [date(2024, 3, 1), date(2024, 2, 28), date(2024, 2, 29)];
        assert_eq!(day_runs(&leap), [run(date(2024, 2, 28), date(2024, 3, 1))]);
        // Common year: Feb 28 → Mar 1 is consecutive; 2100 is not a leap year, 2000 is.
        for y in [2023, 2100] {
            assert_eq!(
                day_runs(&[date(y, 2, 28), date(y, 3, 1)]),
                [run(date(y, 2, 28), date(y, 3, 1))]
            );
        }
        assert_eq!(
            day_runs(&[date(2000, 2, 28), date(2000, 3, 1)]),
            [
                run(date(2000, 2, 28), date(2000, 2, 28)),
                run(date(2000, 3, 1), date(2000, 3, 1))
            ]
        );
        // 30- and 31-day months, the year end, duplicates, unsorted input.
        let days = [
            date(2026, 5, 1),
            date(2026, 12, 31),
            date(2026, 4, 30),
            date(2027, 1, 1),
            date(2026, 5, 1),
            date(2026, 5, 31),
            date(2026, 6, 2),
        ];
        assert_eq!(
            day_runs(&days),
            [
                run(date(2026, 4, 30), date(2026, 5, 1)),
                run(date(2026, 5, 31), date(2026, 5, 31)),
                run(date(2026, 6, 2), date(2026, 6, 2)),
                run(date(2026, 12, 31), date(2027, 1, 1)),
            ]
        );
        assert_eq!(day_runs(&[]), []);
        // A whole October is one run of 31 days.
        let october: Vec<Date> = (1..=31).map(|d| date(2026, 10, d)).collect();
        let runs = day_runs(&october);
        assert_eq!(runs, [run(date(2026, 10, 1), date(2026, 10, 31))]);
        assert_eq!(runs[0].len_days(), 31);
    }

    #[test]
    fn missing_days_are_described_as_capped_runs() {
        use jiff::civil::date;
        let october: Vec<Date> = (1..=31).map(|d| date(2026, 10, d)).collect();
        assert_eq!(
            describe_missing(&october),
            "31 days: 2026-10-01…2026-10-31 (31 days)"
        );
        assert_eq!(describe_missing(&[date(2026, 2, 3)]), "1 day: 2026-02-03");
        // Every other day of a leap February: 15 single days, 5 shown.
        let feb: Vec<Date> = (1..=29).step_by(2).map(|d| date(2028, 2, d)).collect();
        assert_eq!(
            describe_missing(&feb),
            "15 days: 2028-02-01, 2028-02-03, 2028-02-05, 2028-02-07, 2028-02-09, \
             and 10 more ranges (10 days)"
        );
        let mut six = feb[..5].to_vec();
        six.extend([date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1)]);
        assert!(describe_missing(&six).ends_with(", and 1 more range (3 days)"));
    }

    #[test]
    fn range_orders_and_counts() {
        let a = jiff::civil::date(2026, 11, 22);
        let b = jiff::civil::date(2026, 11, 16);
        let r = DateRange::new(a, b);
        assert_eq!(r.start, b);
        assert_eq!(r.len_days(), 7);
    }

    #[test]
    fn bounds_add_up_like_the_figures_and_default_to_zero() {
        let t = |up: i64, down: i64| Traffic {
            up: Kb::from_millis(up),
            down: Kb::from_millis(down),
        };
        let net = |bounds: Vec<Traffic>, unmatched_bound: Traffic| NetworkReport {
            groups: vec![t(1, 1); 2],
            bounds,
            unmatched_bound,
            ..Default::default()
        };
        let mut r = crate::sample_report();
        r.groups.truncate(2);
        r.organizations = vec![
            OrgReport {
                name: "a".into(),
                id: String::new(),
                networks: vec![net(vec![t(10, 20), t(1, 2)], t(5, 0)), net(vec![], t(0, 0))],
            },
            OrgReport {
                name: "b".into(),
                id: String::new(),
                networks: vec![net(vec![t(100, 0)], t(0, 7))],
            },
        ];
        r.daily.clear();
        assert!(r.has_bounds());
        let a = &r.organizations[0];
        assert_eq!(a.networks[0].bound(1), t(1, 2));
        assert_eq!(a.networks[1].bound(1), Traffic::default(), "empty = zero");
        assert_eq!(a.networks[0].total_bound(), t(11, 22));
        assert_eq!(a.networks[0].all_traffic_bound(), t(16, 22));
        assert_eq!(a.total_bound(), t(11, 22));
        assert_eq!(a.group_bound(0), t(10, 20));
        assert_eq!(r.grand_total_bound(), t(111, 22));
        assert_eq!(r.group_total_bound(0), t(110, 20));
        assert_eq!(
            r.group_total_bound(1),
            t(1, 2),
            "a short vector counts as zero"
        );
        assert_eq!(r.unmatched_total_bound(), t(5, 7));
        assert_eq!(r.all_traffic_bound(), t(116, 29));
        // A short (non-empty) vector is the caller's bug; an empty one means all zero.
        assert!(matches!(
            r.check(),
            Err(crate::Error::GroupCount {
                got: 1,
                want: 2,
                ..
            })
        ));
        r.organizations[1].networks[0].bounds.clear();
        assert!(r.check().is_ok());
        for o in &mut r.organizations {
            for n in &mut o.networks {
                n.bounds.clear();
                n.unmatched_bound = Traffic::default();
            }
        }
        assert!(!r.has_bounds());
        r.organizations[0].networks[1].removed_groups_bound = t(0, 1);
        assert!(r.has_bounds());
    }

    #[test]
    fn totals_tolerate_short_group_vectors() {
        let net = NetworkReport {
            name: "n".into(),
            groups: vec![Traffic {
                up: Kb::from_kb(1),
                down: Kb::from_kb(2),
            }],
            ..Default::default()
        };
        assert_eq!(net.group(5), Traffic::default());
        assert_eq!(net.total().total(), Kb::from_kb(3));
    }
}
