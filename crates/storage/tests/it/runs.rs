use usagestats_storage::{RunStatus, RunSummary};

use crate::fixture;

#[tokio::test]
async fn runs_are_recorded_from_start_to_finish() {
    let (_dir, store) = fixture().await;
    let first = store.begin_run().await.unwrap();
    let second = store.begin_run().await.unwrap();
    assert_ne!(first, second);
    let summary = RunSummary {
        status: RunStatus::Partial,
        calls: 120,
        retries: 3,
        rate_limited: 2,
        days_written: 58,
        error: Some("network N_9: HTTP 500".into()),
    };
    store.finish_run(first, &summary).await.unwrap();
    let runs = store.recent_runs(10).await.unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].id, second);
    assert_eq!(runs[0].status, RunStatus::Running);
    assert_eq!(runs[0].finished_at, None);
    assert_eq!(runs[0].pid, i64::from(std::process::id()));
    let done = &runs[1];
    assert_eq!(done.status, RunStatus::Partial);
    assert_eq!(
        (
            done.calls,
            done.retries,
            done.rate_limited,
            done.days_written
        ),
        (120, 3, 2, 58)
    );
    assert_eq!(done.error.as_deref(), Some("network N_9: HTTP 500"));
    assert!(done.finished_at.unwrap() >= done.started_at);
    assert!(
        store
            .finish_run(usagestats_storage::RunId(999), &summary)
            .await
            .is_err()
    );
}

/// A day written for a run is counted in the run at once, in the day's transaction: a run
/// that never finishes (its process killed) still shows what it committed.
#[tokio::test]
async fn days_written_count_as_they_commit() {
    let (_dir, store) = fixture().await;
    let run = store.begin_run().await.unwrap();
    for day in 1..=3 {
        store
            .write_day_in_run(run, &crate::day("N_1", crate::d(5, day), vec![]))
            .await
            .unwrap();
    }
    let runs = store.recent_runs(1).await.unwrap();
    assert_eq!(
        (runs[0].status, runs[0].days_written),
        (usagestats_storage::RunStatus::Running, 3)
    );
    // A day whose run does not exist is not written at all.
    let err = store
        .write_day_in_run(
            usagestats_storage::RunId(999),
            &crate::day("N_1", crate::d(5, 9), vec![]),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("999"), "{err}");
    assert!(
        !store
            .complete_days("N_1")
            .await
            .unwrap()
            .contains(&crate::d(5, 9))
    );
}
