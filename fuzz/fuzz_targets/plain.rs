//! The plain block YAML scanner (`kube::plain`), for each document of any UTF-8 input: where
//! it takes a text, libyaml gives the very same events, (line, column) marks and event starts,
//! and saphyr-parser (the tool's validation) accepts the text; checking and reading take the
//! same texts (`kube::plain::verdict`). No panic, no hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for doc in clearml_sso::stream::split(text) {
        let text = doc.parse_text();
        if let Err(why) = clearml_sso::kube::plain::verdict(text) {
            panic!("{why}: {text:?}");
        }
    }
});
