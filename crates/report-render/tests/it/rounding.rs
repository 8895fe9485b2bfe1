//! Shown totals equal the sums of their shown parts, in every format and every table: the
//! rendered text, HTML and CSV are parsed back and every total is recomputed from the figures
//! printed as its parts. Percentages of a table add up to 100.00.

use jiff::civil::date;
use proptest::prelude::*;
use report_render::{
    DateRange, Format, GroupDef, HtmlMode, NetworkReport, OrgReport, Report, render, render_html,
    render_series,
};
use usage_model::{Kb, Traffic};

fn t(up_millis: i64, down_millis: i64) -> Traffic {
    Traffic {
        up: Kb::from_millis(up_millis),
        down: Kb::from_millis(down_millis),
    }
}

fn rendered(r: &Report, format: Format) -> String {
    let mut out = Vec::new();
    render(r, format, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Figures of one row as shown: whole kB (text, HTML) or thousandths of a kB (CSV), and the
/// percentages in hundredths (`None` where the row has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Row {
    up: i128,
    down: i128,
    total: i128,
    pct: Option<[i64; 3]>,
}

impl std::ops::Add for Row {
    type Output = Row;
    fn add(self, o: Row) -> Row {
        Row {
            up: self.up + o.up,
            down: self.down + o.down,
            total: self.total + o.total,
            pct: None,
        }
    }
}

fn sum<'a>(rows: impl IntoIterator<Item = &'a Row>) -> Row {
    rows.into_iter().fold(Row::default(), |a, r| a + *r)
}

/// Same kB figures (percentages aside).
fn kb(r: Row) -> [i128; 3] {
    [r.up, r.down, r.total]
}

fn int(s: &str) -> i128 {
    s.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("{s:?}"))
}

/// `12.34` as 1234; `–` (no percentage) as `None`.
fn pct(s: &str) -> Option<i64> {
    if s == "–" {
        return None;
    }
    let (w, f) = s.split_once('.').unwrap_or_else(|| panic!("{s:?}"));
    assert_eq!(f.len(), 2, "{s:?}");
    let v = w.trim_start_matches('-').parse::<i64>().unwrap() * 100 + f.parse::<i64>().unwrap();
    Some(if s.starts_with('-') { -v } else { v })
}

/// An exact CSV amount (`1000.5`) in thousandths.
fn millis(s: &str) -> i128 {
    let neg = s.starts_with('-');
    let s = s.trim_start_matches('-');
    let (w, f) = s.split_once('.').unwrap_or((s, ""));
    assert!(f.len() <= 3, "{s:?}");
    let v = w.parse::<i128>().unwrap() * 1000 + format!("{f:0<3}").parse::<i128>().unwrap();
    if neg { -v } else { v }
}

/// A row of figures from its words, read from the right (names may hold spaces): up, up %,
/// down, down %, total, total %, then `skip` more words (the appendix's human unit).
fn row_of(line: &str, skip: usize) -> Row {
    let w: Vec<&str> = line.split_whitespace().rev().skip(skip).take(6).collect();
    let p = [pct(w[4]), pct(w[2]), pct(w[0])];
    Row {
        up: int(w[5]),
        down: int(w[3]),
        total: int(w[1]),
        pct: match p {
            [Some(a), Some(b), Some(c)] => Some([a, b, c]),
            [None, None, None] => None,
            _ => panic!("{line:?}"),
        },
    }
}

/// Every row of a table shows total = up + down; where it shows percentages, the parts'
/// percentages add up to the whole's (100.00, or 0.00 when the whole shows 0) in each column.
fn check_rows(parts: &[Row], whole: Row, place: &str) {
    for r in parts.iter().chain([&whole]) {
        assert_eq!(r.total, r.up + r.down, "{place}: {r:?}");
    }
    assert_eq!(kb(sum(parts)), kb(whole), "{place}: {parts:?} vs {whole:?}");
    check_percentages(parts, whole, place);
}

