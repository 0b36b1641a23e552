//! The plain block YAML scanner (`kube::plain`), for each document of any UTF-8 input: where
//! it takes a text, libyaml gives the very same events, (line, column) marks and event starts,
//! and saphyr-parser (the tool's validation) accepts the text; checking and reading take the
//! same texts. No panic, no hang.
#![no_main]
use clearml_sso::kube::libyaml::{Event, Parser};
use clearml_sso::kube::plain;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for doc in clearml_sso::stream::split(text) {
        let text = doc.parse_text();
        // As Kubernetes' reading hands texts over: each line ends in a line feed.
        let read = if text.is_empty() || text.ends_with('\n') {
            text.to_string()
        } else {
            format!("{text}\n")
        };
        let checked = plain::check(text);
        let events = plain::events(&read);
        assert_eq!(checked, events.is_some(), "check and events differ");
        if checked {
            assert!(
                clearml_sso::yaml::validate(text).is_ok(),
                "saphyr refuses it"
            );
        }
        let Some(events) = events else {
            continue;
        };
        let mut parser = Parser::new(&read);
        for (i, got) in events.iter().enumerate() {
            let (event, line, column) = parser
                .next_event()
                .unwrap_or_else(|e| panic!("libyaml refuses it at event {i}: {e:?}"));
            assert_eq!(
                got,
                &(event, line, column, parser.event_start()),
                "event {i}"
            );
        }
        assert_eq!(events.last().map(|e| &e.0), Some(&Event::StreamEnd));
    }
});
