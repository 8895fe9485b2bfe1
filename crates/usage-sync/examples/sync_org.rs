//! Syncs one organization (or, without a name, every one the key sees) into a usagestats
//! database from another program, printing progress as it goes, then prints last week's
//! totals per group.
//!
//! ```sh
//! export MERAKI_DASHBOARD_API_KEY=...          # never on the command line
//! cargo run -p usage-sync --example sync_org -- usage.sqlite "Meraki Inc"
//! ```
//!
//! `MERAKI_BASE_URL` selects another API host (a region, or a `meraki-sim` on loopback).

use std::sync::atomic::{AtomicU64, Ordering};

use meraki_client::{ApiKey, Client};
use usage_model::{Filter, Groups, Period};
use usage_sync::{Progress, SyncConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(db) = args.next() else {
        return Err("usage: sync_org DATABASE [ORGANIZATION]".into());
    };
    let org = args.next();
    let mut builder = Client::builder().api_key(ApiKey::from_env()?);
    if let Ok(url) = std::env::var("MERAKI_BASE_URL") {
        builder = builder.base_url(&url)?;
    }
    let client = builder.build()?;

    let store = storage::Store::open(std::path::Path::new(&db)).await?;
    let groups = Groups::parse("Corporate=sub:10.0.0.0/8;Guests=sub:192.168.0.0/16;IPv6=sub:::/0")?;
    let filter = match &org {
        Some(name) => Filter::parse(&format!("org:{name}"))?,
        None => Filter::default(),
    };
    let config = SyncConfig::new(groups, filter);

    // Progress arrives from several tasks at once: a callback only counts and prints.
    let (planned, done) = (AtomicU64::new(0), AtomicU64::new(0));
    let progress = |event: &Progress| match event {
        Progress::Planned { calls } => planned.store(*calls, Ordering::Relaxed),
        Progress::MoreCalls { calls } => {
            planned.fetch_add(*calls, Ordering::Relaxed);
        }
        Progress::CallDone => {
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if n % 25 == 0 {
                eprintln!("{n} of {} calls", planned.load(Ordering::Relaxed));
            }
        }
        Progress::DayWritten { network_id, day } => eprintln!("stored {network_id} {day}"),
        _ => {}
    };
    let summary = usage_sync::sync(&client, &store, &config, &progress).await?;
    eprintln!(
        "{:?}: {} days written with {} calls (+{} bound reads)",
        summary.status, summary.days_written, summary.calls_done, summary.extra_reads
    );

    let today = jiff::Zoned::now().date();
    let range = Period::LastWeek.resolve(today);
    let report = usage_sync::build_report(&store, range, jiff::Timestamp::now()).await?;
    for (i, group) in report.groups.iter().enumerate() {
        println!("{:<12} {} kB", group.name, report.group_total(i).total());
    }
    store.close().await;
    Ok(())
}
