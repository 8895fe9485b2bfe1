//! Text, JSON and CSV compared with files in `tests/golden/`. After an intended change,
//! regenerate them with `UPDATE_GOLDEN=1 cargo test -p report-render` and review the diff.

use std::path::PathBuf;

use report_render::{Format, render};

use crate::fixture;

fn check(format: Format, file: &str) {
    let mut out = Vec::new();
    render(&fixture::report(), format, &mut out).unwrap();
    let got = String::from_utf8(out).unwrap();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(file);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (create it with UPDATE_GOLDEN=1)",
            path.display()
        )
    });
    if got != want {
        let first = got
            .lines()
            .zip(want.lines())
            .position(|(g, w)| g != w)
            .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
        panic!(
            "{file} differs from the golden file at line {}:\n got: {:?}\nwant: {:?}\n\
             (if intended: UPDATE_GOLDEN=1 cargo test -p report-render, then review the diff)",
            first + 1,
            got.lines().nth(first),
            want.lines().nth(first)
        );
    }
}

#[test]
fn text_matches_golden() {
    check(Format::Text, "fixture.txt");
}

#[test]
fn json_matches_golden() {
    check(Format::Json, "fixture.json");
}

#[test]
fn csv_matches_golden() {
    check(Format::Csv, "fixture.csv");
}

#[test]
fn json_is_versioned_and_exact() {
    let mut out = Vec::new();
    render(&fixture::report(), Format::Json, &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["schema"], "usagestats-report");
    assert_eq!(v["version"], report_render::JSON_SCHEMA_VERSION);
    assert_eq!(v["period"]["start"], "2026-11-16");
    assert_eq!(v["period"]["days"], 7);
    let dc = &v["organizations"][0]["networks"][1];
    // Beyond f64's exact range: kept exact as a decimal string.
    assert_eq!(dc["groups"][0]["up_kb"], "9000000000000000");
    assert_eq!(
        dc["missing_days"],
        serde_json::json!(["2026-11-18", "2026-11-19"])
    );
    assert_eq!(
        v["organizations"][0]["networks"][0]["groups"][1]["up_kb"],
        "1000.5"
    );
}
