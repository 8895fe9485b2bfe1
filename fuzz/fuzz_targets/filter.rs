//! Filter parser: never panics; whatever parses round-trips through Display.
#![no_main]

use libfuzzer_sys::fuzz_target;
use usage_model::Filter;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(filter) = Filter::parse(text) {
        let canonical = filter.to_string();
        assert_eq!(
            Filter::parse(&canonical).as_ref(),
            Ok(&filter),
            "{canonical}"
        );
    }
});