/// The whole of `parts` where no row shows it: their sum, with the percentages a whole row
/// would show (100.00, or 0.00 for a column that shows 0).
fn whole_of(parts: &[Row]) -> Row {
    let whole = sum(parts);
    Row {
        pct: Some(kb(whole).map(|v| if v == 0 { 0 } else { 10_000 })),
        ..whole
    }
}

fn check_percentages(parts: &[Row], whole: Row, place: &str) {
    let Some(w) = whole.pct else { return };
    for (c, (shown_pct, shown_whole)) in w.into_iter().zip(kb(whole)).enumerate() {
        let want = if shown_whole == 0 { 0 } else { 10_000 };
        assert_eq!(shown_pct, want, "{place}: column {c} of {whole:?}");
        let got: i64 = parts.iter().map(|r| r.pct.expect(place)[c]).sum();
        assert_eq!(got, want, "{place}: percentages of column {c}: {parts:?}");
    }
}

/// The figures a text report shows.
#[derive(Debug)]
struct Text {
    /// `[org][network][group]`, from the original's tables.
    networks: Vec<Vec<Vec<Row>>>,
    orgs: Vec<Row>,
    all_orgs: Row,
    groups: Vec<Row>,
    /// Per network with unmatched traffic (`"org" / "net"`), and the "All networks" row.
    unmatched: Vec<(String, Row)>,
    all_unmatched: Option<Row>,
    removed: Vec<(String, Row)>,
    all_removed: Option<Row>,
}

/// Parses a text report of `r`'s shape.
fn parse_text(s: &str, r: &Report) -> Text {
    let cut = s.rfind("\n###\n").unwrap();
    let (first, appendix) = (&s[..cut], &s[cut..]);
    let lines: Vec<&str> = first.lines().collect();
    let mut i = 0;
    let mut networks = Vec::new();
    for org in &r.organizations {
        let mut nets = Vec::new();
        for net in &org.networks {
            let head = format!("Network: \"{}\"", net.name);
            while lines[i] != head {
                i += 1;
            }
            assert!(lines[i + 1].starts_with("Group name "), "{}", lines[i + 1]);
            let rows: Vec<Row> = lines[i + 2..i + 2 + r.groups.len()]
                .iter()
                .map(|l| row_of(l, 0))
                .collect();
            nets.push(rows);
            i += 1;
        }
        networks.push(nets);
    }
    // The appendix: its tables, each a header line and rows up to a blank line.
    let lines: Vec<&str> = appendix.lines().collect();
    let mut tables: Vec<(&str, Vec<&str>)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.contains(" up kB ") {
            let rows = lines[i + 1..]
                .iter()
                .take_while(|r| !r.is_empty())
                .copied()
                .collect();
            tables.push((l, rows));
        }
    }
    let rows = |t: &(&str, Vec<&str>)| -> Vec<(String, Row)> {
        t.1.iter()
            .map(|l| {
                let name = l.split("  ").next().unwrap().trim().to_string();
                (name, row_of(l, 2))
            })
            .collect()
    };
    let orgs = rows(&tables[0]);
    assert!(tables[0].0.starts_with("Organization "));
    assert_eq!(orgs.last().unwrap().0, "All organizations");
    assert!(tables[1].0.starts_with("Group name "));
    let mut rest = tables[2..].iter();
    let mut per_network = |present: bool| -> (Vec<(String, Row)>, Option<Row>) {
        if !present {
            return (Vec::new(), None);
        }
        let mut v = rows(rest.next().unwrap());
        let (name, all) = v.pop().unwrap();
        assert_eq!(name, "All networks");
        (v, Some(all))
    };
    let (unmatched, all_unmatched) = per_network(r.unmatched_total() != Traffic::default());
    let (removed, all_removed) = per_network(r.removed_groups_total() != Traffic::default());
    Text {
        networks,
        all_orgs: orgs.last().unwrap().1,
        orgs: orgs[..orgs.len() - 1].iter().map(|(_, r)| *r).collect(),
        groups: rows(&tables[1]).into_iter().map(|(_, r)| r).collect(),
        unmatched,
        all_unmatched,
        removed,
        all_removed,
    }
}

