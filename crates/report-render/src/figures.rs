//! Figures as people read them: whole kB that add up, thousands separators, human units,
//! percentages that add up to 100.00.
//!
//! The text and HTML renderings take every rounded number from here, so both show the same
//! figure for the same cell. JSON and CSV do not round kB: they carry the exact decimals.
//!
//! Rounding rule (one for every table):
//!
//! * Each **leaf** figure — one network's up or down traffic of one group, of its unmatched
//!   clients or of groups no longer defined — is rounded once, half away from zero, to whole kB
//!   ([`shown`]).
//! * **Every total is the sum of the shown leaves it covers** ([`Rounded`]): a row's total is its
//!   up plus its down, a network's total the sum of its group rows, an organization's the sum
//!   of its networks', a group's estate-wide total the sum of that group's network rows, the
//!   grand total the sum of all of them. So a total of one non-zero part shows that part, and
//!   the same figure is never rounded two ways. A total may differ from its exact value rounded
//!   alone by up to half a kB per leaf it sums (the exact value is in JSON and CSV).
//! * **Percentages** are the shares of the figures shown beside them (whole kB in text and
//!   HTML, exact kB in CSV and JSON), in hundredths of a percent, rounded by largest remainder
//!   so that the parts of each column add up to exactly 100.00 ([`shares`]); each differs from
//!   the exact share by less than 0.01. A whole that shows 0 has 0.00 everywhere.

use usage_model::{Kb, Traffic};

use crate::model::{Percent, Report, Shares, human_whole_kb};

/// One row's whole-kB figures as shown; the total is their sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Shown {
    /// Upload, whole kB.
    pub up: i128,
    /// Download, whole kB.
    pub down: i128,
}

impl Shown {
    /// The row's total as shown: exactly up + down.
    pub fn total(self) -> i128 {
        self.up + self.down
    }
}

/// Thousandths rounded half away from zero to whole units of 1000.
fn round_millis(m: i128) -> i128 {
    let q = m / 1000;
    let r = m % 1000;
    if r >= 500 {
        q + 1
    } else if r <= -500 {
        q - 1
    } else {
        q
    }
}

/// `kb` rounded half away from zero to whole kB (as [`Kb::round_kb`], without its `i64` limit
/// on sums).
fn round_kb(kb: Kb) -> i128 {
    round_millis(i128::from(kb.millis()))
}

/// `kb` rounded up (towards +∞) to whole kB: for bounds, which must never read smaller than
/// they are.
pub(crate) fn ceil_kb(kb: Kb) -> i128 {
    i128::from(kb.millis()).div_euclid(1000) + i128::from(kb.millis().rem_euclid(1000) != 0)
}

/// A bound on its own: up and down rounded up (a bound never reads smaller than it is), the
/// total their sum (a valid bound of the total too).
pub(crate) fn shown_bound(t: Traffic) -> Shown {
    Shown {
        up: ceil_kb(t.up),
        down: ceil_kb(t.down),
    }
}

/// Whole kB for a sentence: `12 kB`, or with a human unit from 1 MB on: `1,234 kB (1.23 MB)`.
pub(crate) fn kb_phrase(kb: i128) -> String {
    if kb.abs() < 1000 {
        format!("{kb} kB")
    } else {
        format!("{} kB ({})", grouped_int(kb), human_whole_kb(kb))
    }
}

/// How many networks the error-bound note lists before "and N more".
const BOUND_NETWORKS_SHOWN: usize = 5;

/// The error-bound footnote of text and HTML: a sentence and one line per network with the
/// largest bounds; `None` when every bound is zero (the usual case: nothing is said).
pub(crate) fn bound_note(report: &Report) -> Option<(String, Vec<String>)> {
    if !report.has_bounds() {
        return None;
    }
    let all = shown_bound(report.all_traffic_bound());
    let head = format!(
        "Error bound: figures may be off by at most {} in all (up {}, down {}): traffic that \
         flowed between the two API reads that make up a day may be counted on the wrong day. \
         Largest per network:",
        kb_phrase(all.total()),
        kb_phrase(all.up),
        kb_phrase(all.down)
    );
    let mut nets: Vec<(i128, String)> = report
        .organizations
        .iter()
        .flat_map(|o| {
            o.networks.iter().map(move |n| {
                (
                    shown_bound(n.all_traffic_bound()).total(),
                    format!("\"{}\" / \"{}\"", o.name, n.name),
                )
            })
        })
        .filter(|(b, _)| *b != 0)
        .collect();
    // Largest first; equal bounds in report order (the sort is stable).
    nets.sort_by_key(|(b, _)| std::cmp::Reverse(*b));
    let mut lines: Vec<String> = nets
        .iter()
        .take(BOUND_NETWORKS_SHOWN)
        .map(|(b, name)| format!("{name}: at most {}", kb_phrase(*b)))
        .collect();
    if let Some((next, _)) = nets.get(BOUND_NETWORKS_SHOWN) {
        let more = nets.len() - BOUND_NETWORKS_SHOWN;
        lines.push(format!(
            "and {more} more network{} (at most {} each)",
            if more == 1 { "" } else { "s" },
            kb_phrase(*next)
        ));
    }
    Some((head, lines))
}

