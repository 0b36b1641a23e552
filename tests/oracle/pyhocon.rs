//! `clearml_sso::pyhocon` against pyhocon 0.3.63 itself (tests/oracles/pyhocon_oracle.py), on
//! the text ClearML's loader builds for each `CLEARML__…` variable, `"{path}: {value}"`, with
//! generated values weighted to HOCON syntax. Same tree, or both fail. Also: `quote(v)` read
//! back by pyhocon and by the reader is exactly `v`. And the findings' reading of each value
//! (`clearml_env::reading`: the one value at the path, other keys, absent, fails) is what
//! pyhocon's tree says. Every disagreement found is kept in tests/fixtures/pyhocon/ and
//! replayed by `fixtures_replay` (no Python needed).

use clearml_sso::clearml_env::{self, Reading};
use clearml_sso::pyhocon::{self, Duration, Value};
use serde_json::{json, Value as Json};
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

const DEFAULT_SEED: u64 = 17;
const DEFAULT_COUNT: usize = 200_000;
const QUOTE_EVERY: usize = 8;
/// Every this many cases is of (or near) the plain shape the reader has a shortcut for.
const PLAIN_EVERY: usize = 4;
/// The least share of cases that must take the shortcut (`pyhocon::takes_shortcut`), so the
/// differential keeps proving it.
const MIN_SHORTCUT_SHARE: f64 = 0.05;

/// The ClearML paths the generated values are written under (lower-cased, as the loader
/// builds them from the variable's name).
const PATHS: &[&str] = &[
    "secure.login.sso.oauth_client.keycloak.client_secret",
    "secure.login.sso.oauth_client.google.client_id",
    "services.login.sso.oauth_client.keycloak.base_url",
    "services.login.sso.saml.idp_metadata_url",
    "services.webhooks.url",
    "secure.auth.token_secret",
    "apiserver.auth.fixed_users.enabled",
];

/// The reader's answer in the oracle's tagged form (floats as their bits, see `normalize`).
fn tagged(r: &Result<Value, pyhocon::Error>) -> Json {
    match r {
        Ok(v) => tag(v),
        Err(e) => json!({ "error": format!("{e:?}") }),
    }
}

pub(crate) fn tag(v: &Value) -> Json {
    match v {
        Value::Object(items) => {
            json!({ "object": items.iter().map(|(k, v)| json!([k, tag(v)])).collect::<Vec<_>>() })
        }
        Value::List(items) => json!({ "list": items.iter().map(tag).collect::<Vec<_>>() }),
        Value::String(s) => json!({ "str": s }),
        Value::Int(i) => json!({ "int": i }),
        Value::Float(f) => json!({ "float_bits": f.to_bits().to_string() }),
        Value::Bool(b) => json!({ "bool": b }),
        Value::Null => json!({ "null": true }),
        Value::Duration(Duration::Relative(f)) => json!({ "relativedelta": f }),
        Value::Duration(Duration::Timedelta {
            days,
            seconds,
            microseconds,
        }) => {
            json!({ "timedelta": [days.to_string(), seconds.to_string(), microseconds.to_string()] })
        }
        Value::Unresolved => json!({ "unresolved": "?" }),
    }
}

/// The oracle's answer with each float as its bits (Python's repr and Rust's parse agree on
/// the value; the text differs).
pub(crate) fn normalize(j: &Json) -> Json {
    match j {
        Json::Object(m) => {
            if let Some(Json::String(f)) = m.get("float") {
                let x: f64 = f.parse().unwrap_or(f64::NAN);
                return json!({ "float_bits": x.to_bits().to_string() });
            }
            if let Some(Json::String(u)) = m.get("unresolved") {
                let _ = u;
                return json!({ "unresolved": "?" });
            }
            Json::Object(m.iter().map(|(k, v)| (k.clone(), normalize(v))).collect())
        }
        Json::Array(a) => Json::Array(a.iter().map(normalize).collect()),
        j => j.clone(),
    }
}

fn has_unresolved(j: &Json) -> bool {
    match j {
        Json::Object(m) => m.contains_key("unresolved") || m.values().any(has_unresolved),
        Json::Array(a) => a.iter().any(has_unresolved),
        _ => false,
    }
}

fn is_error(j: &Json) -> bool {
    j.get("error").is_some()
}

