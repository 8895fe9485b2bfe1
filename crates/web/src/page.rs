//! The frame every page shares, and the small pieces views are made of. maud escapes every
//! spliced value, so names from the database can never become markup; `<bdi>` isolates each
//! name's writing direction, so a right-to-left name cannot reorder the text around it.

use axum::response::Html;
use maud::{DOCTYPE, Markup, html};
use report_render::{Percent, human_kb};
use usage_model::{Kb, Traffic};

use crate::assets::{SCRIPT, STYLE};
use crate::query::{PeriodChoice, ViewQuery, href, key};

/// Which view a page is, for the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    Overview,
    Network,
    Group,
    Periods,
    Syncs,
}

/// A whole page: `title` in the tab and as the heading, `query` to keep the period across the
/// navigation's links.
pub(crate) fn layout(
    base: &str,
    view: View,
    title: &str,
    query: Option<&ViewQuery>,
    body: Markup,
) -> Html<String> {
    let period = query.map(ViewQuery::period_pairs).unwrap_or_default();
    let nav = [
        (View::Overview, "Overview", href(base, "/", &period)),
        (
            View::Periods,
            "Periods side by side",
            href(base, "/periods", &[]),
        ),
        (View::Syncs, "Syncs", href(base, "/syncs", &[])),
    ];
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — usagestats" }
                // No favicon request: a 404 for it would be the only failed request of a page.
                link rel="icon" href="data:,";
                link rel="stylesheet" href={ (base) "/assets/" (STYLE.name) };
                script src={ (base) "/assets/" (SCRIPT.name) } defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href=(href(base, "/", &period)) { "usagestats" }
                    nav aria-label="Views" {
                        ul {
                            @for (v, name, link) in &nav {
                                li {
                                    @if *v == view {
                                        a href=(link) aria-current="page" { (name) }
                                    } @else {
                                        a href=(link) { (name) }
                                    }
                                }
                            }
                        }
                    }
                }
                main id="main" {
                    h1 { bdi { (title) } }
                    (body)
                }
                footer {
                    "usagestats dashboard · read-only view of the stored history"
                }
            }
        }
    };
    Html(markup.into_string())
}

/// A page with a heading and one paragraph: errors, the access prompt.
pub(crate) fn message_page(base: &str, title: &str, text: &str) -> Html<String> {
    let body = html! {
        p.message { (text) }
        p { a href={ (base) "/" } { "Back to the overview" } }
    };
    // Error pages are not a view: no navigation entry is current.
    layout(base, View::Overview, title, None, body)
}

/// The period picker: a plain GET form (works without script; the script submits it when a
/// preset is chosen and hides the fields a choice does not use). `extra` are hidden fields
/// that keep the rest of the view's state; `count` adds the number of periods (the
/// side-by-side view).
pub(crate) fn period_picker(
    query: &ViewQuery,
    range: usage_model::DateRange,
    extra: &[(&str, String)],
    presets: &[PeriodChoice],
    count: Option<usize>,
) -> Markup {
    let day = query.period.billing_day().unwrap_or(1);
    let (from, to) = match query.period {
        PeriodChoice::Custom(a, b) => (a.to_string(), b.to_string()),
        _ => (range.start.to_string(), range.end.to_string()),
    };
    let current = query.period.key();
    let custom_current = matches!(query.period, PeriodChoice::Custom(..));
    let preset_current = presets.iter().any(|p| p.key() == current);
    html! {
        form.picker method="get" role="search" aria-label="Period" {
            div.field {
                label for="period" { "Period" }
                select id="period" name=(key::PERIOD) {
                    @for p in presets {
                        option value=(p.key()) selected[p.key() == current] { (p.label()) }
                    }
                    @if !preset_current && !custom_current {
                        option value=(current) selected { (query.period.label()) }
                    }
                    option value="custom" selected[custom_current] { "Custom range" }
                }
            }
            div.field.billing {
                label for="day" { "Billing day" }
                input id="day" name=(key::DAY) type="number" min="1" max="31" value=(day);
            }
            div.field.custom {
                label for="from" { "From" }
                input id="from" name=(key::FROM) type="date" value=(from);
            }
            div.field.custom {
                label for="to" { "To" }
                input id="to" name=(key::TO) type="date" value=(to);
            }
            @if let Some(n) = count {
                div.field {
                    label for="periods" { "Periods" }
                    input id="periods" name=(key::PERIODS) type="number" min="1"
                        max=(crate::query::MAX_PERIODS) value=(n);
                }
            }
            @for (k, v) in extra {
                input type="hidden" name=(k) value=(v);
            }
            button type="submit" { "Show" }
        }
    }
}

/// The period a page shows, in words.
pub(crate) fn period_line(query: &ViewQuery, range: usage_model::DateRange) -> Markup {
    let days = range.len();
    html! {
        p.period {
            strong { (query.period.label()) } ": " (range.start) " to " (range.end)
            " (" (days) " day" @if days != 1 { "s" } ")"
        }
    }
}

/// The download links of a view: `pairs` is the view's state.
pub(crate) fn downloads(base: &str, path: &str, pairs: &[(&'static str, String)]) -> Markup {
    let with = |format: &str| {
        let mut p = pairs.to_vec();
        p.push((key::FORMAT, format.to_string()));
        href(base, path, &p)
    };
    html! {
        p.downloads {
            "Download what this page shows: "
            a href=(with("csv")) download { "CSV" }
            " · "
            a href=(with("json")) download { "JSON" }
        }
    }
}

/// An amount as shown in tables: a human unit (powers of 1000, like the API's kB).
pub(crate) fn amount(kb: Kb) -> String {
    human_kb(kb)
}

/// Table cells for up, down and total of `t`.
pub(crate) fn traffic_cells(t: Traffic) -> Markup {
    html! {
        td.num { (amount(t.up)) }
        td.num { (amount(t.down)) }
        td.num { (amount(t.total())) }
    }
}

/// `61.23 %`.
pub(crate) fn percent(p: Percent) -> String {
    format!("{p} %")
}

/// `± 12 kB` when `bound` is not zero; empty otherwise.
pub(crate) fn bound(bound: Traffic) -> String {
    if bound == Traffic::default() {
        String::new()
    } else {
        format!("± {}", amount(bound.total()))
    }
}

/// A note box (warnings the reports also print).
pub(crate) fn note(text: &str) -> Markup {
    html! { p.note role="note" { (text) } }
}