/// A leaf figure as shown: up and down each rounded half away from zero, total their sum.
pub(crate) fn shown(t: Traffic) -> Shown {
    Shown {
        up: round_kb(t.up),
        down: round_kb(t.down),
    }
}

impl std::ops::Add for Shown {
    type Output = Shown;
    fn add(self, o: Shown) -> Shown {
        Shown {
            up: self.up + o.up,
            down: self.down + o.down,
        }
    }
}

impl std::iter::Sum for Shown {
    fn sum<I: Iterator<Item = Shown>>(iter: I) -> Shown {
        iter.fold(Shown::default(), |a, b| a + b)
    }
}

/// One network's figures as shown: its leaves and their total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NetworkShown {
    /// Per group, parallel to [`Report::groups`].
    pub groups: Vec<Shown>,
    /// The sum of [`NetworkShown::groups`].
    pub total: Shown,
    /// Clients in no group.
    pub unmatched: Shown,
    /// Groups no longer defined.
    pub removed: Shown,
}

/// Every whole-kB figure text and HTML show for one report: the leaves rounded once, every
/// total summed from them (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rounded {
    /// `[org][network]`.
    pub networks: Vec<Vec<NetworkShown>>,
    /// Per organization: the sum of its networks' totals.
    pub orgs: Vec<Shown>,
    /// Per group over every network: the sum of that group's network rows.
    pub groups: Vec<Shown>,
    /// The sum of the organizations (and of the groups).
    pub grand: Shown,
    /// Unmatched traffic over every network: the sum of the networks' rows.
    pub unmatched: Shown,
    /// Traffic of groups no longer defined over every network.
    pub removed: Shown,
}

impl Rounded {
    pub(crate) fn of(r: &Report) -> Rounded {
        let n = r.groups.len();
        let networks: Vec<Vec<NetworkShown>> = r
            .organizations
            .iter()
            .map(|o| {
                o.networks
                    .iter()
                    .map(|net| {
                        let groups: Vec<Shown> = (0..n).map(|i| shown(net.group(i))).collect();
                        NetworkShown {
                            total: groups.iter().copied().sum(),
                            groups,
                            unmatched: shown(net.unmatched),
                            removed: shown(net.removed_groups),
                        }
                    })
                    .collect()
            })
            .collect();
        let all: Vec<&NetworkShown> = networks.iter().flatten().collect();
        let groups = (0..n)
            .map(|i| all.iter().map(|s| s.groups[i]).sum())
            .collect();
        let unmatched = all.iter().map(|s| s.unmatched).sum();
        let removed = all.iter().map(|s| s.removed).sum();
        let orgs: Vec<Shown> = networks
            .iter()
            .map(|nets| nets.iter().map(|s| s.total).sum())
            .collect();
        Rounded {
            grand: orgs.iter().copied().sum(),
            networks,
            orgs,
            groups,
            unmatched,
            removed,
        }
    }

    /// Everything shown as seen: groups, unmatched and groups no longer defined.
    pub(crate) fn seen(&self) -> Shown {
        self.grand + self.unmatched + self.removed
    }
}

