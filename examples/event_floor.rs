//! The floor `bench/run` compares a render with: every event of a stream read by saphyr-parser,
//! the parser under the tool's editable tree and its validation of documents it passes through
//! (`src/yaml/parse.rs`), as a process like `clearml-sso` (read the file, parse, exit). Nothing
//! is built from the events: a render that did no more than check the stream is YAML would cost
//! this. Prints the number of documents.
//! Usage: cargo run --release --example event_floor -- FILE

use saphyr_parser::{Event, Parser};

fn main() {
    let path = std::env::args().nth(1).expect("usage: event_floor FILE");
    let text = std::fs::read_to_string(path).expect("readable UTF-8 file");
    let mut docs = 0usize;
    for item in Parser::new_from_str(&text) {
        let (event, _span) = item.expect("valid YAML");
        docs += usize::from(matches!(event, Event::DocumentStart(_)));
    }
    println!("{docs}");
}
