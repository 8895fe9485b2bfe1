//! The dashboard's own files, embedded in the binary: one style sheet and one small script
//! (progressive enhancement only: every page works without it). Their URLs carry a digest of
//! their content, so browsers may cache them for good and still never see a stale one.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest as _, Sha256};

/// One embedded file.
pub(crate) struct Asset {
    /// `style.3f2a9c1d.css`: the name in URLs.
    pub(crate) name: String,
    content_type: &'static str,
    body: &'static [u8],
}

impl Asset {
    fn new(stem: &str, ext: &str, content_type: &'static str, body: &'static [u8]) -> Asset {
        let digest = Sha256::digest(body);
        let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        Asset {
            name: format!("{stem}.{short}.{ext}"),
            content_type,
            body,
        }
    }
}

/// The style sheet.
pub(crate) static STYLE: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "style",
        "css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/style.css"),
    )
});

/// The script.
pub(crate) static SCRIPT: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "enhance",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/enhance.js"),
    )
});

/// `GET /assets/{name}`.
pub(crate) async fn serve(Path(name): Path<String>) -> Response {
    for asset in [&*STYLE, &*SCRIPT] {
        if asset.name == name {
            let mut response = asset.body.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            );
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            return response;
        }
    }
    (
        StatusCode::NOT_FOUND,
        crate::page::message_page("", "Not found", "There is no such file."),
    )
        .into_response()
}
