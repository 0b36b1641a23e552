//! The Kubernetes-faithful reader (`k8s_yaml`, after the stream split): for any UTF-8 input it
//! returns a reading or a refusal — no panic, no hang (libFuzzer's timeout) — and what it reads
//! is JSON that serde_json writes and reads back (no NaN or infinity, no stand-in for an
//! unwritable value left in it), the same on a second reading.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for doc in clearml_sso::stream::split(text) {
        let first = clearml_sso::k8s_yaml::read(doc.parse_text());
        assert_eq!(first, clearml_sso::k8s_yaml::read(doc.parse_text()));
        if let Ok(Some(value)) = first {
            let written = serde_json::to_string(&value).expect("JSON holds the reading");
            assert!(
                !written.contains("\\u0000clearml-sso"),
                "stand-in left: {written}"
            );
            serde_json::from_str::<serde_json::Value>(&written).expect("reads back");
        }
    }
});