/// Shares of each part in the parts' sum, one column at a time, in hundredths of a percent:
/// largest remainder, so a column adds up to exactly 100.00 (all 0.00 when its sum is 0).
/// Among equal remainders the larger part, then the earlier one, gets the hundredth.
fn apportion_percent(parts: &[i128]) -> Vec<Percent> {
    let whole: i128 = parts.iter().sum();
    if whole == 0 {
        return vec![Percent::default(); parts.len()];
    }
    // Shares do not change when every amount changes sign; a positive whole keeps the
    // Euclidean division below a floor.
    let sign = whole.signum();
    let (whole, scaled): (i128, Vec<i128>) = (
        whole * sign,
        parts.iter().map(|p| p * sign * 10_000).collect(),
    );
    let mut hundredths: Vec<i128> = scaled.iter().map(|s| s.div_euclid(whole)).collect();
    let rem = |i: usize| scaled[i].rem_euclid(whole);
    // The remainders add up to a multiple of the whole: that many hundredths are missing.
    let missing = usize::try_from(10_000 - hundredths.iter().sum::<i128>())
        .unwrap_or(0)
        .min(parts.len());
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        rem(b)
            .cmp(&rem(a))
            .then(scaled[b].cmp(&scaled[a]))
            .then(a.cmp(&b))
    });
    for &i in order.iter().take(missing) {
        hundredths[i] += 1;
    }
    hundredths
        .into_iter()
        .map(|h| Percent::from_hundredths(i64::try_from(h).unwrap_or(i64::MAX)))
        .collect()
}

/// The shares of rows in their sum, column by column (see [`apportion_percent`]): `up`,
/// `down` and `total` each add up to 100.00.
fn shares_of(ups: Vec<i128>, downs: Vec<i128>) -> Vec<Shares> {
    let totals: Vec<i128> = ups.iter().zip(&downs).map(|(u, d)| u + d).collect();
    apportion_percent(&ups)
        .into_iter()
        .zip(apportion_percent(&downs))
        .zip(apportion_percent(&totals))
        .map(|((up, down), total)| Shares { up, down, total })
        .collect()
}

/// The percentages of shown rows in their shown sum (text and HTML).
pub(crate) fn shares(parts: &[Shown]) -> Vec<Shares> {
    shares_of(
        parts.iter().map(|s| s.up).collect(),
        parts.iter().map(|s| s.down).collect(),
    )
}

/// The percentages of exact rows in their exact sum (CSV and JSON).
pub(crate) fn exact_shares(parts: &[Traffic]) -> Vec<Shares> {
    let millis = |k: Kb| i128::from(k.millis());
    shares_of(
        parts.iter().map(|t| millis(t.up)).collect(),
        parts.iter().map(|t| millis(t.down)).collect(),
    )
}

/// The shares a whole row shows of itself: 100.00 in each column, 0.00 where it is 0.
pub(crate) fn whole_shares(whole: Shown) -> Shares {
    let p = |v: i128| Percent::from_hundredths(if v == 0 { 0 } else { 10_000 });
    Shares {
        up: p(whole.up),
        down: p(whole.down),
        total: p(whole.total()),
    }
}

