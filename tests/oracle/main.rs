//! Differential tests of the tool's readers against the real ones they model, run as
//! long-lived oracle processes (`scripts/fetch-test-deps` provides them; the tests that need
//! them are ignored by a plain `cargo test`), and the replay of every disagreement ever found,
//! kept as a fixture and checked without the oracles.

mod e2e;
mod goyaml;
mod loader;
mod pyhocon;
mod webserver;

use serde_json::Value as Json;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

/// Runs `lines` through one oracle process started by `command` (one JSON request per line on
/// its stdin, one JSON answer per line on its stdout); the answers, in order. `what` names the
/// oracle in failures. Requests are written from a second thread, so that neither side waits
/// on a full pipe.
pub(crate) fn run_oracle(what: &str, mut command: Command, lines: Vec<String>) -> Vec<Json> {
    let mut child = command
        .env("PYTHONIOENCODING", "utf-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("start the {what}: {e}"));
    let mut stdin = child.stdin.take().expect("oracle stdin");
    let stdout = child.stdout.take().expect("oracle stdout");
    let n = lines.len();
    let answers = std::thread::scope(|s| {
        s.spawn(move || {
            let mut w = std::io::BufWriter::new(&mut stdin);
            for l in lines {
                w.write_all(l.as_bytes()).expect("write to the oracle");
                w.write_all(b"\n").expect("write to the oracle");
            }
            w.flush().expect("write to the oracle");
            drop(w);
            drop(stdin);
        });
        let mut out = Vec::with_capacity(n);
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("read from the oracle");
            out.push(serde_json::from_str::<Json>(&line).expect("the oracle writes JSON"));
        }
        out
    });
    let status = child.wait().expect("wait for the oracle");
    assert!(status.success(), "the {what} failed: {status}");
    assert_eq!(
        answers.len(),
        n,
        "the {what} answered {} of {n} inputs",
        answers.len()
    );
    answers
}

/// A count or seed from the environment variable `var` (a differential's `ORACLE_SEED`, ...),
/// else `default`; anything but a number stops the test.
pub fn env_number(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{var} must be a number, is {v:?}"))
        })
        .unwrap_or(default)
}