/// Every total of a text report is the sum of the parts it shows.
fn check_text(s: &str, r: &Report) -> Text {
    let p = parse_text(s, r);
    for (o, org) in p.networks.iter().enumerate() {
        let mut org_rows = Vec::new();
        for (n, groups) in org.iter().enumerate() {
            // The text has no network total row: the network's percentages are of the sum of
            // its group rows.
            check_rows(groups, whole_of(groups), &format!("text network {o}/{n}"));
            org_rows.push(sum(groups));
        }
        assert_eq!(kb(sum(&org_rows)), kb(p.orgs[o]), "text organization {o}");
    }
    check_rows(&p.orgs, p.all_orgs, "text organizations");
    check_rows(&p.groups, p.all_orgs, "text groups");
    for (g, row) in p.groups.iter().enumerate() {
        let parts: Vec<Row> = p.networks.iter().flatten().map(|n| n[g]).collect();
        assert_eq!(kb(sum(&parts)), kb(*row), "text group {g}: {parts:?}");
    }
    for (rows, all) in [(&p.unmatched, p.all_unmatched), (&p.removed, p.all_removed)] {
        if let Some(all) = all {
            let parts: Vec<Row> = rows.iter().map(|(_, r)| *r).collect();
            check_rows(&parts, all, "text per-network table");
        }
    }
    p
}

/// The figures an HTML report shows, table by table (`role="table"`).
fn html_tables(html: &str) -> Vec<Vec<(String, Row)>> {
    let dom = tl::parse(html, tl::ParserOptions::default()).unwrap();
    let mut out = Vec::new();
    for table in dom.nodes().iter().filter_map(|n| n.as_tag()) {
        if !table.name().as_utf8_str().eq_ignore_ascii_case("table")
            || table
                .attributes()
                .get("role")
                .flatten()
                .map(|v| v.as_utf8_str().into_owned())
                != Some("table".into())
        {
            continue;
        }
        let mut rows = Vec::new();
        for cells in crate::html::row_cells(&dom, table) {
            if cells.len() != 8 {
                continue;
            }
            let p3 = [pct(&cells[2]), pct(&cells[4]), pct(&cells[6])];
            rows.push((
                cells[0].clone(),
                Row {
                    up: int(&cells[1]),
                    down: int(&cells[3]),
                    total: int(&cells[5]),
                    pct: match p3 {
                        [Some(a), Some(b), Some(c)] => Some([a, b, c]),
                        _ => None,
                    },
                },
            ));
        }
        out.push(rows);
    }
    out
}

