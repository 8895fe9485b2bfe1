//! Lists every client of a network with its usage over the last day, page by page.
//!
//! ```sh
//! export MERAKI_DASHBOARD_API_KEY=...          # never on the command line
//! cargo run -p meraki-client --example list_clients -- [NETWORK_ID]
//! ```
//!
//! Without a network id it takes the first network of the first organization. Set
//! `MERAKI_BASE_URL` to use another API host (a region, or a `meraki-sim` on loopback).

use futures::TryStreamExt as _;
use meraki_client::{ApiKey, Client, ClientWindow};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = Client::builder().api_key(ApiKey::from_env()?);
    if let Ok(url) = std::env::var("MERAKI_BASE_URL") {
        builder = builder.base_url(&url)?;
    }
    let client = builder.build()?;

    let network_id = match std::env::args().nth(1) {
        Some(id) => id,
        None => {
            let org = client
                .organizations()
                .await?
                .into_iter()
                .next()
                .ok_or("the key sees no organization")?;
            client
                .organization_networks(&org.id)
                .await?
                .into_iter()
                .next()
                .ok_or("the organization has no network")?
                .id
        }
    };

    // 1000 clients per request; each page is one request, paced by the client.
    let window = ClientWindow::Timespan(std::time::Duration::from_secs(86_400));
    let mut pages = std::pin::pin!(client.network_clients_pages(&network_id, window, 1000));
    let (mut clients, mut requests) = (0usize, 0usize);
    while let Some(page) = pages.try_next().await? {
        requests += 1;
        for c in &page.items {
            clients += 1;
            println!(
                "{:<12} {:<17} {:<15} sent {:>12} kB  recv {:>12} kB  {}",
                c.id,
                c.mac.as_deref().unwrap_or("-"),
                c.ip.as_deref().unwrap_or("-"),
                c.usage.sent,
                c.usage.recv,
                c.description.as_deref().unwrap_or("")
            );
        }
    }
    eprintln!("{clients} clients of {network_id} in {requests} requests");
    Ok(())
}
