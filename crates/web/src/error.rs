//! Why a request got no view, as the page it gets instead.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A request that cannot be answered with its view.
#[derive(Debug)]
pub(crate) enum WebError {
    /// A query parameter that is unknown, repeated or malformed: 400 naming it.
    BadParameter {
        /// The parameter's name.
        name: String,
        /// What is wrong with it, and what is expected.
        problem: String,
    },
    /// No such network, group or page: 404.
    NotFound(String),
    /// The database did not answer: 503 (details logged, not shown).
    Unavailable(String),
}

impl WebError {
    pub(crate) fn bad(name: &str, problem: impl Into<String>) -> WebError {
        WebError::BadParameter {
            name: name.to_string(),
            problem: problem.into(),
        }
    }
}

impl From<storage::Error> for WebError {
    fn from(e: storage::Error) -> WebError {
        WebError::Unavailable(e.to_string())
    }
}

impl From<usage_sync::Error> for WebError {
    fn from(e: usage_sync::Error) -> WebError {
        WebError::Unavailable(e.to_string())
    }
}

impl From<report_render::Error> for WebError {
    fn from(e: report_render::Error) -> WebError {
        // Rendering into memory fails only on a bug; the database is what the user can check.
        WebError::Unavailable(format!("rendering failed: {e}"))
    }
}

/// The error with the base path its page links to.
pub(crate) struct ErrorPage<'a>(pub(crate) &'a str, pub(crate) WebError);

impl IntoResponse for ErrorPage<'_> {
    fn into_response(self) -> Response {
        let ErrorPage(base, error) = self;
        let (status, title, text) = match error {
            WebError::BadParameter { name, problem } => (
                StatusCode::BAD_REQUEST,
                "Bad request",
                format!("Query parameter {name:?}: {problem}."),
            ),
            WebError::NotFound(what) => (StatusCode::NOT_FOUND, "Not found", what),
            WebError::Unavailable(detail) => {
                tracing::error!("dashboard: database unavailable: {detail}");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Database unavailable",
                    "The database did not answer; try again in a moment. The reason is in the \
                     server's log."
                        .to_string(),
                )
            }
        };
        (status, crate::page::message_page(base, title, &text)).into_response()
    }
}