/// Every total of an HTML report is the sum of the parts it shows; returns the network tables'
/// group rows (`[org][network][group]`).
fn check_html(html: &str, r: &Report) -> Vec<Vec<Vec<Row>>> {
    let tables = html_tables(html);
    // The groups' definitions, one per network, the totals, the per-group totals.
    let nets: usize = r.organizations.iter().map(|o| o.networks.len()).sum();
    assert!(tables.len() >= 1 + nets + 2);
    let n = r.groups.len();
    let mut t = tables[1..].iter();
    let mut networks = Vec::new();
    let (mut org_rows, mut unmatched, mut removed) = (Vec::new(), Vec::new(), Vec::new());
    for (o, org) in r.organizations.iter().enumerate() {
        let mut nets = Vec::new();
        let mut totals = Vec::new();
        for (k, net) in org.networks.iter().enumerate() {
            let rows = t.next().unwrap();
            let place = format!("html network {o}/{k}");
            assert_eq!(rows[n].0, "Network total", "{place}");
            let groups: Vec<Row> = rows[..n].iter().map(|(_, r)| *r).collect();
            check_rows(&groups, rows[n].1, &place);
            totals.push(rows[n].1);
            let mut extra = rows[n + 1..].iter();
            if net.unmatched != Traffic::default() {
                let (name, row) = extra.next().unwrap();
                assert!(name.starts_with("Unmatched"), "{place}: {name}");
                assert_eq!(row.total, row.up + row.down, "{place}");
                unmatched.push(*row);
            }
            if net.removed_groups != Traffic::default() {
                let (name, row) = extra.next().unwrap();
                assert!(
                    name.starts_with("Groups no longer defined"),
                    "{place}: {name}"
                );
                assert_eq!(row.total, row.up + row.down, "{place}");
                removed.push(*row);
            }
            nets.push(groups);
        }
        org_rows.push(sum(&totals));
        networks.push(nets);
    }
    let totals = t.next().unwrap();
    let orgs = r.organizations.len();
    let shown_orgs: Vec<Row> = totals[..orgs].iter().map(|(_, r)| *r).collect();
    assert_eq!(totals[orgs].0, "All organizations");
    let all = totals[orgs].1;
    check_rows(&shown_orgs, all, "html organizations");
    for (o, (shown, parts)) in shown_orgs.iter().zip(&org_rows).enumerate() {
        assert_eq!(
            kb(*shown),
            kb(*parts),
            "html organization {o} = its network totals"
        );
    }
    let mut extra = totals[orgs + 1..].iter();
    for parts in [unmatched, removed] {
        if !parts.is_empty() {
            let (_, row) = extra.next().unwrap();
            assert_eq!(kb(*row), kb(sum(&parts)), "html: {parts:?}");
        }
    }
    let groups: Vec<Row> = t.next().unwrap().iter().map(|(_, r)| *r).collect();
    check_rows(&groups, all, "html groups");
    for (g, row) in groups.iter().enumerate() {
        let parts: Vec<Row> = networks.iter().flatten().map(|n| n[g]).collect();
        assert_eq!(kb(sum(&parts)), kb(*row), "html group {g}");
    }
    // The summary tile repeats the grand total.
    assert!(
        html.contains(&format!("{} kB</div>", group3(all.total))),
        "the tile shows {}",
        all.total
    );
    networks
}

fn group3(v: i128) -> String {
    let d = v.unsigned_abs().to_string();
    let mut o = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            o.push(',');
        }
        o.push(c);
    }
    if v < 0 { format!("-{o}") } else { o }
}

/// The CSV's group rows per network (`[org][network][group]`, exact thousandths); each row's
/// total is its up plus its down, and the percentages of a network add up.
fn check_csv(csv: &str, r: &Report) -> Vec<Vec<Vec<Row>>> {
    let mut lines = csv.split("\r\n").skip(1).filter(|l| !l.is_empty());
    let mut out = Vec::new();
    for (o, org) in r.organizations.iter().enumerate() {
        let mut nets = Vec::new();
        for (k, net) in org.networks.iter().enumerate() {
            let mut groups = Vec::new();
            for _ in &r.groups {
                let l = lines.next().unwrap();
                // Names in these reports need no quoting: kind, group, figures and bounds last.
                let f: Vec<&str> = l.split(',').collect();
                let f = &f[f.len() - 11..];
                assert_eq!(f[0], "group", "{l}");
                groups.push(Row {
                    up: millis(f[2]),
                    down: millis(f[4]),
                    total: millis(f[6]),
                    pct: Some([pct(f[3]), pct(f[5]), pct(f[7])].map(Option::unwrap)),
                });
            }
            check_rows(&groups, whole_of(&groups), &format!("csv network {o}/{k}"));
            for (kind, t) in [
                ("unmatched", net.unmatched),
                ("removed", net.removed_groups),
            ] {
                if t != Traffic::default() {
                    let l = lines.next().unwrap();
                    let f: Vec<&str> = l.split(',').collect();
                    let f = &f[f.len() - 11..];
                    assert_eq!(f[0], kind, "{l}");
                    assert_eq!(millis(f[6]), millis(f[2]) + millis(f[4]), "{l}");
                }
            }
            nets.push(groups);
        }
        out.push(nets);
    }
    assert!(lines.next().is_none());
    out
}

