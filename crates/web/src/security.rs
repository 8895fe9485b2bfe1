//! Headers every answer carries, and the last line of defence against a panic.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// Scripts and styles only from the dashboard's own embedded files (no inline script, no
/// inline style), images only as inline SVG or `data:` (none are fetched), no frames, forms
/// only back to the dashboard.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// Wraps `router` with the security headers, gzip for clients that accept it (a view of a
/// thousand networks is mostly repeated markup) and a panic handler.
pub(crate) fn wrap(router: Router) -> Router {
    let fixed: [(HeaderName, &'static str); 6] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
    ];
    // Innermost, so a panic's page still gets the headers below.
    let mut router = router.layer(CatchPanicLayer::custom(panicked));
    for (name, value) in fixed {
        router = router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
        // Pages show the database as it is now; assets set their own long-lived caching.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(CompressionLayer::new())
}

/// A handler panicked (a bug): the client gets a page saying so, the server keeps running.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a dashboard request panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        crate::page::message_page(
            "",
            "Internal error",
            "This page failed; the error is logged.",
        ),
    )
        .into_response()
}
