use std::time::Duration;

use usagestats_storage::{Error, Store};

use crate::fixture;

#[tokio::test]
async fn a_second_sync_is_refused_while_the_first_holds_the_lock() {
    let (_dir, store) = fixture().await;
    let other = Store::open(store.path().unwrap()).await.unwrap();
    let held = store.try_lock_sync().await.unwrap();
    assert!(held.path().expect("a lock file").exists());
    let err = other.try_lock_sync().await.unwrap_err();
    match &err {
        Error::SyncInProgress { holder, .. } => {
            assert!(
                holder.contains(&format!("pid {}", std::process::id())),
                "{holder}"
            )
        }
        e => panic!("expected SyncInProgress, got {e}"),
    }
    assert!(err.to_string().contains("another sync is running"));
    let err = other
        .lock_sync_waiting(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SyncInProgress { .. }));
    drop(held);
    let again = other.try_lock_sync().await.unwrap();
    drop(again);
}

#[tokio::test]
async fn a_waiting_sync_gets_the_lock_when_the_first_ends() {
    let (_dir, store) = fixture().await;
    let held = store.try_lock_sync().await.unwrap();
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(held);
    });
    let got = store.lock_sync_waiting(Duration::from_secs(30)).await;
    release.await.unwrap();
    assert!(got.is_ok(), "{got:?}");
}

#[tokio::test]
async fn a_lock_left_by_a_killed_process_does_not_block_and_its_run_shows_aborted() {
    let (_dir, store) = fixture().await;
    let lock_path = format!("{}.lock", store.path().unwrap().display());
    // A process that held the lock and was SIGKILLed: the kernel released its flock, and its
    // note and its `running` run are all that is left.
    // `sleep` itself holds the locked descriptor, so killing it is killing the lock holder.
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg("exec 9>>\"$0\" && flock 9 && exec sleep 60")
        .arg(&lock_path)
        .spawn()
        .expect("sh and flock(1) from util-linux");
    let mut waited = 0;
    while store.try_lock_sync().await.is_ok() {
        // The child has not taken the lock yet.
        waited += 1;
        assert!(waited < 100, "child never took the lock");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stale = store.begin_run().await.unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let lock = store.try_lock_sync().await.unwrap();
    let runs = store.recent_runs(5).await.unwrap();
    let run = runs.iter().find(|r| r.id == stale).unwrap();
    assert_eq!(run.status, usagestats_storage::RunStatus::Aborted);
    drop(lock);
}
