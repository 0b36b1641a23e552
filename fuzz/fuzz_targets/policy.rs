//! The policy parser: never a panic, and what it accepts can be explained and printed as values.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match clearml_sso::policy::parse(text, "fuzz.toml") {
        Ok(policy) => {
            let _ = clearml_sso::explain::explain(&policy);
            let _ = clearml_sso::explain::values(&policy);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
