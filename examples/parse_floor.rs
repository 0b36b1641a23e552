//! The second floor of the benchmark (`bench/run`; the first is `event_floor`): a bare
//! `serde_yaml` parse of every document of a stream into `serde_yaml::Value`, as a process like
//! `clearml-sso` (read the file, parse, exit).
//! Usage: cargo run --release --example parse_floor -- FILE

use serde::Deserialize;

fn main() {
    let path = std::env::args().nth(1).expect("usage: parse_floor FILE");
    let text = std::fs::read_to_string(path).expect("readable UTF-8 file");
    let mut docs = 0usize;
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let value = serde_yaml::Value::deserialize(doc).expect("valid YAML");
        docs += usize::from(!value.is_null());
    }
    println!("{docs}");
}