/// Thousandths rounded half away from zero to whole kB: how a single figure is shown.
fn round(m: i128) -> i128 {
    i128::from(Kb::from_millis(i64::try_from(m).unwrap()).round_kb())
}

/// Every format of `r` checked, and the formats against each other: text and HTML show the
/// same whole kB, each the CSV's exact figure rounded on its own.
fn check_all_formats(r: &Report) {
    let text = check_text(&rendered(r, Format::Text), r);
    let html = check_html(&render_html(r, HtmlMode::Standalone).unwrap().html, r);
    let csv = check_csv(&rendered(r, Format::Csv), r);
    for ((t, h), c) in text
        .networks
        .iter()
        .flatten()
        .flatten()
        .zip(html.iter().flatten().flatten())
        .zip(csv.iter().flatten().flatten())
    {
        assert_eq!(kb(*t), kb(*h), "text and HTML show one figure");
        assert_eq!(t.pct, h.pct, "text and HTML show one percentage");
        assert_eq!([t.up, t.down], [round(c.up), round(c.down)], "{c:?}");
    }
    // The per-network unmatched rows of the text are those of the HTML and the CSV.
    let mut nets = r.organizations.iter().flat_map(|o| &o.networks);
    for (_, row) in &text.unmatched {
        let net = nets.find(|n| n.unmatched != Traffic::default()).unwrap();
        let want = [net.unmatched.up, net.unmatched.down].map(|k| round(i128::from(k.millis())));
        assert_eq!([row.up, row.down], want);
    }
}

/// The case: IPv6 traffic in one network only. The network's table and the group
/// totals used to be rounded apart (each by largest remainder), so the one network showed
/// 232,749 kB up and the group total 232,748 kB.
fn one_part_report() -> Report {
    let groups = vec![
        GroupDef::new("Corporate", "sub:10.0.0.0/8"),
        GroupDef::new("IPv6", "sub:::/0"),
    ];
    let a = NetworkReport::new("A", vec![t(100_300, 5_000), t(232_748_400, 1_000_200)]);
    let b = NetworkReport::new("B", vec![t(50_400, 7_000), t(0, 0)]);
    Report::new(
        DateRange::new(date(2026, 11, 16), date(2026, 11, 22)),
        groups,
        vec![OrgReport::new("Org", vec![a, b])],
        "2026-11-23T06:00:00Z".parse().unwrap(),
    )
}

#[test]
fn a_total_of_one_non_zero_part_equals_it_in_every_format() {
    let r = one_part_report();
    let text = rendered(&r, Format::Text);
    let p = parse_text(&text, &r);
    let ipv6_in_a = p.networks[0][0][1];
    assert_eq!(kb(p.groups[1]), kb(ipv6_in_a), "{text}");
    assert_eq!(ipv6_in_a.up, 232_748, "{text}");
    let html = check_html(&render_html(&r, HtmlMode::Standalone).unwrap().html, &r);
    assert_eq!(kb(html[0][0][1]), kb(ipv6_in_a));
    check_all_formats(&r);
}

/// A report from random figures: `orgs[o][n][g]` is (up, down) in thousandths of a kB; per
/// network also unmatched and removed traffic.
type Shape = Vec<Vec<(Vec<(i64, i64)>, (i64, i64), (i64, i64))>>;

fn report_of(groups: usize, shape: &Shape) -> Report {
    let groups = (0..groups)
        .map(|g| GroupDef::new(format!("Group {g}"), format!("vid:{g}")))
        .collect();
    let orgs = shape
        .iter()
        .enumerate()
        .map(|(o, nets)| {
            let nets = nets
                .iter()
                .enumerate()
                .map(|(n, (g, u, x))| {
                    let mut net = NetworkReport::new(
                        format!("Net {o}.{n}"),
                        g.iter().map(|(a, b)| t(*a, *b)).collect(),
                    );
                    net.unmatched = t(u.0, u.1);
                    net.removed_groups = t(x.0, x.1);
                    net
                })
                .collect();
            OrgReport::new(format!("Org {o}"), nets)
        })
        .collect();
    Report::new(
        DateRange::new(date(2026, 11, 16), date(2026, 11, 22)),
        groups,
        orgs,
        "2026-11-23T06:00:00Z".parse().unwrap(),
    )
}

