use std::path::PathBuf;

use jiff::civil::Date;
use usage_model::Kb;
use usagestats_storage::{Error, Store, import_legacy};

pub fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/legacy/usagestats-v4.db")
}

/// `fixtures/legacy/expected-report.csv`: what the original report showed, per period,
/// network and group (computed by `make_legacy_db.py` the way the original's report did).
fn expected() -> Vec<(Date, Date, String, usize, String, i64, i64)> {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/legacy/expected-report.csv"),
    )
    .unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[3].to_string(),
                f[4].parse().unwrap(),
                f[5].to_string(),
                f[6].parse().unwrap(),
                f[7].parse().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_imported_database_reports_what_the_original_reported() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.db");
    let summary = import_legacy(&fixture_path(), &new).await.unwrap();
    assert_eq!(summary.organizations, 2);
    assert_eq!(summary.groups, 3);
    assert_eq!(summary.networks, 3, "{:?}", summary.skipped);
    assert!(
        summary.skipped.iter().any(|s| s.contains("N_99")),
        "{:?}",
        summary.skipped
    );
    assert!(
        summary
            .skipped
            .iter()
            .any(|s| s.contains("group ids that are not defined")),
        "{:?}",
        summary.skipped
    );
    // 40 days each, N_24329156 has a 4-day gap.
    assert_eq!(summary.days, 40 + 36 + 40);

    let store = Store::open(&new).await.unwrap();
    let settings = store.settings().await.unwrap().unwrap();
    assert_eq!(
        settings.groups,
        "Corporate=sub:10.10.0.0/16, vid:20; Guest=vname:guest; Rest=sub:0.0.0.0/0"
    );
    assert_eq!(settings.filter, "org:Acme Corp,dtype:mx");
    assert_eq!(
        settings.time_zone_mode,
        usagestats_storage::TimeZoneMode::Local
    );
    assert_eq!(
        store.group_names().await.unwrap(),
        ["Corporate", "Guest", "Rest"]
    );

    let expected = expected();
    assert_eq!(expected.len(), 27);
    for (start, end, net, position, group, up, down) in expected {
        let rows = store.report_rows(start, end).await.unwrap();
        let row = rows
            .iter()
            .find(|r| r.network_id == net && r.group_position == Some(position))
            .unwrap_or_else(|| panic!("no row for {net} group {position}"));
        assert_eq!(row.group_name.as_deref(), Some(group.as_str()));
        assert_eq!(
            (row.traffic.up, row.traffic.down),
            (Kb::from_kb(up), Kb::from_kb(down)),
            "{net} {group} {start} to {end}"
        );
        // Legacy days have no unmatched figures: no unmatched row is invented.
        assert!(rows.iter().all(|r| r.group_position.is_some()));
    }

    let gap = store
        .missing_days("2018-01-13".parse().unwrap(), "2018-01-16".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(gap.len(), 1);
    assert_eq!(gap[0].0, "N_24329156");
    assert_eq!(gap[0].2.len(), 4);
}

#[tokio::test]
async fn import_never_overwrites_and_rejects_what_is_not_legacy() {
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("existing.db");
    std::fs::write(&existing, b"").unwrap();
    let err = import_legacy(&fixture_path(), &existing).await.unwrap_err();
    assert!(matches!(err, Error::ImportTargetExists { .. }), "{err}");

    // A usagestats database is not a legacy one.
    let ours = dir.path().join("ours.db");
    Store::open(&ours).await.unwrap().close().await;
    let target = dir.path().join("target.db");
    let err = import_legacy(&ours, &target).await.unwrap_err();
    assert!(matches!(err, Error::NotLegacy { .. }), "{err}");
    assert!(!target.exists(), "a failed import must not leave a file");
}

#[tokio::test]
async fn the_legacy_file_is_only_read() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    std::fs::copy(fixture_path(), &old).unwrap();
    let before = std::fs::read(&old).unwrap();
    import_legacy(&old, &dir.path().join("new.db"))
        .await
        .unwrap();
    assert_eq!(std::fs::read(&old).unwrap(), before);
}
