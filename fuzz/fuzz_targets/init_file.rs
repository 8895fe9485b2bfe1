//! Init-file parser: never panics; the groups it yields round-trip through the `-g` form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use usage_model::{Groups, InitConfig};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(InitConfig {
        groups: Some(groups),
        ..
    }) = InitConfig::parse("fuzz", text)
    {
        let canonical = groups.to_string();
        assert_eq!(
            Groups::parse(&canonical).as_ref(),
            Ok(&groups),
            "{canonical}"
        );
    }
});