/// An integer with `,` between groups of three digits (`1,234,567`).
pub(crate) fn grouped_int(v: i128) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb(millis: i64) -> Kb {
        Kb::from_millis(millis)
    }

    fn t(up: i64, down: i64) -> Traffic {
        Traffic {
            up: kb(up),
            down: kb(down),
        }
    }

    #[test]
    fn a_row_total_is_the_sum_of_its_shown_parts() {
        // up 0.5 and down 0.5: each rounds to 1, the exact total 1 would print 1 ≠ 1 + 1.
        let s = shown(t(500, 500));
        assert_eq!((s.up, s.down, s.total()), (1, 1, 2));
        let s = shown(t(1_500, 2_499));
        assert_eq!((s.up, s.down, s.total()), (2, 2, 4));
        let s = shown(t(-500, 400));
        assert_eq!((s.up, s.down, s.total()), (-1, 0, -1));
    }

    fn hundredths(p: &[Percent]) -> Vec<i64> {
        p.iter().map(|p| p.hundredths()).collect()
    }

    #[test]
    fn every_total_is_the_sum_of_the_shown_leaves() {
        use crate::model::{GroupDef, NetworkReport, OrgReport};
        // Group 1 has traffic in network A only: its estate-wide total is that one figure.
        let a = NetworkReport::new("A", vec![t(100_400, 0), t(232_748_500, 0)]);
        let b = NetworkReport::new("B", vec![t(50_400, 0), t(0, 0)]);
        let mut c = NetworkReport::new("C", vec![t(400, 499), t(0, 1_500)]);
        c.unmatched = t(1_500, 0);
        c.removed_groups = t(0, 2_500);
        let mut r = crate::sample_report();
        r.groups = vec![GroupDef::new("g0", "vid:1"), GroupDef::new("g1", "vid:2")];
        r.organizations = vec![
            OrgReport::new("o", vec![a, b]),
            OrgReport::new("p", vec![c]),
        ];
        let f = Rounded::of(&r);
        let s = |up, down| Shown { up, down };
        assert_eq!(f.networks[0][0].groups, [s(100, 0), s(232_749, 0)]);
        assert_eq!(f.networks[0][0].total, s(232_849, 0));
        assert_eq!(f.networks[1][0].groups, [s(0, 0), s(0, 2)]);
        assert_eq!(f.networks[1][0].unmatched, s(2, 0));
        assert_eq!(f.networks[1][0].removed, s(0, 3));
        // 100 + 50 + 0 as shown, where the exact 151.2 rounded alone would be 151.
        assert_eq!(f.groups, [s(150, 0), s(232_749, 2)]);
        assert_eq!(f.orgs, [s(232_899, 0), s(0, 2)]);
        assert_eq!(f.grand, s(232_899, 2));
        assert_eq!((f.unmatched, f.removed), (s(2, 0), s(0, 3)));
        assert_eq!(f.seen(), s(232_901, 5));
    }

    #[test]
    fn percentages_of_a_column_add_up_to_100() {
        // Three thirds: 33.33 each alone (99.99); the largest remainder, then the earlier
        // part among equals, gets the missing hundredth.
        assert_eq!(
            hundredths(&apportion_percent(&[1, 1, 1])),
            [3334, 3333, 3333]
        );
        assert_eq!(
            hundredths(&apportion_percent(&[1, 2, 3])),
            [1667, 3333, 5000]
        );
        // Sixths: 16.67 each alone (100.02 in all).
        assert_eq!(
            hundredths(&apportion_percent(&[1; 6])),
            [1667, 1667, 1667, 1667, 1666, 1666]
        );
        // One non-zero part is 100.00, zeros stay 0.00, a zero whole gives 0.00.
        assert_eq!(hundredths(&apportion_percent(&[0, 7, 0])), [0, 10_000, 0]);
        assert_eq!(hundredths(&apportion_percent(&[0, 0])), [0, 0]);
        assert_eq!(hundredths(&apportion_percent(&[])), Vec::<i64>::new());
        // Negative amounts (imported history may hold them) still add up.
        assert_eq!(hundredths(&apportion_percent(&[-1, 3])), [-5000, 15_000]);
        assert_eq!(hundredths(&apportion_percent(&[-1, -2])), [3333, 6667]);
        // A deterministic spread of awkward columns: each sums to 100.00 and every share is
        // within a hundredth of the exact one.
        let mut x: i64 = 12_345;
        for n in 1..40usize {
            let parts: Vec<i128> = (0..n)
                .map(|_| {
                    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
                    i128::from(x % 5_000)
                })
                .collect();
            let whole: i128 = parts.iter().sum();
            let p = apportion_percent(&parts);
            let sum: i64 = p.iter().map(|p| p.hundredths()).sum();
            assert_eq!(sum, if whole == 0 { 0 } else { 10_000 }, "{parts:?}");
            for (h, part) in p.iter().zip(&parts) {
                if whole != 0 {
                    let exact = part * 10_000;
                    let h = i128::from(h.hundredths()) * whole;
                    assert!((h - exact).abs() < whole, "{part} of {whole}: {h}");
                }
            }
        }
    }

    #[test]
    fn shares_follow_the_shown_figures() {
        // 0.4 kB shows 0: it is 0.00 % of what is shown, although 40 % of the exact whole.
        let rows = [shown(t(400, 0)), shown(t(600, 0))];
        let s = shares(&rows);
        assert_eq!((s[0].up.hundredths(), s[1].up.hundredths()), (0, 10_000));
        let e = exact_shares(&[t(400, 0), t(600, 0)]);
        assert_eq!((e[0].up.hundredths(), e[1].up.hundredths()), (4000, 6000));
        // Totals are apportioned on their own column.
        let s = shares(&[Shown { up: 1, down: 0 }, Shown { up: 0, down: 2 }]);
        assert_eq!(
            s.iter().map(|s| s.total.hundredths()).collect::<Vec<_>>(),
            [3333, 6667]
        );
        assert_eq!(
            whole_shares(Shown { up: 3, down: 0 }).down,
            Percent::default()
        );
        assert_eq!(
            whole_shares(Shown { up: 3, down: 0 }).total.hundredths(),
            10_000
        );
    }

    #[test]
    fn huge_sums_do_not_overflow() {
        use crate::model::{GroupDef, NetworkReport, OrgReport};
        let big = t(i64::MAX - 1, i64::MAX - 1);
        let mut r = crate::sample_report();
        r.groups = vec![GroupDef::new("g", "vid:1")];
        let net = NetworkReport::new("n", vec![big]);
        r.organizations = vec![OrgReport::new("o", vec![net.clone(), net.clone(), net])];
        // An `i64` sum would saturate; the leaves are summed in `i128`.
        let f = Rounded::of(&r);
        assert_eq!(f.grand.up, 3 * round_millis(i128::from(i64::MAX - 1)));
        // Three leaves of 9,223,372,036,854,775.806 kB each show …776: the total shows their
        // sum, …328, where the exact 27,670,116,110,564,327.418 rounded alone is …327.
        assert_eq!(f.grand.up, 27_670_116_110_564_328);
        let s = shares(&f.networks[0].iter().map(|n| n.total).collect::<Vec<_>>());
        assert_eq!(hundredths(&[s[0].up, s[1].up, s[2].up]), [3334, 3333, 3333]);
    }

    #[test]
    fn bounds_round_up() {
        assert_eq!(ceil_kb(kb(1)), 1);
        assert_eq!(ceil_kb(kb(1_000)), 1);
        assert_eq!(ceil_kb(kb(1_001)), 2);
        assert_eq!(ceil_kb(kb(0)), 0);
        assert_eq!(ceil_kb(kb(-1_500)), -1);
        let b = shown_bound(t(1, 2_500));
        assert_eq!((b.up, b.down, b.total()), (1, 3, 4));
        assert_eq!(kb_phrase(999), "999 kB");
        assert_eq!(kb_phrase(1_234_567), "1,234,567 kB (1.23 GB)");
    }

    #[test]
    fn the_bound_note_is_said_only_when_a_bound_is_not_zero() {
        let mut r = crate::sample_report();
        assert_eq!(bound_note(&r), None);
        let nets: Vec<(usize, usize)> = r
            .organizations
            .iter()
            .enumerate()
            .flat_map(|(o, org)| (0..org.networks.len()).map(move |n| (o, n)))
            .collect();
        // Six networks would be listed; five are, largest first, then "1 more".
        let mut depot = r.organizations[0].networks[0].clone();
        depot.name = "Depot".into();
        r.organizations[0].networks.push(depot);
        let mut nets = nets;
        nets.push((0, 3));
        for (i, (o, n)) in nets.iter().enumerate() {
            let net = &mut r.organizations[*o].networks[*n];
            net.bounds = vec![t(0, 0), t(i as i64 * 1_000 + 1, 0)];
        }
        r.organizations[2].networks[0].unmatched_bound = t(0, 10_000_000);
        let (head, lines) = bound_note(&r).expect("a note");
        // Network i: up i·1000 + 1 thousandths (i + 1 kB rounded up); "Head office" also
        // 10,000 kB down of unmatched. In all: up 15,006 thousandths → 16 kB, down 10,000 kB.
        assert!(
            head.starts_with(
                "Error bound: figures may be off by at most 10,016 kB (10.02 MB) in all (up 16 kB, down 10,000 kB (10.00 MB)):"
            ),
            "{head}"
        );
        assert_eq!(
            lines,
            [
                "\"Ōsaka Trading K.K.\" / \"Head office\": at most 10,005 kB (10.01 MB)",
                "\"Example Corp\" / \"Depot\": at most 6 kB",
                "\"Müller & Söhne GmbH\" / \"Werk Stuttgart\": at most 4 kB",
                "\"Example Corp\" / \"Branch Lyon\": at most 3 kB",
                "\"Example Corp\" / \"Branch Zürich\": at most 2 kB",
                "and 1 more network (at most 1 kB each)",
            ]
        );
    }

    #[test]
    fn grouping() {
        assert_eq!(grouped_int(0), "0");
        assert_eq!(grouped_int(999), "999");
        assert_eq!(grouped_int(1_000), "1,000");
        assert_eq!(grouped_int(-1_234_567), "-1,234,567");
        assert_eq!(grouped_int(9_000_000_000_000_001), "9,000,000,000,000,001");
    }
}
