//! The access check: with a token configured, every request but `/healthz` carries it, as the
//! password of HTTP Basic authentication (what a browser prompts for) or as a bearer token.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use base64::Engine as _;

use crate::options::AccessToken;

/// What the access check needs: the token, if any, and where the pages live (for the link on
/// its 401 page).
#[derive(Clone)]
pub(crate) struct Gate {
    pub(crate) token: Option<AccessToken>,
    pub(crate) base: String,
}

/// Middleware: passes the request on when no token is configured or the request carries it;
/// otherwise answers 401 with a Basic challenge, so a browser asks for the password.
pub(crate) async fn require_token(
    State(gate): State<Gate>,
    request: Request,
    next: Next,
) -> Response {
    let Some(token) = &gate.token else {
        return next.run(request).await;
    };
    if presented(request.headers()).is_some_and(|candidate| token.matches(&candidate)) {
        return next.run(request).await;
    }
    let mut response = (
        StatusCode::UNAUTHORIZED,
        crate::page::message_page(
            &gate.base,
            "Access token needed",
            "This dashboard needs its access token: give it as the password (any user name).",
        ),
    )
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"usagestats\", charset=\"UTF-8\""),
    );
    response
}

/// The secret a request presents: the password of `Authorization: Basic`, or the token of
/// `Authorization: Bearer`.
fn presented(headers: &HeaderMap) -> Option<Vec<u8>> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, rest) = split_scheme(value)?;
    if scheme.eq_ignore_ascii_case(b"bearer") {
        return Some(rest.to_vec());
    }
    if scheme.eq_ignore_ascii_case(b"basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()?;
        let colon = decoded.iter().position(|b| *b == b':')?;
        return Some(decoded[colon + 1..].to_vec());
    }
    None
}

fn split_scheme(value: &[u8]) -> Option<(&[u8], &[u8])> {
    let space = value.iter().position(|b| *b == b' ')?;
    let rest = &value[space + 1..];
    let start = rest.iter().position(|b| *b != b' ')?;
    Some((&value[..space], &rest[start..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn basic_passwords_and_bearer_tokens_are_read() {
        // "admin:s3cret:with:colons"
        let basic = base64::engine::general_purpose::STANDARD.encode("admin:s3cret:with:colons");
        assert_eq!(
            presented(&headers(&format!("Basic {basic}"))).as_deref(),
            Some(&b"s3cret:with:colons"[..])
        );
        assert_eq!(
            presented(&headers("bearer   tok")).as_deref(),
            Some(&b"tok"[..])
        );
        assert_eq!(presented(&headers("Basic !!!")), None);
        assert_eq!(presented(&headers("Digest x")), None);
        assert_eq!(presented(&HeaderMap::new()), None);
    }
}
