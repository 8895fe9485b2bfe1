//! A view's state as its URL's query: parsed strictly (an unknown, repeated or malformed
//! parameter is a 400 naming it), and written back in one canonical order for links.

use jiff::ToSpan as _;
use jiff::civil::Date;
use url::form_urlencoded;
use usage_model::{DateRange, Period};

use crate::error::WebError;

/// The longest period a view shows, in days: ten years (a report of more reads every missing
/// day of every network).
pub(crate) const MAX_PERIOD_DAYS: i64 = 3660;

/// The most periods the side-by-side view shows (as `report --periods`).
pub(crate) const MAX_PERIODS: usize = 120;

/// The most clients per group the group view ranks (as `report --top`).
pub(crate) const MAX_TOP: usize = 1000;

/// What the period picker offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeriodChoice {
    /// The last N complete days.
    Days(u32),
    /// The previous Monday–Sunday week.
    LastWeek,
    /// The previous calendar month.
    LastMonth,
    /// The last complete billing cycle starting on this day of the month.
    Billing(u8),
    /// The current billing cycle so far.
    ThisBilling(u8),
    /// The twelve complete calendar months before this one.
    TwelveMonths,
    /// Both days included.
    Custom(Date, Date),
}

impl PeriodChoice {
    /// The choices of the picker's list, in its order (with the billing day `day`).
    pub(crate) fn presets(day: u8) -> [PeriodChoice; 6] {
        [
            PeriodChoice::Days(7),
            PeriodChoice::LastWeek,
            PeriodChoice::LastMonth,
            PeriodChoice::ThisBilling(day),
            PeriodChoice::Billing(day),
            PeriodChoice::TwelveMonths,
        ]
    }

    /// The `period` value in URLs.
    pub(crate) fn key(&self) -> String {
        match self {
            PeriodChoice::Days(n) => n.to_string(),
            PeriodChoice::LastWeek => "last-week".into(),
            PeriodChoice::LastMonth => "last-month".into(),
            PeriodChoice::Billing(_) => "billing".into(),
            PeriodChoice::ThisBilling(_) => "this-billing".into(),
            PeriodChoice::TwelveMonths => "12-months".into(),
            PeriodChoice::Custom(..) => "custom".into(),
        }
    }

    /// What the picker calls it.
    pub(crate) fn label(&self) -> String {
        match self {
            PeriodChoice::Days(1) => "Yesterday".into(),
            PeriodChoice::Days(n) => format!("Last {n} days"),
            PeriodChoice::LastWeek => "Last week".into(),
            PeriodChoice::LastMonth => "Last month".into(),
            PeriodChoice::Billing(_) => "Last billing cycle".into(),
            PeriodChoice::ThisBilling(_) => "This billing cycle".into(),
            PeriodChoice::TwelveMonths => "Last 12 months".into(),
            PeriodChoice::Custom(..) => "Custom range".into(),
        }
    }

    /// The billing day, for the billing choices.
    pub(crate) fn billing_day(&self) -> Option<u8> {
        match self {
            PeriodChoice::Billing(d) | PeriodChoice::ThisBilling(d) => Some(*d),
            _ => None,
        }
    }

    /// The report period this choice means on `today`.
    pub(crate) fn period(&self, today: Date) -> Period {
        match *self {
            PeriodChoice::Days(n) => Period::LastDays(n),
            PeriodChoice::LastWeek => Period::LastWeek,
            PeriodChoice::LastMonth => Period::LastMonth,
            PeriodChoice::Billing(day) => Period::Billing { day },
            PeriodChoice::ThisBilling(day) => Period::ThisBilling { day },
            PeriodChoice::TwelveMonths => {
                let first = today.first_of_month();
                Period::Range {
                    start: first.checked_sub(12.months()).unwrap_or(Date::MIN),
                    end: first.yesterday().unwrap_or(first),
                }
            }
            PeriodChoice::Custom(start, end) => Period::Range { start, end },
        }
    }

    /// The days this choice covers on `today`.
    pub(crate) fn range(&self, today: Date) -> DateRange {
        self.period(today).resolve(today)
    }
}

/// A download format, or the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Html,
    Csv,
    Json,
}

/// Every parameter a view can take; each view accepts a subset.
pub(crate) mod key {
    pub(crate) const PERIOD: &str = "period";
    pub(crate) const DAY: &str = "day";
    pub(crate) const FROM: &str = "from";
    pub(crate) const TO: &str = "to";
    pub(crate) const FORMAT: &str = "format";
    pub(crate) const PAGE: &str = "page";
    pub(crate) const PERIODS: &str = "periods";
    pub(crate) const TOP: &str = "top";
}

/// The period parameters, which every view of a period takes.
pub(crate) const PERIOD_KEYS: [&str; 4] = [key::PERIOD, key::DAY, key::FROM, key::TO];

/// A view's state, read from its query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ViewQuery {
    pub(crate) period: PeriodChoice,
    pub(crate) format: Format,
    pub(crate) page: usize,
    pub(crate) periods: usize,
    pub(crate) top: usize,
}

