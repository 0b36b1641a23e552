//! `clearml_sso::clearml::webserver` against the webserver's own `update_from_env.py`
//! (tests/oracles/webserver_oracle.py runs it as the entrypoint does) on generated
//! `WEBSERVER__*` environments: the same configuration.json, or both stop the container.
//! `ORACLE_SEED` (default 17) and `ORACLE_WEBSERVER_COUNT` (default 3,000) choose the run.

use super::pyhocon::{python, value, Rng};
use clearml_sso::clearml::webserver::{webserver_config, WebOutcome};
use serde_json::{json, Value as Json};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

const NAMES: &[&str] = &[
    "WEBSERVER__",
    "WEBSERVER__",
    "WEBSERVER__",
    "webserver__",
    "WEBSERVER_",
    "WEBSERVER____",
];
const PIECES: &[&str] = &[
    "SERVER_URL",
    "displayedServerUrls",
    "apiServer",
    "a",
    "A",
    "b",
    "",
    "_x",
    "Sso",
    "k",
    "q",
    "Q",
    "ÄÖ",
];
/// Values Python's JSON reads and this crate's reader may read differently (the port says
/// "unknown" for them).
const UNSURE: &[&str] = &[
    "NaN",
    "-Infinity",
    "1e400",
    "\"\\ud800\"",
    "12345678901234567890",
    "-0",
];
const VALUES: &[&str] = &[
    "\"x\"",
    "1",
    "1.5",
    "true",
    "null",
    "{\"a\": 1}",
    "[1, \"2\"]",
    "bare",
    "",
    " 1 ",
    "{\"a\":1,\"a\":2}",
    "\"tab\there\"",
    "\u{feff}1",
    "{\"k\": {\"q\": 5}}",
    "01",
    "1 2",
];

fn gen(r: &mut Rng) -> (Vec<(String, String)>, Option<Json>) {
    let mut env: Vec<(String, String)> = vec![("HOME".into(), "/root".into())];
    for _ in 0..r.below(6) {
        let mut name = r.pick(NAMES).to_string();
        for i in 0..1 + r.below(3) {
            if i > 0 {
                name.push_str(["__", "__", "___"][r.below(3)]);
            }
            name.push_str(r.pick(PIECES));
        }
        let v = match r.below(40) {
            0..=5 => value(r),
            6 => r.pick(UNSURE).to_string(),
            _ => r.pick(VALUES).to_string(),
        };
        if !env.iter().any(|(k, _)| *k == name) && !v.contains('\0') {
            env.push((name, v));
        }
    }
    let input = match r.below(6) {
        0 => Some(json!({"k": {"q": 0, "z": [1]}, "URL": "x", "a": {}})),
        1 => Some(json!({"k": {"q": 0, "Q": 1}})),
        _ => None,
    };
    (env, input)
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn webserver_differential() {
    let seed: u64 = std::env::var("ORACLE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(17);
    let count: usize = std::env::var("ORACLE_WEBSERVER_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3_000);
    let start = Instant::now();
    let mut r = Rng(seed);
    let cases: Vec<_> = (0..count).map(|_| gen(&mut r)).collect();
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/webserver_oracle.py");
    let mut child = Command::new(python())
        .arg(script)
        .env("PYTHONIOENCODING", "utf-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the webserver oracle");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let lines: Vec<String> = cases
        .iter()
        .map(|(env, input)| {
            json!({"env": env.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(), "input": input})
                .to_string()
        })
        .collect();
    let answers: Vec<Json> = std::thread::scope(|s| {
        s.spawn(move || {
            let mut w = std::io::BufWriter::new(&mut stdin);
            for l in lines {
                w.write_all(l.as_bytes()).expect("write");
                w.write_all(b"\n").expect("write");
            }
            w.flush().expect("write");
        });
        BufReader::new(stdout)
            .lines()
            .map(|l| {
                let l = l.expect("read");
                // Python writes a lone surrogate as an escape this reader refuses.
                serde_json::from_str(&l).unwrap_or_else(|_| json!({ "unreadable": l }))
            })
            .collect()
    });
    assert!(
        child.wait().expect("wait").success(),
        "the webserver oracle failed"
    );
    assert_eq!(
        answers.len(),
        count,
        "the oracle answered {} of {count}",
        answers.len()
    );
    let (mut same, mut both_stop, mut unknown) = (0, 0, 0);
    let mut bad = Vec::new();
    for ((env, input), oracle) in cases.iter().zip(&answers) {
        match (webserver_config(env, input.as_ref()), oracle) {
            (WebOutcome::Unknown(_), _) => unknown += 1,
            (WebOutcome::Config(c), o) if o.get("config") == Some(&c) => same += 1,
            (WebOutcome::Stops(_), o)
                if o.get("exit").is_some()
                    || o.get("error")
                        .is_some_and(|e| !e.as_str().unwrap_or("").starts_with("oracle:")) =>
            {
                both_stop += 1
            }
            (mine, o) => bad.push(format!(
                "env {env:?} input {input:?}\nmine {mine:?}\noracle {o}"
            )),
        }
    }
    println!(
        "clearml webserver differential: {count} cases, {same} same config, {both_stop} both stop, \
         {} disagree (seed {seed}); {unknown} unknown to the model; {:.1}s",
        bad.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(
        bad.is_empty(),
        "{} disagreements, first:\n{}",
        bad.len(),
        bad.iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n---\n")
    );
    assert!(
        same > count / 4 && both_stop > count / 20,
        "too little exercised"
    );
    assert!(unknown < count / 5, "too many unknown: {unknown}");
}
