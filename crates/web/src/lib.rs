//! The usagestats dashboard: an [`axum::Router`] over a usagestats database.
//!
//! [`router`] serves server-rendered HTML views of the stored history — an overview of a
//! period with each group per day, one network, one group with its largest clients, several
//! billing cycles or months side by side, and the recent syncs — with SVG charts drawn on the
//! server, a table for every chart, and a CSV and JSON download of what each view shows.
//! Every view's state is in its URL, so a link reproduces it. `/healthz` answers service
//! managers. The CLI's `usagestats serve` composes it; another Rust service can mount it.
//!
//! **Invariants:** the dashboard only reads (no request changes the database, and it never
//! calls the Dashboard API); every asset is embedded in the binary, so no request leaves the
//! machine; every name read from the database is HTML-escaped (maud escapes every splice);
//! pages carry a `Content-Security-Policy` without inline script; bad query parameters get a
//! 400 page naming the parameter, an unknown network or group a 404, a database that went
//! away a 503.
//!
//! ```
//! use usagestats_web::{AccessToken, Options, router};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let store = storage::Store::open(&dir.path().join("usage.db")).await?;
//! // Reads "today" (for "last week", billing cycles…) from this clock; the system clock by
//! // default. An access token is needed on any address but loopback.
//! let options = Options::new()
//!     .clock(usage_sync::Clock::fixed("2026-11-29T12:00:00Z".parse()?))
//!     .access_token(AccessToken::new("correct horse battery staple")?);
//! let app = axum::Router::new().nest("/usage", router(store, options));
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let address = listener.local_addr()?;
//! tokio::spawn(async move { axum::serve(listener, app).await });
//! let mut stream = tokio::net::TcpStream::connect(address).await?;
//! use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
//! stream
//!     .write_all(b"GET /usage/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
//!     .await?;
//! let mut answer = String::new();
//! stream.read_to_string(&mut answer).await?;
//! assert!(answer.starts_with("HTTP/1.1 200 OK"));
//! # Ok(())
//! # }
//! ```
//!
//! # Access
//!
//! Without an [`AccessToken`] every request is answered. With one, every request but
//! `/healthz` must carry it: as the password of HTTP Basic authentication (any user name; what
//! a browser asks for) or as `Authorization: Bearer TOKEN`. The token is kept only as its
//! SHA-256 digest and compared in constant time. [`check_listen_address`] is the rule the CLI
//! applies before it binds: loopback needs no token, any other address does.
//!
//! # Public dependencies
//!
//! [`axum`] (the [`axum::Router`] returned), `usagestats-storage`'s `Store` and `usage-sync`'s
//! `Clock` appear in this crate's API.
#![deny(missing_docs)]

mod access;
mod assets;
mod chart;
mod error;
mod options;
mod page;
mod query;
mod security;
mod views;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;

pub use options::{AccessToken, Error, MIN_TOKEN_CHARS, Options, Result, check_listen_address};

/// What every handler reads: the store and the options.
pub(crate) struct App {
    pub(crate) store: storage::Store,
    pub(crate) options: Options,
}

/// Shared state of the router's handlers.
pub(crate) type Shared = Arc<App>;

/// The dashboard over `store`: every view, the downloads, the embedded assets and `/healthz`,
/// with the security headers and, when `options` has a token, the access check.
///
/// The store should be opened read-only (`Store::connect(.., OpenMode::ReadOnly)`); the router
/// never writes either way. Mounted under a prefix with [`axum::Router::nest`], tell the
/// options that prefix ([`Options::base_path`]) so the pages link within it.
pub fn router(store: storage::Store, options: Options) -> Router {
    let gate = access::Gate {
        token: options.required_token().cloned(),
        base: options.base().to_string(),
    };
    let app: Shared = Arc::new(App { store, options });
    let views = Router::new()
        .route("/", get(views::overview::page))
        .route("/networks/{id}", get(views::network::page))
        .route("/groups/{name}", get(views::group::page))
        .route("/periods", get(views::periods::page))
        .route("/syncs", get(views::syncs::page))
        .route("/assets/{name}", get(assets::serve))
        .fallback(views::not_found)
        .layer(axum::middleware::from_fn_with_state(
            gate,
            access::require_token,
        ));
    security::wrap(
        Router::new()
            .route("/healthz", get(views::healthz))
            .merge(views)
            .with_state(app),
    )
}

/// Serves [`router`] on `listener` until `shutdown` completes, then finishes the requests in
/// flight. What the CLI's `usagestats serve` runs.
///
/// # Errors
/// Accepting connections failed.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: storage::Store,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(store, options))
        .with_graceful_shutdown(shutdown)
        .await
}