impl ViewQuery {
    /// Reads `raw` (the URL's query, if any) for a view that takes the parameters `allowed`
    /// and shows `default` when no period is given. An empty value counts as absent (a form's
    /// empty field); anything else is checked, even when the chosen period does not use it.
    pub(crate) fn parse(
        raw: Option<&str>,
        allowed: &[&str],
        default: PeriodChoice,
    ) -> Result<ViewQuery, WebError> {
        let mut given: Vec<(String, String)> = Vec::new();
        for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if !allowed.contains(&k.as_ref()) {
                return Err(WebError::bad(
                    &k,
                    format!("unknown parameter; this view takes {}", allowed.join(", ")),
                ));
            }
            if given.iter().any(|(g, _)| *g == k) {
                return Err(WebError::bad(&k, "given more than once"));
            }
            given.push((k.into_owned(), v.trim().to_string()));
        }
        let get = |name: &str| {
            given
                .iter()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.as_str())
        };
        let number = |name: &str, max: usize, expected: &str| -> Result<Option<usize>, WebError> {
            match get(name) {
                None => Ok(None),
                Some(v) => match v.parse::<usize>() {
                    Ok(n) if (1..=max).contains(&n) && v.bytes().all(|b| b.is_ascii_digit()) => {
                        Ok(Some(n))
                    }
                    _ => Err(WebError::bad(name, format!("{v:?} is not {expected}"))),
                },
            }
        };
        let date = |name: &str| -> Result<Option<Date>, WebError> {
            get(name)
                .map(|v| {
                    parse_date(v).ok_or_else(|| {
                        WebError::bad(name, format!("{v:?} is not a date as YYYY-MM-DD"))
                    })
                })
                .transpose()
        };
        let day = number(key::DAY, 31, "a day of the month from 1 to 31")?;
        let day = u8::try_from(day.unwrap_or(1)).unwrap_or(1);
        let (from, to) = (date(key::FROM)?, date(key::TO)?);
        let period = match get(key::PERIOD) {
            None if from.is_none() && to.is_none() => default,
            None | Some("custom") => match (from, to) {
                (Some(a), Some(b)) => {
                    let (a, b) = if a <= b { (a, b) } else { (b, a) };
                    let days = a.until(b).map(|s| i64::from(s.get_days())).unwrap_or(0) + 1;
                    if days > MAX_PERIOD_DAYS {
                        return Err(WebError::bad(
                            key::FROM,
                            format!(
                                "the range {a} to {b} has {days} days; a view shows at most \
                                 {MAX_PERIOD_DAYS}"
                            ),
                        ));
                    }
                    PeriodChoice::Custom(a, b)
                }
                (None, _) => {
                    return Err(WebError::bad(
                        key::FROM,
                        "a custom period needs its first day (from) and last day (to)",
                    ));
                }
                (_, None) => {
                    return Err(WebError::bad(
                        key::TO,
                        "a custom period needs its first day (from) and last day (to)",
                    ));
                }
            },
            Some("last-week") => PeriodChoice::LastWeek,
            Some("last-month") => PeriodChoice::LastMonth,
            Some("billing") => PeriodChoice::Billing(day),
            Some("this-billing") => PeriodChoice::ThisBilling(day),
            Some("12-months") => PeriodChoice::TwelveMonths,
            Some(v) => match v.parse::<u32>() {
                Ok(n)
                    if (1..=MAX_PERIOD_DAYS).contains(&i64::from(n))
                        && v.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    PeriodChoice::Days(n)
                }
                _ => {
                    return Err(WebError::bad(
                        key::PERIOD,
                        format!(
                            "{v:?} is not a period: expected a number of days (1 to \
                             {MAX_PERIOD_DAYS}), last-week, last-month, billing, this-billing, \
                             12-months or custom"
                        ),
                    ));
                }
            },
        };
        let format = match get(key::FORMAT) {
            None | Some("html") => Format::Html,
            Some("csv") => Format::Csv,
            Some("json") => Format::Json,
            Some(v) => {
                return Err(WebError::bad(
                    key::FORMAT,
                    format!("{v:?} is not a format: expected html, csv or json"),
                ));
            }
        };
        Ok(ViewQuery {
            period,
            format,
            page: number(key::PAGE, 1_000_000, "a page number")?.unwrap_or(1),
            periods: number(
                key::PERIODS,
                MAX_PERIODS,
                &format!("a number of periods from 1 to {MAX_PERIODS}"),
            )?
            .unwrap_or(6),
            top: number(
                key::TOP,
                MAX_TOP,
                &format!("a number of clients from 1 to {MAX_TOP}"),
            )?
            .unwrap_or(10),
        })
    }

    /// The query parameters of the period, in canonical form.
    pub(crate) fn period_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![(key::PERIOD, self.period.key())];
        match self.period {
            PeriodChoice::Billing(d) | PeriodChoice::ThisBilling(d) if d != 1 => {
                pairs.push((key::DAY, d.to_string()));
            }
            PeriodChoice::Custom(a, b) => {
                pairs.push((key::FROM, a.to_string()));
                pairs.push((key::TO, b.to_string()));
            }
            _ => {}
        }
        pairs
    }
}

