//! The Kubernetes-faithful reader (`k8s_yaml`, after the stream split): for any UTF-8 input it
//! returns a reading or a refusal — no panic, no hang (libFuzzer's timeout) — and what it reads
//! is JSON that serde_json writes and reads back (no NaN or infinity, no stand-in for an
//! unwritable value left in it unless the text spelled one), the same on a second reading.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// A stand-in the reader uses for what Go's JSON writing refuses (a NUL, then its name).
fn has_stand_in(v: &Value) -> bool {
    let marked = |s: &str| s.starts_with("\u{0}clearml-sso");
    match v {
        Value::String(s) => marked(s),
        Value::Array(a) => a.iter().any(has_stand_in),
        Value::Object(o) => o.iter().any(|(k, v)| marked(k) || has_stand_in(v)),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for doc in clearml_sso::stream::split(text) {
        let first = clearml_sso::k8s_yaml::read(doc.parse_text());
        assert_eq!(first, clearml_sso::k8s_yaml::read(doc.parse_text()));
        if let Ok(Some(value)) = first {
            // A NUL comes only from an escape (`"\0"`): text without `\` cannot spell one.
            assert!(
                !has_stand_in(&value) || text.contains('\\'),
                "stand-in left: {value:?}"
            );
            let written = serde_json::to_string(&value).expect("JSON holds the reading");
            serde_json::from_str::<Value>(&written).expect("reads back");
        }
    }
});