/// Same tree, or both fail.
fn agree(oracle: &Json, mine: &Json) -> bool {
    if is_error(oracle) || is_error(mine) {
        return is_error(oracle) && is_error(mine);
    }
    normalize(oracle) == *mine
}

/// What pyhocon's answer for `"{path}: {value}"` says ClearML holds for the variable: the one
/// value at the path (tagged), or `"other keys"` (a key besides the path, or an object at or
/// in a list at it), `"absent"`, `"fails"`.
fn oracle_reading(oracle: &Json, path: &str) -> Json {
    fn holds_object(j: &Json) -> bool {
        j.get("object").is_some()
            || j.get("list")
                .and_then(Json::as_array)
                .is_some_and(|items| items.iter().any(holds_object))
    }
    if is_error(oracle) {
        return json!("fails");
    }
    let mut node = normalize(oracle);
    let mut others = false;
    // The path's keys as pyhocon splits it (`a..b` is `a`, `b`), whose own splitting the
    // tree comparison checks.
    for segment in pyhocon::parse_key(path) {
        let Some(items) = node.get("object").and_then(Json::as_array).cloned() else {
            return json!("other keys");
        };
        let mut next = None;
        for item in items {
            if item[0] == segment {
                next = Some(item[1].clone());
            } else {
                others = true;
            }
        }
        match next {
            Some(v) => node = v,
            None if others => return json!("other keys"),
            None => return json!("absent"),
        }
    }
    if others || holds_object(&node) {
        json!("other keys")
    } else {
        node
    }
}

/// The findings' reading of `"{path}: {value}"` in [`oracle_reading`]'s words.
fn findings_reading(text: &str, env: &[(String, String)]) -> Json {
    let (path, value) = text.split_once(": ").expect("a generated `path: value`");
    let lookup = |k: &str| {
        env.iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
    };
    match clearml_env::reading(path, value, &lookup).reading {
        Reading::Fails(_) => json!("fails"),
        Reading::Absent => json!("absent"),
        r if r.sets_other_keys() => json!("other keys"),
        Reading::Value(v) => tag(&v),
        Reading::OtherKeys(_) => json!("other keys"),
    }
}