/// `base` + `path` + the query of `pairs` (encoded).
pub(crate) fn href(base: &str, path: &str, pairs: &[(&str, String)]) -> String {
    let mut out = format!("{base}{path}");
    if !pairs.is_empty() {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        out.push('?');
        out.push_str(&s.finish());
    }
    out
}

/// A name as one path segment (every byte but letters and digits percent-encoded).
pub(crate) fn segment(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    const ALL: [&str; 8] = [
        key::PERIOD,
        key::DAY,
        key::FROM,
        key::TO,
        key::FORMAT,
        key::PAGE,
        key::PERIODS,
        key::TOP,
    ];

    fn parse(q: &str) -> Result<ViewQuery, WebError> {
        ViewQuery::parse(Some(q), &ALL, PeriodChoice::Days(7))
    }

    fn bad_name(q: &str) -> String {
        match parse(q) {
            Err(WebError::BadParameter { name, .. }) => name,
            other => panic!("{q}: {other:?}"),
        }
    }

    #[test]
    fn every_choice_reads_back_from_its_own_link() {
        let mut choices = PeriodChoice::presets(15).to_vec();
        choices.extend(PeriodChoice::presets(1));
        choices.push(PeriodChoice::Custom(date(2026, 2, 1), date(2026, 3, 31)));
        choices.push(PeriodChoice::Days(90));
        for c in choices {
            let q = ViewQuery {
                period: c,
                format: Format::Html,
                page: 1,
                periods: 6,
                top: 10,
            };
            let link = href("", "/", &q.period_pairs());
            let back = parse(link.trim_start_matches("/?")).unwrap();
            assert_eq!(back, q, "{link}");
        }
    }

    #[test]
    fn form_submissions_with_empty_fields_parse() {
        let q = parse("period=last-week&day=&from=&to=").unwrap();
        assert_eq!(q.period, PeriodChoice::LastWeek);
        let q = parse("period=billing&day=15&from=&to=").unwrap();
        assert_eq!(q.period, PeriodChoice::Billing(15));
        let q = parse("from=2026-03-31&to=2026-02-01").unwrap();
        assert_eq!(
            q.period,
            PeriodChoice::Custom(date(2026, 2, 1), date(2026, 3, 31))
        );
        assert_eq!(parse("").unwrap().period, PeriodChoice::Days(7));
    }

    #[test]
    fn bad_parameters_are_named() {
        assert_eq!(bad_name("period=yesterday"), "period");
        assert_eq!(bad_name("period=0"), "period");
        assert_eq!(bad_name("period=3661"), "period");
        assert_eq!(bad_name("period=billing&day=32"), "day");
        assert_eq!(
            bad_name("period=custom&from=2026-02-30&to=2026-03-01"),
            "from"
        );
        assert_eq!(bad_name("period=custom&from=2026-02-01"), "to");
        assert_eq!(bad_name("period=custom&to=2026-02-01"), "from");
        assert_eq!(bad_name("from=2000-01-01&to=2026-01-01"), "from");
        assert_eq!(bad_name("format=pdf"), "format");
        assert_eq!(bad_name("page=0"), "page");
        assert_eq!(bad_name("periods=121"), "periods");
        assert_eq!(bad_name("top=5x"), "top");
        assert_eq!(bad_name("top=%2B5"), "top");
        assert_eq!(bad_name("colour=red"), "colour");
        assert_eq!(bad_name("period=7&period=8"), "period");
        assert_eq!(
            match ViewQuery::parse(Some("page=2"), &PERIOD_KEYS, PeriodChoice::LastWeek) {
                Err(WebError::BadParameter { name, .. }) => name,
                other => panic!("{other:?}"),
            },
            "page"
        );
    }

    #[test]
    fn twelve_months_are_the_complete_months_before_this_one() {
        for (today, start, end) in [
            (date(2026, 11, 29), date(2025, 11, 1), date(2026, 10, 31)),
            (date(2026, 1, 1), date(2025, 1, 1), date(2025, 12, 31)),
            (date(2024, 3, 31), date(2023, 3, 1), date(2024, 2, 29)),
        ] {
            let r = PeriodChoice::TwelveMonths.range(today);
            assert_eq!((r.start, r.end), (start, end), "{today}");
        }
    }

    #[test]
    fn segments_round_trip_hostile_names() {
        for name in [
            "<script>alert(\"x\")</script>",
            "a/b?c#d",
            "שלום עולם",
            "50% & more",
        ] {
            let s = segment(name);
            assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'%'));
            assert_eq!(
                percent_encoding::percent_decode_str(&s)
                    .decode_utf8()
                    .unwrap(),
                name
            );
        }
    }
}
