//! The policy parser: never a panic, and what it accepts can be explained and printed as values,
//! or is refused by both alike (the check render makes before reading manifests).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match clearml_sso::policy::parse(text, "fuzz.toml") {
        Ok(policy) => {
            let explained = clearml_sso::explain::explain(&policy).is_ok();
            let values = clearml_sso::explain::values(&policy).is_ok();
            assert_eq!(explained, values, "explain and values judge a policy alike");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