fn read(text: &str, env: &[(String, String)]) -> Result<Value, pyhocon::Error> {
    pyhocon::parse_with_env(text, env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

// ---- the generator ----

pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(crate) fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const SYNTAX: &[&str] = &[
    "\"", "\"\"\"", "\\", "\\\\", "\\\"", "\\n", "\\t", "\\u0041", "//", "#", ",", ":", "=", "+=",
    "{", "}", "[", "]", "${", "${?", " ", "  ", "\t", "\n", "\r", "\r\n", ".", "$", "?", "!", "@",
    "*", "&", "^", "`", "+", "-", "'", "(", ")", "/", "\\\n", "\\ ",
];
const KEYWORDS: &[&str] = &[
    "true",
    "false",
    "null",
    "TRUE",
    "False",
    "Null",
    "include",
    "include ",
    "url(",
    "file(",
    "required(",
    "yes",
    "no",
    "on",
    "off",
    "tru",
    "nul",
    "true-north",
    "null-x",
    "truex",
    "falsey",
    "true_",
    "true$",
    "trueı",
    "falſe",
    "include \"x\"",
    "include url(\"http://x\")",
    "true.x",
];
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "42",
    "-7",
    "+5",
    "1.5",
    ".5",
    "1e3",
    "1E-7",
    "123e4567",
    "1e999",
    "010",
    "0x10",
    "1_000",
    "٣",
    "١٢",
    "99999999999999999999999",
    "1.",
    "-0",
    "-0.0",
    "3.14e+2",
    "5.",
    "1.2.3",
    "12345678901234567890123456789012345678901234567890",
];
const UNITS: &[&str] = &[
    " days",
    "d",
    " ms",
    "ms",
    " s",
    "s",
    "mo",
    " months",
    " weeks",
    "w",
    "y",
    " years",
    "us",
    "ns",
    " nanoseconds",
    "h",
    "m",
    " minutes",
    "x",
    " day",
    "  hours",
    "millis",
    "micros",
];
const SPACES: &[&str] = &[
    "\u{a0}", "\u{2028}", "\u{3000}", "\u{1680}", "\u{1c}", "\u{0b}", "\u{0c}", "\u{85}",
    "\u{200b}", "\u{feff}", "\u{2009}", "\u{202f}",
];
const WORDS: &[&str] = &[
    "https://hooks.acme.test/",
    "https://sso.acme.test/auth/realms/x?a=1&b=2",
    "http://10.0.0.1:8080/path#frag",
    "secure.login.sso.oauth_client.keycloak.client_secret",
    "client_secret",
    "attacker",
    "s3cr3t-Value_123",
    "a b",
    "x.y",
    "é",
    "日本",
    "ab\"c",
    "key",
    "a.\"b.c\"",
    "ſ",
    "ı",
    "user@acme.test",
    "$(SECRET)",
    "~/.ssh",
    "C:\\dir",
];
const SUBSTS: &[&str] = &[
    "${X}",
    "${?X}",
    "${HOME}",
    "${?NOPE}",
    "${NOPE}",
    "${a}",
    "${secure.login}",
    "${ X }",
    "${?}",
    "${X.Y}",
    "${services}",
    "${?secure.auth.token_secret}",
    "${secure}",
    "${k}",
    "${services.webhooks.url}",
    "${?a.b}",
    "${.}",
    "${\"a.b\"}",
];
const STRUCTS: &[&str] = &[
    ", k: v",
    "\nk = 1",
    "{a: 1}",
    "[1, 2]",
    "{}",
    "[]",
    ", secure.login.sso.oauth_client.keycloak.client_secret: \"attacker\"",
    "\nsecure { x: 1 }",
    "\na.b += [3]",
    ", x += y",
    "[${X}]",
    "{a: ${?X}}",
    ", k: ${X}",
    "\nk: null",
    ", secure: null",
    ", \"a.b\": 1",
    " {b: 2}",
    " [3]",
    ", k += 1",
    ", k: [1], k += [2]",
    "\n# comment\n",
    "\n// c\nk: 2",
    ", a: ${secure}",
    "\nsecure.x: ${?secure.y}",
    ", k: {x: 1}, k2: ${k} {y: 2}",
    ", k: [1], k2: ${k} [2]",
    ", k: ${k2}, k2: ${k}",
    ", k: 1, k: ${k} 2",
    ", k += ${X}",
    ", k: {a: ${X}}, k.b: 2",
    ", k: null, k: ${?k}",
    ", k: ${?k} x",
    "\nk: 5 days, k2: ${k} x",
    ", k: true, k2: ${k} y",
    ", k: 1.5, k2: ${k}s",
    ", k: [${X}, ${?Y}]",
    ", k: {a: 1} {b: ${X}}",
    ", k.a: 1, k: ${k} {b: 2}",
    ", k: [1] [${X}]",
    ", k: {a: ${?NOPE}}",
    ", k: ${HOME}${X}",
    ", k: [${k2}], k2: {a: 1}",
    ", k: {a: [${X}]} {b: 1}",
    ", k: ${X} ${X}",
    ", k: 1, k += 2",
    ", k: [], k += [${X}]",
];
const ENV_VALUES: &[&str] = &[
    "y",
    "1",
    "true",
    "${Y}",
    "a b",
    "",
    "https://x/",
    "[1]",
    "{a: 1}",
    "null",
    "10 days",
    " x ",
];

fn secret(r: &mut Rng) -> String {
    const CH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-.~";
    let n = 8 + r.below(33);
    (0..n).map(|_| CH[r.below(CH.len())] as char).collect()
}

fn any_char(r: &mut Rng) -> char {
    match r.below(6) {
        0 => char::from_u32(0x20 + r.below(0x5f) as u32).unwrap_or('x'),
        1 => char::from_u32(0xa0 + r.below(0x160) as u32).unwrap_or('x'),
        2 => char::from_u32(0x2000 + r.below(0x70) as u32).unwrap_or('x'),
        3 => char::from_u32(r.below(0x20) as u32).unwrap_or('x'),
        4 => ['٣', '０', '日', 'ß', 'ﬀ', '\u{3000}'][r.below(6)],
        _ => char::from_u32(0x20 + r.below(0x5f) as u32).unwrap_or('x'),
    }
}

/// One generated value, weighted to HOCON syntax.
pub(crate) fn value(r: &mut Rng) -> String {
    if r.below(4) == 0 {
        // Realistic: a URL or a secret, sometimes with a hostile tail.
        let mut v = if r.below(2) == 0 {
            r.pick(WORDS).to_string()
        } else {
            secret(r)
        };
        if r.below(2) == 0 {
            v.push_str(r.pick(STRUCTS));
        }
        return v;
    }
    let mut v = String::new();
    for _ in 0..1 + r.below(9) {
        match r.below(22) {
            0..=3 => v.push_str(r.pick(SYNTAX)),
            4..=6 => v.push_str(r.pick(KEYWORDS)),
            7..=8 | 19..=21 => {
                v.push_str(r.pick(NUMBERS));
                if r.below(2) == 0 {
                    v.push_str(r.pick(UNITS));
                }
            }
            9 => v.push_str(r.pick(SPACES)),
            10..=11 => {
                v.push_str(r.pick(WORDS));
                v.push_str([" ", "", "", ""][r.below(4)]);
            }
            12..=13 => v.push_str(r.pick(SUBSTS)),
            14..=15 => v.push_str(r.pick(STRUCTS)),
            16 => v.push_str(&secret(r)),
            17 => v.push(any_char(r)),
            _ => {
                // A whole quoted string, sometimes triple quoted.
                let inner: String = (0..r.below(6)).map(|_| any_char(r)).collect();
                if r.below(3) == 0 {
                    v.push_str(&format!("\"\"\"{inner}\"\"\""));
                } else {
                    v.push_str(&pyhocon::quote(&inner));
                }
            }
        }
    }
    v
}

fn env(r: &mut Rng) -> Vec<(String, String)> {
    let mut e = vec![("HOME".to_string(), "/root".to_string())];
    for name in ["X", "Y", "X.Y", "a", "k", "secure"] {
        if r.below(3) == 0 {
            e.push((name.to_string(), r.pick(ENV_VALUES).to_string()));
        }
    }
    e
}

/// The string `quote` must give back: fragments of any kind, raw.
fn plain_string(r: &mut Rng) -> String {
    let mut v = String::new();
    for _ in 0..r.below(8) {
        match r.below(5) {
            0 => v.push_str(r.pick(SYNTAX)),
            1 => v.push_str(r.pick(KEYWORDS)),
            2 => v.push_str(r.pick(SPACES)),
            3 => v.push_str(r.pick(WORDS)),
            _ => v.push(any_char(r)),
        }
    }
    v
}

/// A text of the plain `path: value` shape the reader takes a shortcut for (`src/pyhocon/fast.rs`),
/// or a near miss of it: one character, part or separator away.
fn plain_shaped(r: &mut Rng) -> String {
    const PARTS: &[&str] = &[
        "a", "k", "0", "12", "x-y", "_", "-a", "Include", "includex", "INCLUDE", "secure", "login",
        "sso", "A", "true", "null", "1e3",
    ];
    const NEAR_PARTS: &[&str] = &["a b", "a\"b", "", "é", "a$", "a/b", "a#", "\"a.b\""];
    const SEPARATORS: &[&str] = &[
        ": ", ": ", ": ", ":", ":  ", " : ", " = ", "=", ":\t", ": \t",
    ];
    const KEYWORDISH: &[&str] = &[
        "true", "false", "null", "True", "TRUE", "nullable", "trueish", "falsey", "includes",
        "include", "nul", "tru", "fals", "Null", "yes", "NULL", "FALSE", "nulL", "x",
    ];
    const TAILS: &[&str] = &[
        " ", "s", " days", ".5", "e3", "x", ",", "\n", "٣", "//c", " //c", "#", "}", "]", "$",
        "\"", "\\", "\t", "\r", "-", ":", ".", "ı", "\u{a0}", " x",
    ];
    let path = if r.below(3) == 0 {
        r.pick(PATHS).to_string()
    } else {
        (0..1 + r.below(4))
            .map(|_| {
                if r.below(12) == 0 {
                    r.pick(NEAR_PARTS)
                } else {
                    r.pick(PARTS)
                }
            })
            .collect::<Vec<_>>()
            .join(".")
    };
    let mut v = match r.below(5) {
        0 => {
            let sign = ["", "", "-", "+"][r.below(4)];
            let zeros = "0".repeat([0, 0, 1, 3][r.below(4)]);
            let digits: String = (0..1 + r.below(25))
                .map(|_| char::from(b'0' + r.below(10) as u8))
                .collect();
            format!("{sign}{zeros}{digits}")
        }
        1 => r.pick(KEYWORDISH).to_string(),
        2 => {
            const CH: &[u8] =
                b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:";
            let first = CH[r.below(52)] as char;
            let rest: String = (0..r.below(20))
                .map(|_| CH[r.below(CH.len())] as char)
                .collect();
            format!("{first}{rest}")
        }
        3 => {
            let inner: String = (0..r.below(8)).map(|_| any_char(r)).collect();
            match r.below(8) {
                0 => format!("\"{inner}"),
                1 => format!("\"\"\"{inner}\"\"\""),
                _ => format!("\"{inner}\""),
            }
        }
        _ => r.pick(WORDS).to_string(),
    };
    if r.below(4) == 0 {
        let tail = r.pick(TAILS);
        if r.below(2) == 0 || v.is_empty() {
            v.push_str(tail);
        } else {
            let mut at = r.below(v.len());
            while !v.is_char_boundary(at) {
                at -= 1;
            }
            v.insert_str(at, tail);
        }
    }
    format!("{path}{}{v}", r.pick(SEPARATORS))
}

struct Case {
    text: String,
    env: Vec<(String, String)>,
    /// For a `quote` round trip: the string it must read as.
    quoted: Option<String>,
}

fn cases(seed: u64, count: usize) -> Vec<Case> {
    let mut r = Rng(seed);
    (0..count)
        .map(|i| {
            let path = r.pick(PATHS);
            if i % QUOTE_EVERY == QUOTE_EVERY - 1 {
                let s = plain_string(&mut r);
                Case {
                    text: format!("{path}: {}", pyhocon::quote(&s)),
                    env: vec![],
                    quoted: Some(s),
                }
            } else if i % PLAIN_EVERY == 1 {
                Case {
                    text: plain_shaped(&mut r),
                    env: env(&mut r),
                    quoted: None,
                }
            } else {
                let v = value(&mut r);
                Case {
                    text: format!("{path}: {v}"),
                    env: env(&mut r),
                    quoted: None,
                }
            }
        })
        .collect()
}

fn nested_string(path: &str, s: &str) -> Json {
    let mut v = json!({ "str": s });
    for k in path.rsplit('.') {
        v = json!({ "object": [[k, v]] });
    }
    v
}

pub(crate) fn python() -> String {
    std::env::var("CLEARML_SSO_PYTHON").unwrap_or_else(|_| {
        panic!(
            "CLEARML_SSO_PYTHON is not set: run `eval \"$(scripts/fetch-test-deps)\"` first \
             (it provides a Python with pyhocon 0.3.63)"
        )
    })
}

fn oracle_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/pyhocon_oracle.py")
}

