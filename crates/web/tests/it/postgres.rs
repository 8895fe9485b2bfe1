//! The dashboard over PostgreSQL shows what it shows over SQLite.

use storage::{Location, OpenMode, Store};

use crate::world::*;

#[tokio::test(flavor = "multi_thread")]
async fn every_view_and_download_is_the_same_over_postgresql() {
    let (_dir, path) = database().await;
    let pg = tokio::task::spawn_blocking(|| test_support::postgres::PgServer::get().database())
        .await
        .unwrap();
    let location = Location::parse(&pg.url()).unwrap();
    {
        let source = Store::open_read_only(&path).await.unwrap();
        let target = Store::connect(&location, OpenMode::Create).await.unwrap();
        storage::copy_database(&source, &target)
            .await
            .expect("copied");
        source.close().await;
        target.close().await;
    }
    let sqlite = serve(&path, None).await;
    let postgres = serve_store(
        Store::connect(&location, OpenMode::ReadOnly).await.unwrap(),
        None,
    )
    .await;
    let q = "period=custom&from=2026-11-09&to=2026-11-28";
    let group = |i: usize| format!("/groups/{}?{q}", enc(GROUPS[i]));
    let mut views = vec![
        format!("/?{q}"),
        format!("/?period=last-week"),
        format!("/networks/N_1?{q}"),
        group(0),
        group(1),
        "/periods?period=last-month&periods=3".to_string(),
    ];
    for v in views.clone() {
        views.push(format!("{v}&format=csv"));
        views.push(format!("{v}&format=json"));
    }
    for v in &views {
        let a = get(&sqlite, v).await;
        let b = get(&postgres, v).await;
        assert_eq!(a.0, 200, "{v}");
        assert_eq!((a.0, &a.2), (b.0, &b.2), "{v} differs between the backends");
    }
    let (status, _, syncs) = get(&postgres, "/syncs?format=json").await;
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(&syncs).unwrap();
    assert_eq!(doc["database"]["kind"], "PostgreSQL");
    assert!(
        !syncs.contains(
            pg.url()
                .split('@')
                .next()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
        ),
        "no password"
    );
    postgres.store.close().await;
}
