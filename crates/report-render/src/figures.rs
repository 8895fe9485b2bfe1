//! Figures as people read them: whole kB that add up, thousands separators, human units.
//!
//! The text and HTML renderings take every rounded number from here, so both show the same
//! figure for the same cell. JSON and CSV do not round: they carry the exact decimals.
//!
//! Rounding rules:
//!
//! * A row shows up and down in whole kB and **total = up + down** as shown, never a separately
//!   rounded total (which could differ by 1 from the sum of the two figures beside it).
//! * Rows that are parts of a whole (the groups of a network, the organizations of the report,
//!   the networks' unmatched traffic) are rounded together by the largest-remainder method:
//!   each part shows its exact value rounded down or up, and the parts of each column add up to
//!   the whole rounded half away from zero. So a column of group rows adds up to its network's
//!   total row (HTML) and the organization rows add up to the "All organizations" row.

use usage_model::{Kb, Traffic};

use crate::model::{Report, human_whole_kb};

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

/// A row on its own (no whole to add up to): up and down rounded, total their sum.
pub(crate) fn shown(t: Traffic) -> Shown {
    Shown {
        up: round_kb(t.up),
        down: round_kb(t.down),
    }
}

/// Largest-remainder rounding of one column: every part becomes its value rounded down or up,
/// and the parts add up to the exact sum rounded half away from zero. Among parts with equal
/// remainders the larger amount, then the earlier part, is rounded up.
fn apportion_column(parts: &[Kb]) -> Vec<i128> {
    let millis: Vec<i128> = parts.iter().map(|k| i128::from(k.millis())).collect();
    let target = round_millis(millis.iter().sum());
    let mut shown: Vec<i128> = millis.iter().map(|m| m.div_euclid(1000)).collect();
    let floors: i128 = shown.iter().sum();
    // The fractions sum to S in [0, 1000·m) for m parts with a fraction, so the rounded
    // whole exceeds the floors by 0..=m units; clamped anyway, so a bug cannot index out of
    // bounds.
    let extra = usize::try_from((target - floors).max(0))
        .unwrap_or(usize::MAX)
        .min(parts.len());
    let mut order: Vec<usize> = (0..parts.len()).collect();
    let rem = |i: usize| millis[i].rem_euclid(1000);
    order.sort_by(|&a, &b| {
        rem(b)
            .cmp(&rem(a))
            .then(millis[b].cmp(&millis[a]))
            .then(a.cmp(&b))
    });
    for &i in order.iter().take(extra) {
        if rem(i) != 0 {
            shown[i] += 1;
        }
    }
    shown
}

/// Rounds `parts` so that each column adds up: returns the parts' rows and the whole's row,
/// which is their column sums (the exact whole rounded half away from zero).
pub(crate) fn apportion(parts: &[Traffic]) -> (Vec<Shown>, Shown) {
    let ups = apportion_column(&parts.iter().map(|t| t.up).collect::<Vec<_>>());
    let downs = apportion_column(&parts.iter().map(|t| t.down).collect::<Vec<_>>());
    let rows: Vec<Shown> = ups
        .into_iter()
        .zip(downs)
        .map(|(up, down)| Shown { up, down })
        .collect();
    let whole = Shown {
        up: rows.iter().map(|r| r.up).sum(),
        down: rows.iter().map(|r| r.down).sum(),
    };
    (rows, whole)
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

    #[test]
    fn parts_add_up_to_the_rounded_whole() {
        // Three thirds of 1 kB: each rounds to 0 alone, but the whole shows 1.
        let (rows, whole) = apportion(&[t(333, 0), t(333, 0), t(334, 0)]);
        assert_eq!(whole.up, 1);
        assert_eq!(rows.iter().map(|r| r.up).sum::<i128>(), 1);
        assert_eq!(rows[2].up, 1, "the largest remainder gets the unit");
        // Two halves: the whole is 1 kB, not 2.
        let (rows, whole) = apportion(&[t(500, 500), t(500, 500)]);
        assert_eq!((whole.up, whole.down, whole.total()), (1, 1, 2));
        assert_eq!(rows[0], Shown { up: 1, down: 1 }, "ties go to the first");
        assert_eq!(rows[1], Shown { up: 0, down: 0 });
        // Equal remainders: the larger amount is rounded up.
        let (rows, _) = apportion(&[t(1_500, 0), t(1_000_500, 0), t(0, 0)]);
        assert_eq!(rows.iter().map(|r| r.up).collect::<Vec<_>>(), [1, 1_001, 0]);
        // Exact parts stay exact; an empty list is a zero whole.
        let (rows, whole) = apportion(&[t(2_000, 7_000), t(0, 0)]);
        assert_eq!(rows, [Shown { up: 2, down: 7 }, Shown::default()]);
        assert_eq!(whole, Shown { up: 2, down: 7 });
        assert_eq!(apportion(&[]), (vec![], Shown::default()));
    }

    #[test]
    fn apportioned_parts_stay_within_one_of_their_exact_value() {
        // A deterministic spread of awkward values, negatives included (imported history may
        // hold them), checked against the two properties the renderers rely on.
        let mut x: i64 = 12_345;
        for n in 1..40usize {
            let parts: Vec<Traffic> = (0..n)
                .map(|_| {
                    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
                    let v = x % 5_000 - if n % 7 == 0 { 2_000 } else { 0 };
                    t(v, x % 997)
                })
                .collect();
            let (rows, whole) = apportion(&parts);
            let exact: Traffic = parts.iter().copied().sum();
            assert_eq!(whole.up, round_kb(exact.up), "{parts:?}");
            assert_eq!(whole.down, round_kb(exact.down), "{parts:?}");
            for (r, p) in rows.iter().zip(&parts) {
                for (s, e) in [(r.up, p.up), (r.down, p.down)] {
                    let m = i128::from(e.millis());
                    assert!(s * 1000 <= m + 999 && s * 1000 >= m - 999, "{s} vs {e}");
                    assert!(s == m.div_euclid(1000) || s == m.div_euclid(1000) + 1);
                }
            }
        }
    }

    #[test]
    fn huge_sums_do_not_overflow() {
        let big = t(i64::MAX - 1, i64::MAX - 1);
        let (_, whole) = apportion(&[big, big, big]);
        // An `i64` sum would saturate; the exact sum is rounded once.
        assert_eq!(whole.up, round_millis(3 * i128::from(i64::MAX - 1)));
        assert_eq!(whole.up, 27_670_116_110_564_327);
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