/// Runs `lines` through one pyhocon oracle process; one answer per line, in order.
fn run_oracle(lines: Vec<String>) -> Vec<Json> {
    let mut command = Command::new(python());
    command.arg(oracle_script());
    super::run_oracle("pyhocon oracle", command, lines)
}

fn env_json(env: &[(String, String)]) -> Json {
    Json::Object(
        env.iter()
            .map(|(k, v)| (k.clone(), Json::String(v.clone())))
            .collect(),
    )
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn pyhocon_differential() {
    let seed: u64 = std::env::var("ORACLE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let count: usize = std::env::var("ORACLE_PYHOCON_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_COUNT);
    let cases = cases(seed, count);
    let lines: Vec<String> = cases
        .iter()
        .map(|c| json!({ "text": c.text, "env": env_json(&c.env) }).to_string())
        .collect();
    let started = Instant::now();
    // Two long-lived oracle processes, one per core.
    let half = lines.len() / 2;
    let (a, b) = (lines[..half].to_vec(), lines[half..].to_vec());
    let (mut answers, rest) = std::thread::scope(|s| {
        let other = s.spawn(move || run_oracle(b));
        let mine = run_oracle(a);
        (mine, other.join().expect("oracle thread"))
    });
    answers.extend(rest);
    let oracle_time = started.elapsed();

    let (mut same, mut both_fail, mut quoted_ok) = (0usize, 0usize, 0usize);
    let (mut refused_unresolved, mut readings_same) = (0usize, 0usize);
    let mut slowest = (std::time::Duration::ZERO, String::new());
    let mut disagreements: Vec<Json> = Vec::new();
    for (c, oracle) in cases.iter().zip(&answers) {
        let t0 = Instant::now();
        let mine = tagged(&read(&c.text, &c.env));
        let took = t0.elapsed();
        if took > slowest.0 {
            slowest = (took, c.text.clone());
        }
        let ok = match &c.quoted {
            Some(s) => {
                let path = c.text.split(": ").next().unwrap_or_default();
                let want = nested_string(path, s);
                let ok = normalize(oracle) == want && mine == want;
                quoted_ok += usize::from(ok);
                ok
            }
            None if mine == json!({ "error": "Unsupported" }) && has_unresolved(oracle) => {
                // A substitution copied into itself: pyhocon leaves ConfigValues objects in
                // the tree (ClearML would hold them as values); the reader refuses.
                refused_unresolved += 1;
                continue;
            }
            None => {
                // The findings read the variable as the proof does; only a text of the
                // loader's `"{path}: {value}"` shape is a variable's (as in the fixture replay).
                let path = c.text.split(": ").next().unwrap_or_default();
                let same_reading = !c.text.contains(": ")
                    || oracle_reading(oracle, path) == findings_reading(&c.text, &c.env);
                readings_same += usize::from(same_reading);
                agree(oracle, &mine) && same_reading
            }
        };
        if !ok {
            disagreements.push(json!({
                "text": c.text, "env": env_json(&c.env), "pyhocon": oracle, "reader": mine,
            }));
        } else if is_error(oracle) {
            both_fail += 1;
        } else {
            same += 1;
        }
    }
    let quote_checks = cases.iter().filter(|c| c.quoted.is_some()).count();
    let shortcut = cases
        .iter()
        .filter(|c| pyhocon::takes_shortcut(&c.text))
        .count();
    // Straight to stderr, past the test harness' capture: the counts are printed on success too.
    let summary = format!(
        "pyhocon differential: {} values, {same} same tree, {both_fail} both fail, {} disagree (seed {seed})\n\
         pyhocon differential: {refused_unresolved} refused by the reader where pyhocon leaves unresolved objects in the tree\n\
         pyhocon quote round trips: {quoted_ok} of {quote_checks} read back exactly\n\
         pyhocon differential: {shortcut} values read by the plain-shape shortcut\n\
         findings' reading (one value at the path, other keys, absent, fails): {readings_same} as pyhocon's tree says\n\
         pyhocon oracle time: {:.1} s for {} values ({:.0} values/s over 2 processes); \
         the reader's slowest value: {:.1} ms\n",
        cases.len(),
        disagreements.len(),
        oracle_time.as_secs_f64(),
        cases.len(),
        cases.len() as f64 / oracle_time.as_secs_f64(),
        slowest.0.as_secs_f64() * 1000.0
    );
    std::io::stderr()
        .write_all(summary.as_bytes())
        .expect("write the summary");
    let dump = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pyhocon-disagreements.jsonl");
    let _ = std::fs::remove_file(&dump);
    if !disagreements.is_empty() {
        let text: String = disagreements.iter().map(|d| format!("{d}\n")).collect();
        std::fs::write(&dump, text).expect("write the disagreements");
        for d in disagreements.iter().take(5) {
            println!("disagreement: {d}");
        }
        panic!(
            "{} disagreements with pyhocon (all in {})",
            disagreements.len(),
            dump.display()
        );
    }
    assert!(
        shortcut as f64 >= MIN_SHORTCUT_SHARE * cases.len() as f64,
        "only {shortcut} of {} values took the reader's shortcut: the generator no longer proves it",
        cases.len()
    );
}

/// Every disagreement ever found, replayed without Python: the fixture holds the text, the
/// environment and pyhocon's answer as the oracle printed it.
#[test]
fn fixtures_replay() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pyhocon");
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/pyhocon")
        .map(|e| e.expect("fixture entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let f: Json = serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture"))
            .expect("fixture JSON");
        let text = f["text"].as_str().expect("fixture text");
        let env: Vec<(String, String)> = f["env"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let mine = tagged(&read(text, &env));
        assert!(
            agree(&f["pyhocon"], &mine),
            "{}: pyhocon gives {} and the reader {mine}",
            path.display(),
            f["pyhocon"]
        );
        if !has_unresolved(&f["pyhocon"]) && text.contains(": ") {
            let p = text.split(": ").next().unwrap_or_default();
            assert_eq!(
                oracle_reading(&f["pyhocon"], p),
                findings_reading(text, &env),
                "{}: the findings' reading",
                path.display()
            );
        }
        n += 1;
    }
    assert!(n > 0, "no fixtures in {}", dir.display());
}
