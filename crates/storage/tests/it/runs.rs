use storage::{RunStatus, RunSummary};

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
    assert_eq!(runs[0].status, "running");
    assert_eq!(runs[0].finished_at, None);
    assert_eq!(runs[0].pid, i64::from(std::process::id()));
    let done = &runs[1];
    assert_eq!(done.status, "partial");
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
            .finish_run(storage::RunId(999), &summary)
            .await
            .is_err()
    );
}
