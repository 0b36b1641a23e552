//! The pyhocon reader: never a panic, never a stack overflow or a hang (nesting is bounded and
//! fails as pyhocon's recursion does), and `quote(s)` read back is exactly `s`.
#![no_main]
use clearml_sso::pyhocon::{self, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let env = |k: &str| match k {
        "X" => Some("${Y} [1]".to_string()),
        "HOME" => Some("/root".to_string()),
        _ => None,
    };
    if mode % 2 == 0 {
        // Any text, as ClearML builds it from a variable's value.
        if let Err(e) = pyhocon::parse(&format!("secure.x: {text}"), &env) {
            let _ = e.to_string();
        }
        let _ = pyhocon::parse(text, &env);
    } else {
        let read = pyhocon::parse(&format!("secure.x: {}", pyhocon::quote(text)), &env);
        let want = Value::Object(vec![(
            "secure".into(),
            Value::Object(vec![("x".into(), Value::String(text.into()))]),
        )]);
        assert_eq!(
            read,
            Ok(want),
            "quote() must read back as the string itself"
        );
    }
});
