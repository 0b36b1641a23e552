//! The splitter: for any UTF-8 input, the documents join back to the input exactly, and
//! reading a document's identity or replacing its body never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let docs = clearml_sso::stream::split(text);
    assert_eq!(docs.iter().map(|d| d.raw).collect::<String>(), text);
    for (i, d) in docs.iter().enumerate() {
        assert_eq!(d.index, i);
        let _ = d.quick_identity();
        let _ = d.with_body("kind: X\n");
    }
});
