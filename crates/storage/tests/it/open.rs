use usagestats_storage::{Error, Store};

#[tokio::test]
async fn a_fresh_file_gets_the_schema_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    let store = Store::open(&path).await.unwrap();
    let version = store.schema_version().await.unwrap();
    assert!(version > 0);
    assert_eq!(store.settings().await.unwrap(), None);
    store.upsert_organization("O_1", "Acme").await.unwrap();
    store.close().await;

    let again = Store::open_existing(&path).await.unwrap();
    assert_eq!(again.schema_version().await.unwrap(), version);
    let dump = {
        let mut out = Vec::new();
        again.dump(&mut out).await.unwrap();
        String::from_utf8(out).unwrap()
    };
    assert!(dump.contains("(\"O_1\", \"Acme\")"), "{dump}");
}

#[tokio::test]
async fn pragmas_are_wal_with_foreign_keys() {
    let (_dir, store) = crate::fixture().await;
    // An unknown network violates the foreign key: proves foreign_keys=ON on pool connections.
    let err = store
        .write_day(&crate::day("N_404", crate::d(1, 1), vec![]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    let wal = std::path::PathBuf::from(format!("{}-wal", store.path().unwrap().display()));
    assert!(wal.exists(), "WAL file expected next to the database");
}

#[tokio::test]
async fn open_existing_refuses_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.db");
    let err = Store::open_existing(&path).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert!(!path.exists());
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    let store = Store::open(&path).await.unwrap();
    let current = store.schema_version().await.unwrap();
    store.close().await;
    // What a future usagestats would have recorded after applying one more migration.
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (?1, 'from the future', 1, x'00', 0)",
        )
        .bind(current + 1)
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    }
    let err = Store::open(&path).await.unwrap_err();
    match &err {
        Error::NewerSchema {
            found, supported, ..
        } => {
            assert_eq!(*found, current + 1);
            assert_eq!(*supported, current);
        }
        other => panic!("expected NewerSchema, got {other}"),
    }
    assert!(err.to_string().contains("upgrade usagestats"));
}

#[tokio::test]
async fn a_legacy_database_asks_for_import_and_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    std::fs::copy(crate::legacy::fixture_path(), &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path).await.unwrap_err();
    assert!(matches!(err, Error::LegacyDatabase { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("usagestats -d NEW.db import-legacy"), "{msg}");
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "legacy file was modified"
    );
}

#[tokio::test]
async fn a_file_that_is_not_sqlite_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "these are not the tables you are looking for\n").unwrap();
    let err = Store::open(&path).await.unwrap_err();
    assert!(matches!(err, Error::NotADatabase { .. }), "{err}");
    assert!(err.to_string().contains("is not an SQLite database"));
}

#[tokio::test]
async fn an_unrelated_sqlite_database_gets_no_tables_added() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        use sqlx::Connection;
        let mut conn =
            sqlx::SqliteConnection::connect(&format!("sqlite:{}?mode=rwc", path.display()))
                .await
                .unwrap();
        sqlx::query("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let err = Store::open(&path).await.unwrap_err();
    assert!(matches!(err, Error::ForeignDatabase { .. }), "{err}");
}

#[tokio::test]
async fn a_path_in_a_missing_directory_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("usage.db");
    let err = Store::open(&path).await.unwrap_err();
    assert!(matches!(err, Error::MissingDirectory { .. }), "{err}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
}

/// Several processes' worth of opens (separate pools, started together) on one new file: all
/// succeed and every migration is recorded once. sqlx's SQLite migrator takes no lock, so
/// without serialization the second one fails with "table organizations already exists".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_opens_of_a_new_file_all_succeed_and_migrate_once() {
    for round in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("new-{round}.db"));
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(6));
        let opens: Vec<_> = (0..6)
            .map(|_| {
                let path = path.clone();
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    Store::open(&path).await
                })
            })
            .collect();
        let mut stores = Vec::new();
        for open in opens {
            stores.push(
                open.await
                    .unwrap()
                    .unwrap_or_else(|e| panic!("round {round}: {e}")),
            );
        }
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display()))
            .await
            .unwrap();
        let (rows, versions): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT version) FROM _sqlx_migrations")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(rows, versions);
        assert_eq!(
            stores[0].schema_version().await.unwrap(),
            stores[5].schema_version().await.unwrap()
        );
        pool.close().await;
        for s in stores {
            s.close().await;
        }
    }
}

/// After `close`, what was committed is in the main file: a copy of the `.db` alone (what a
/// naive backup takes) holds every row.
#[tokio::test]
async fn close_checkpoints_so_the_main_file_alone_holds_the_data() {
    let (dir, store) = crate::fixture().await;
    store
        .write_day(&crate::day("N_1", crate::d(3, 1), vec![]))
        .await
        .unwrap();
    let path = store.path().unwrap().to_path_buf();
    store.close().await;
    let wal = std::path::PathBuf::from(format!("{}-wal", path.display()));
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "the WAL is emptied"
    );
    let copy_dir = tempfile::tempdir().unwrap();
    let copy = copy_dir.path().join("copy.db");
    std::fs::copy(&path, &copy).unwrap();
    let copied = Store::open_read_only(&copy).await.unwrap();
    assert_eq!(
        copied.complete_days("N_1").await.unwrap().len(),
        1,
        "the day is in the main file"
    );
    copied.close().await;
    drop(dir);
}

/// A read-only store reads, and refuses to write.
#[tokio::test]
async fn a_read_only_store_reads_and_never_writes() {
    let (_dir, store) = crate::fixture().await;
    let path = store.path().unwrap().to_path_buf();
    store.close().await;
    let ro = Store::open_read_only(&path).await.unwrap();
    assert!(ro.is_read_only());
    assert_eq!(ro.networks().await.unwrap().len(), 3);
    let err = ro.upsert_organization("O_9", "New").await.unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    ro.close().await;
}

/// A directory or a device is named as such, not as a missing database.
#[tokio::test]
async fn a_directory_or_device_is_not_a_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open_existing(dir.path()).await.unwrap_err();
    assert!(matches!(err, Error::NotAFile { .. }), "{err}");
    assert!(err.to_string().contains("is a directory"), "{err}");
    let err = Store::open(std::path::Path::new("/dev/null"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

/// `backup_to` writes a complete copy to a new file, from a read-only store too, and never
/// overwrites a file.
#[tokio::test]
async fn a_backup_is_complete_and_never_overwrites() {
    let (dir, store) = crate::fixture().await;
    store
        .write_day(&crate::day("N_2", crate::d(4, 2), vec![]))
        .await
        .unwrap();
    // Taken while the writer is still open, with the day only in the WAL.
    let copy = dir.path().join("backup.db");
    store.backup_to(&copy).await.unwrap();
    let err = store.backup_to(&copy).await.unwrap_err();
    assert!(matches!(err, Error::BackupTargetExists { .. }), "{err}");
    let path = store.path().unwrap().to_path_buf();
    store.close().await;
    let backup = Store::open_read_only(&copy).await.unwrap();
    assert_eq!(backup.complete_days("N_2").await.unwrap().len(), 1);
    backup.close().await;
    let ro = Store::open_read_only(&path).await.unwrap();
    let second = dir.path().join("second.db");
    ro.backup_to(&second).await.unwrap();
    ro.close().await;
    assert!(second.exists());
    let err = Store::open_read_only(&path)
        .await
        .unwrap()
        .backup_to(&dir.path().join("no-such-dir/x.db"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MissingDirectory { .. }), "{err}");
}
