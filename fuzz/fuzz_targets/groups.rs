//! Groups parser: never panics; whatever parses round-trips through Display.
#![no_main]

use libfuzzer_sys::fuzz_target;
use usage_model::Groups;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(groups) = Groups::parse(text) {
        let canonical = groups.to_string();
        assert_eq!(
            Groups::parse(&canonical).as_ref(),
            Ok(&groups),
            "{canonical}"
        );
    }
});
