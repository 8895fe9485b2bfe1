//! Shared helpers.

use std::time::Duration;

use meraki_client::{ApiKey, Client};
use wiremock::MockServer;

pub const KEY: &str = "0123456789abcdef-SECRET-KEY";

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

pub fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// A client for `base`, with fast retries so failing paths do not take seconds.
pub fn client_for(base: &str) -> Client {
    Client::builder()
        .api_key(ApiKey::new(KEY))
        .base_url(&format!("{base}/api/v1"))
        .unwrap()
        .retry_backoff(Duration::from_millis(5))
        .max_retries(3)
        .build()
        .unwrap()
}

pub fn client(server: &MockServer) -> Client {
    client_for(&server.uri())
}

/// Mounted last: any request no test expected fails loudly.
pub async fn catch_all(server: &MockServer) {
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(418).set_body_string("unexpected request"))
        .with_priority(u8::MAX)
        .expect(0)
        .named("catch-all")
        .mount(server)
        .await;
}

/// The error's `Display` and `Debug` must not contain the key.
pub fn assert_no_key(err: &meraki_client::Error) {
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(KEY), "key leaked: {shown}");
    assert!(!shown.contains("SECRET"), "key leaked: {shown}");
}