/// One figure: often zero, often below a few kB (where rounding shows most), sometimes large.
fn amount() -> impl Strategy<Value = i64> {
    prop_oneof![
        2 => Just(0i64),
        3 => 0i64..3_000,
        3 => 0i64..10_000_000,
        1 => 0i64..1_000_000_000_000_000,
    ]
}

fn pair() -> impl Strategy<Value = (i64, i64)> {
    (amount(), amount())
}

fn shape() -> impl Strategy<Value = (usize, Shape)> {
    (1usize..6).prop_flat_map(|groups| {
        let net = (
            prop::collection::vec(pair(), groups),
            prop_oneof![Just((0, 0)), pair()],
            prop_oneof![3 => Just((0, 0)), 1 => pair()],
        );
        let org = prop::collection::vec(net, 1..5);
        (Just(groups), prop::collection::vec(org, 1..5))
    })
}

/// The series text: the "All organizations" table's group rows are the sums of the networks'
/// rows, period by period, and "All groups" their sum.
fn check_series_text(reports: &[Report]) {
    let mut out = Vec::new();
    render_series(reports, Format::Text, &mut out).unwrap();
    let s = String::from_utf8(out).unwrap();
    let n = reports[0].groups.len();
    let table = |from: usize| -> Vec<Vec<i128>> {
        s[from..]
            .lines()
            .skip(1)
            .take_while(|l| !l.is_empty())
            .map(|l| {
                let w: Vec<&str> = l.split_whitespace().rev().take(reports.len()).collect();
                w.into_iter().rev().map(int).collect()
            })
            .collect()
    };
    let mut per_group = vec![vec![0i128; reports.len()]; n];
    let mut unmatched = vec![0i128; reports.len()];
    let mut at = 0;
    while let Some(k) = s[at..].find("\nNetwork: \"") {
        at += k + 1;
        let header = at + s[at..].find('\n').unwrap() + 1;
        let rows = table(header);
        for (g, row) in rows.iter().enumerate() {
            for (p, v) in row.iter().enumerate() {
                if g < n {
                    per_group[g][p] += v;
                } else {
                    unmatched[p] += v;
                }
            }
        }
    }
    let all = s.find("All organizations (total kB, up + down)\n").unwrap();
    let header = all + s[all..].find('\n').unwrap() + 1;
    let rows = table(header);
    assert_eq!(rows[..n], per_group[..], "{s}");
    let groups_sum: Vec<i128> = (0..reports.len())
        .map(|p| per_group.iter().map(|g| g[p]).sum())
        .collect();
    assert_eq!(rows[n], groups_sum, "All groups: {s}");
    if rows.len() > n + 1 {
        assert_eq!(rows[n + 1], unmatched, "(unmatched): {s}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn shown_totals_equal_their_shown_parts_in_every_format((groups, shape) in shape()) {
        check_all_formats(&report_of(groups, &shape));
    }

    #[test]
    fn series_totals_equal_their_shown_parts(
        (groups, shape) in shape(),
        seed in any::<u64>(),
    ) {
        // A second period of the same networks, its figures shuffled from the first's.
        let first = report_of(groups, &shape);
        let mut second = first.clone();
        second.period = DateRange::new(date(2026, 11, 23), date(2026, 11, 29));
        let mut x = seed;
        for net in second.organizations.iter_mut().flat_map(|o| &mut o.networks) {
            for g in &mut net.groups {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                *g = t((x >> 40) as i64 % 5_000, (x >> 20) as i64 % 3_000);
            }
        }
        check_series_text(&[first.clone(), second.clone()]);
        check_all_formats(&second);
    }
}
