//! `Link`-header pagination (RFC 8288, as Meraki sends it).

use http::HeaderMap;
use http::header::LINK;
use url::Url;

/// One page of a paginated listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The `rel=next` link, absent on the last page. Absolute; may point at a shard host.
    pub next: Option<Url>,
}

/// The `rel=next` URL of a `Link` header (all `Link` headers are searched).
///
/// Meraki sends `<url>; rel=next` with the relation unquoted; `rel="next"` and multi-valued
/// relations (`rel="next last"`) are accepted too. Relative URLs resolve against `base`.
pub fn next_link(headers: &HeaderMap, base: &Url) -> Option<Url> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| next_in(v, base))
}

fn next_in(header: &str, base: &Url) -> Option<Url> {
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>')?;
        let target = &after[..close];
        let params_end = after[close..].find('<').map_or(after.len(), |i| close + i);
        let params = &after[close + 1..params_end];
        if params.split(';').any(is_rel_next) {
            return base.join(target.trim()).ok();
        }
        rest = &after[params_end..];
    }
    None
}

fn is_rel_next(param: &str) -> bool {
    let Some((name, value)) = param.split_once('=') else {
        return false;
    };
    name.trim().eq_ignore_ascii_case("rel")
        && value
            .trim()
            .trim_end_matches(',')
            .trim()
            .trim_matches('"')
            .split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case("next"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn next(v: &str) -> Option<String> {
        let mut h = HeaderMap::new();
        h.insert(LINK, HeaderValue::from_str(v).unwrap());
        next_link(&h, &Url::parse("https://api.meraki.com/api/v1/x").unwrap()).map(String::from)
    }

    #[test]
    fn finds_next_among_first_next_last() {
        let h = "<https://api.meraki.com/api/v1/networks/N_1234/bluetoothClients?perPage=5&startingAfter=0>; rel=first, <https://api.meraki.com/api/v1/networks/N_1234/bluetoothClients?perPage=5&startingAfter=105>; rel=next, <https://api.meraki.com/api/v1/networks/N_1234/bluetoothClients?perPage=5&endingBefore=0>; rel=last";
        assert_eq!(
            next(h).as_deref(),
            Some(
                "https://api.meraki.com/api/v1/networks/N_1234/bluetoothClients?perPage=5&startingAfter=105"
            )
        );
    }

    #[test]
    fn no_next_on_the_last_page() {
        let h = "<https://n1.meraki.com/api/v1/organizations/1/devices?perPage=1000&startingAfter=0000-0000-0000>; rel=first, <https://n1.meraki.com/api/v1/organizations/1/devices?endingBefore=ZZZZ-ZZZZ-ZZZZ&perPage=1000>; rel=last";
        assert_eq!(next(h), None);
        assert_eq!(next("garbage"), None);
        assert_eq!(next("<unterminated; rel=next"), None);
    }

    #[test]
    fn quoted_and_multi_valued_rel() {
        assert_eq!(
            next(
                r#"<https://n1.meraki.com/a?b=1>; rel="prev", </api/v1/x?page=2>; rel="next last""#
            )
            .as_deref(),
            Some("https://api.meraki.com/api/v1/x?page=2")
        );
    }
}
