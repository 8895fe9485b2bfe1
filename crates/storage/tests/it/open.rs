use storage::{Error, Store};

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
    let wal = std::path::PathBuf::from(format!("{}-wal", store.path().display()));
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
    assert!(msg.contains("usagestats import-legacy"), "{msg}");
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
    assert!(matches!(err, Error::CannotOpen { .. }), "{err}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
}
