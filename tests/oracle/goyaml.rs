//! The tool's reading of a stream as Kubernetes reads it (`stream::split`, then
//! `k8s_yaml::read` per document) against go-yaml itself: the Go program in
//! `tests/oracles/goyaml` (apimachinery's YAML reader and `sigs.k8s.io/yaml` on go-yaml v2),
//! on generated streams weighted to what readers disagree on. Every disagreement found is kept
//! under `tests/fixtures/goyaml/` (`NAME.yaml`, and `NAME.json` the oracle's answer) and
//! replayed without Go by [`fixtures_replay`].

use clearml_sso::{k8s_yaml, stream};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One document as the oracle gave it.
#[derive(Debug, Clone, PartialEq)]
enum Doc {
    Json(Value),
    Refused(String),
    /// The tool's `read` and `readable` disagree: a disagreement with any answer.
    Inconsistent(String),
}

/// The oracle's answer for a stream: its documents, and whether the reader stopped it.
#[derive(Debug, Clone)]
struct Answer {
    docs: Vec<Doc>,
    stream_error: Option<String>,
}

fn parse_answer(line: &str) -> Answer {
    let v: Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("oracle line {line:?}: {e}"));
    let docs = v["docs"]
        .as_array()
        .unwrap_or_else(|| panic!("oracle line without docs: {line}"))
        .iter()
        .map(|d| {
            if let Some(e) = d.get("error").or(d.get("ambiguous")) {
                Doc::Refused(e.as_str().unwrap_or_default().to_string())
            } else if let Some(rest) = d.get("dropped") {
                // Read, but cut: what follows its first YAML document (after a `...` line)
                // Kubernetes drops without a word. The tool refuses such a document.
                Doc::Refused(format!(
                    "Kubernetes drops {}",
                    rest.as_str().unwrap_or_default()
                ))
            } else {
                // A document that is only comments has JSON `null`, which kubectl skips.
                Doc::Json(d.get("json").cloned().unwrap_or(Value::Null))
            }
        })
        .collect();
    Answer {
        docs,
        stream_error: v.get("error").and_then(Value::as_str).map(str::to_string),
    }
}

/// The tool's reading of a stream: each document's JSON or its refusal. A document is
/// accepted only if both `read` and `readable` (the verdict on a document the render passes
/// through, whose fast path builds nothing) accept it; where they differ, that is said.
fn tool_read(stream: &str) -> Vec<Doc> {
    stream::split(stream)
        .iter()
        .map(|d| {
            let text = d.parse_text();
            match (k8s_yaml::read(text), k8s_yaml::readable(text)) {
                (Ok(v), Ok(())) => Doc::Json(v.unwrap_or(Value::Null)),
                (Err(e), Err(_)) => Doc::Refused(e.to_string()),
                (Ok(_), Err(e)) => {
                    Doc::Inconsistent(format!("read takes it, readable refuses: {e}"))
                }
                (Err(e), Ok(())) => {
                    Doc::Inconsistent(format!("readable passes what read refuses: {e}"))
                }
            }
        })
        .collect()
}

/// How one stream compares: documents that read the same, that both refuse, that disagree.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Tally {
    same: usize,
    both_refuse: usize,
    disagree: usize,
}

/// Compares per document what Kubernetes acts on: documents whose JSON is `null` are
/// skipped by kubectl and Helm, so they are left out on both sides. When the reader stopped
/// the stream, or the two sides cut it differently, the stream is one unit: both must refuse.
fn compare(ours: &[Doc], theirs: &Answer) -> Tally {
    let keep = |d: &&Doc| !matches!(d, Doc::Json(Value::Null));
    let ours: Vec<&Doc> = ours.iter().filter(keep).collect();
    let docs: Vec<&Doc> = theirs.docs.iter().filter(keep).collect();
    let n = ours.len().max(docs.len()).max(1);
    let refused = |d: &[&Doc]| d.iter().any(|d| matches!(d, Doc::Refused(_)));
    if theirs.stream_error.is_some() || ours.len() != docs.len() {
        let both = refused(&ours) && (theirs.stream_error.is_some() || refused(&docs));
        return if both {
            Tally {
                both_refuse: n,
                ..Tally::default()
            }
        } else {
            Tally {
                disagree: n,
                ..Tally::default()
            }
        };
    }
    let mut t = Tally::default();
    for (a, b) in ours.iter().zip(&docs) {
        match (a, b) {
            (Doc::Refused(_), Doc::Refused(_)) => t.both_refuse += 1,
            (Doc::Json(x), Doc::Json(y)) if x == y => t.same += 1,
            _ => t.disagree += 1,
        }
    }
    t
}

/// A small deterministic generator (SplitMix64): the same seed gives the same streams.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "yes",
    "Yes",
    "YES",
    "yEs",
    "no",
    "No",
    "NO",
    "nO",
    "true",
    "True",
    "TRUE",
    "tRue",
    "false",
    "False",
    "FALSE",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
    "y",
    "Y",
    "n",
    "N",
    "~",
    "null",
    "Null",
    "NULL",
    "nULL",
    "",
    ".inf",
    ".Inf",
    ".INF",
    "+.inf",
    "-.inf",
    "-.Inf",
    ".nan",
    ".NaN",
    ".NAN",
    "inf",
    "nan",
    "Infinity",
    "-inf",
    "<<",
    "=",
    "a",
    "abc",
    "x y",
    "a:b",
    "a?b",
    "a#b",
    "a,b",
    "-a",
    "?a",
    ":a",
    "a:",
    "0x",
    "0o",
    "0b",
    "+",
    "-",
    ".",
    "._",
    "_1",
    "1_",
    "+_1",
    "-_",
    "é",
    "ü:x",
    "~x",
    "1.2.3",
    "1e",
    "e3",
    "0b-101",
    "0b+101",
    "-0b-1",
    "12a",
    "0xZ",
    "190:20:30",
    "1:30",
    "https://x/y",
    "a b c",
    "a  b",
    "x'",
    "x\"",
];

/// Plain floats JSON cannot hold (every spelling go-yaml v2 resolves to NaN or an infinity),
/// and near misses that are text.
const NON_FINITE: &[&str] = &[
    ".inf",
    ".Inf",
    ".INF",
    "+.inf",
    "+.Inf",
    "+.INF",
    "-.inf",
    "-.Inf",
    "-.INF",
    ".nan",
    ".NaN",
    ".NAN",
    "inf",
    "-inf",
    "+inf",
    "Infinity",
    "NaN",
    "nan",
    ".iNf",
    "+.nan",
    "-.NaN",
    "..inf",
    ".infinity",
    "1e400",
    "-1e400",
];

/// Plain-scalar starts that most readers refuse or read as something else.
const HOSTILE: &[&str] = &[
    "@x", "`x", "%x", "!x", "&x", "*x", "|x", ">x", "'x", "\"x", "a?b",
];

fn digits(r: &mut Rng, radix: u32, max: usize) -> String {
    let len = 1 + r.below(max);
    (0..len)
        .map(|i| {
            let d = r.below(radix as usize) as u32;
            let c = std::char::from_digit(d, radix).unwrap_or('0');
            let c = if r.chance(20) {
                c.to_ascii_uppercase()
            } else {
                c
            };
            if i > 0 && r.chance(8) {
                format!("_{c}")
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn number(r: &mut Rng) -> String {
    let sign = r.pick(&["", "", "", "-", "+"]);
    let body = match r.below(14) {
        0 => digits(r, 10, 4),
        1 => digits(r, 10, 25),
        2 => format!("0x{}", digits(r, 16, 18)),
        3 => format!("0X{}", digits(r, 16, 4)),
        4 => format!("0o{}", digits(r, 8, 23)),
        5 => format!("0{}", digits(r, 8, 23)),
        6 => format!("0b{}", digits(r, 2, 66)),
        7 => format!("0{}", digits(r, 10, 3)),
        8 => format!("{}.{}", digits(r, 10, 3), digits(r, 10, 3)),
        9 => format!(".{}", digits(r, 10, 3)),
        10 => format!("{}.", digits(r, 10, 3)),
        11 => {
            let exp = match r.below(4) {
                0 => digits(r, 10, 2),
                1 => format!("4567{}", digits(r, 10, 2)),
                2 => "308".into(),
                _ => "400".into(),
            };
            let mant = match r.below(3) {
                0 => digits(r, 10, 3),
                1 => format!("{}.{}", digits(r, 10, 2), digits(r, 10, 3)),
                _ => format!(".{}", digits(r, 10, 2)),
            };
            format!(
                "{mant}{}{}{exp}",
                r.pick(&["e", "E"]),
                r.pick(&["", "+", "-"])
            )
        }
        12 => r
            .pick(&[
                "9223372036854775807",
                "9223372036854775808",
                "18446744073709551615",
                "18446744073709551616",
                "99999999999999999999999",
                "0x7FFFFFFFFFFFFFFF",
                "0x8000000000000000",
                "0xFFFFFFFFFFFFFFFF",
                "0x10000000000000000",
                "1e21",
                "1e20",
                "123456789e12",
                "0.1e1",
                "1.5e300",
                "4.9e-324",
                "1e-7",
                "0.000001",
                "1234567.0",
                "16777217",
                "3.4028235e38",
                "3.5e38",
                "1e39",
                "0.0",
                "00",
                "0",
                "08",
                "0_8",
                "1__0",
            ])
            .to_string(),
        _ => r
            .pick(&[
                "2001-12-14",
                "2001-12-14t21:59:43.10-05:00",
                "2001-12-14T21:59:43Z",
                "2001-12-14 21:59:43.10",
                "2001-12-14  21:59:43",
                "2001-1-1 1:2:3",
                "2001-02-30",
                "2000-02-29",
                "1900-02-29",
                "2001-13-01",
                "2001-12-14T25:00:00Z",
                "2001-12-14T21:59:43+5:30",
                "2001-12-14T21:59:43+05:30",
                "2001-12-14T21:59:43,5Z",
                "2001-12-14 21:59:43 -5",
                "2001-12-14x",
                "20011-12-14",
                "2001-12",
            ])
            .to_string(),
    };
    format!("{sign}{body}")
}

fn plain(r: &mut Rng) -> String {
    if r.chance(4) {
        r.pick(NON_FINITE).to_string()
    } else if r.chance(55) {
        number(r)
    } else if r.chance(95) {
        r.pick(WORDS).to_string()
    } else {
        r.pick(HOSTILE).to_string()
    }
}

fn quoted(r: &mut Rng) -> String {
    let inner = plain(r);
    match r.below(5) {
        0 => format!("'{}'", inner.replace('\'', "''")),
        1 => format!("\"{}\"", inner.replace('\\', "\\\\").replace('"', "\\\"")),
        2 => format!(
            "\"{}\"",
            r.pick(&[
                "\\x41\\u00e9\\t",
                "a\\\n  b",
                "\\N\\_\\L\\P",
                "\\0",
                "\\e\\a",
                "\\U0001F600",
                "\\xff",
                "\\q",
                "a\n\n  b",
                "\\/",
            ])
        ),
        3 => format!(
            "'{}'",
            r.pick(&["a\n  b", "a\n\n  b", "it''s", "#x", " lead", "trail "])
        ),
        _ => format!("\"{inner}\""),
    }
}

fn tagged(r: &mut Rng) -> String {
    let tag = r.pick(&[
        "!!str",
        "!!int",
        "!!float",
        "!!bool",
        "!!null",
        "!!binary",
        "!!timestamp",
        "!!merge",
        "!custom",
        "!",
        "!<tag:yaml.org,2002:int>",
        "!!map",
        "!!seq",
        "!!set",
        "!!omap",
    ]);
    let value = if tag == "!!binary" {
        r.pick(&[
            "aGk=",
            "aGk",
            "aGVsbG8gd29ybGQ=",
            "aGk=\n",
            "'aG k='",
            "|\n    aGVs\n    bG8=",
            "aGl=",
            "/w==",
            "4pyT",
            "gA==",
            "''",
            "!!!",
        ])
        .to_string()
    } else if r.chance(70) {
        // Mostly text that fits the tag.
        match (tag, r.below(3)) {
            ("!!int", 0) => number(r).replace('.', ""),
            ("!!bool", 0) => r.pick(&["yes", "off", "True", "n"]).into(),
            ("!!null", 0) => r.pick(&["~", "", "null"]).into(),
            ("!!float", 0) => format!("{}.5", r.below(100)),
            _ => plain(r),
        }
    } else {
        quoted(r)
    };
    format!("{tag} {value}")
}

fn block_scalar(r: &mut Rng, indent: usize) -> String {
    let head = format!(
        "{}{}{}",
        r.pick(&["|", ">"]),
        r.pick(&["", "", "-", "+"]),
        r.pick(&["", "", "", "2", "1"])
    );
    let pad = " ".repeat(indent + 2);
    let mut s = head;
    for _ in 0..1 + r.below(3) {
        s.push('\n');
        if r.chance(15) {
            continue;
        }
        s.push_str(&pad);
        if r.chance(15) {
            s.push(' ');
        }
        s.push_str(&plain(r));
    }
    s
}

/// A document-local generator state: anchors defined so far (mappings tracked apart).
struct Doc_ {
    anchors: Vec<String>,
    map_anchors: Vec<String>,
    next: usize,
}

fn anchor(r: &mut Rng, d: &mut Doc_, is_map: bool) -> String {
    if !r.chance(15) {
        return String::new();
    }
    let name = if r.chance(10) && !d.anchors.is_empty() {
        d.anchors[r.below(d.anchors.len())].clone() // redefined
    } else {
        d.next += 1;
        format!("a{}", d.next)
    };
    d.anchors.push(name.clone());
    if is_map {
        d.map_anchors.push(name.clone());
    }
    format!("&{name} ")
}

fn alias(r: &mut Rng, d: &Doc_, maps: bool) -> Option<String> {
    let list = if maps { &d.map_anchors } else { &d.anchors };
    if list.is_empty() {
        return None;
    }
    Some(format!("*{}", list[r.below(list.len())]))
}

fn key(r: &mut Rng, d: &mut Doc_) -> String {
    match r.below(20) {
        0..=9 => r
            .pick(&["a", "b", "c", "kind", "name", "x", "1", "true"])
            .to_string(),
        10..=12 => plain(r),
        13 => quoted(r),
        14 => tagged(r),
        15 => alias(r, d, false).map_or("k".into(), |a| format!("{a} ")),
        16 if r.chance(50) => r
            .pick(&[
                "1e3",
                "1.0",
                "1",
                "0x1",
                "01",
                "'1'",
                "1.5",
                "0.1",
                "0.10000000001",
                ".nan",
                ".inf",
                "-0.0",
                "0.0",
                "1e6",
                "123456",
                "1234567",
                "1e-5",
                "0.0001",
                "18446744073709551615",
                "0xFFFFFFFFFFFFFFFF",
                "+9223372036854775808",
                "0b1111111111111111111111111111111111111111111111111111111111111111",
                "~",
                "null",
                "Null",
                "NULL",
                "<<",
                "-.inf",
                ".NaN",
                "+.INF",
                "y",
                "Off",
                "''",
                "yes",
                "True",
                "[a]",
                "{a: b}",
                "? x",
            ])
            .to_string(),
        _ => format!("{}{}", r.pick(&["k", "key", "x"]), r.below(3)),
    }
}

fn flow(r: &mut Rng, d: &mut Doc_, depth: usize) -> String {
    let n = r.below(4);
    let is_map = r.chance(50);
    let mut items = Vec::new();
    for _ in 0..n {
        let v = flow_value(r, d, depth + 1);
        if is_map {
            let sep = r.pick(&[": ", ": ", ":", " : ", ":\t"]);
            items.push(format!("{}{sep}{v}", key(r, d)));
        } else if r.chance(10) {
            items.push(format!("{}: {v}", key(r, d)));
        } else {
            items.push(v);
        }
    }
    let sep = r.pick(&[", ", ",", " , ", ",\n  "]);
    let trailing = if n > 0 && r.chance(10) { "," } else { "" };
    let a = anchor(r, d, is_map);
    if is_map {
        format!("{a}{{{}{trailing}}}", items.join(sep))
    } else {
        format!("{a}[{}{trailing}]", items.join(sep))
    }
}

fn flow_value(r: &mut Rng, d: &mut Doc_, depth: usize) -> String {
    match r.below(10) {
        0 if depth < 3 => flow(r, d, depth),
        1 => quoted(r),
        2 => tagged(r),
        3 => alias(r, d, false).unwrap_or_else(|| plain(r)),
        _ => {
            let a = anchor(r, d, false);
            format!("{a}{}", plain(r))
        }
    }
}

/// A block mapping at `indent`, one entry per line.
fn block_map(r: &mut Rng, d: &mut Doc_, indent: usize, depth: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    let n = 1 + r.below(5);
    for i in 0..n {
        if r.chance(8) {
            out.push_str(&format!("{pad}# {}\n", plain(r)));
        }
        if r.chance(12) {
            // A merge, in one of its forms.
            let v = match r.below(7) {
                0 | 4 | 5 => alias(r, d, true).unwrap_or_else(|| "{m: 1}".into()),
                1 => format!(
                    "[{}, {}]",
                    alias(r, d, true).unwrap_or_else(|| "{m: 1}".into()),
                    alias(r, d, true).unwrap_or_else(|| "{n: 2}".into())
                ),
                2 | 6 => format!("{{m: {}, x: {}}}", plain(r), plain(r)),
                _ => alias(r, d, false).unwrap_or_else(|| plain(r)),
            };
            let k = r.pick(&["<<", "<<", "!!merge <<", "'<<'", "! <<"]);
            out.push_str(&format!("{pad}{k}: {v}\n"));
            continue;
        }
        let k = key(r, d);
        let sep = r.pick(&[": ", ": ", ": ", ":\t", ":  ", " : ", ":\t "]);
        let comment = if r.chance(10) {
            r.pick(&[" # c", "\t# c", " #", "#c"])
        } else {
            ""
        };
        match r.below(12) {
            0 | 1 if depth < 3 => {
                let a = anchor(r, d, true);
                let a = a.trim_end();
                out.push_str(&format!(
                    "{pad}{k}:{}{a}{comment}\n",
                    if a.is_empty() { "" } else { " " }
                ));
                let inner = if r.chance(10) { indent + 1 } else { indent + 2 };
                out.push_str(&block_map(r, d, inner, depth + 1));
            }
            2 if depth < 3 => {
                out.push_str(&format!("{pad}{k}:{comment}\n"));
                let items = 1 + r.below(3);
                let seq_pad = if r.chance(50) {
                    pad.clone()
                } else {
                    format!("{pad}  ")
                };
                for _ in 0..items {
                    let v = flow_value(r, d, depth + 1);
                    out.push_str(&format!(
                        "{seq_pad}-{}{v}\n",
                        r.pick(&[" ", " ", " ", " ", " ", " ", "\t", "  "])
                    ));
                }
            }
            3 => out.push_str(&format!("{pad}{k}{}{}\n", sep.trim_end(), {
                let b = block_scalar(r, indent);
                format!(" {b}")
            })),
            4 => {
                let v = flow(r, d, depth);
                out.push_str(&format!("{pad}{k}{sep}{v}{comment}\n"));
            }
            5 => {
                // The same key again, or a key given in another type.
                let again = r.pick(&["a", "1", "'1'", "true", "'true'", "1.0", "0x1"]);
                out.push_str(&format!("{pad}{again}{sep}{}\n", plain(r)));
            }
            _ => {
                let v = flow_value(r, d, depth);
                out.push_str(&format!("{pad}{k}{sep}{v}{comment}\n"));
            }
        }
        if i + 1 < n && r.chance(3) {
            out.push('\n');
        }
    }
    out
}

fn document(r: &mut Rng) -> String {
    let mut d = Doc_ {
        anchors: Vec::new(),
        map_anchors: Vec::new(),
        next: 0,
    };
    let mut body = match r.below(20) {
        0 => format!("{}\n", flow(r, &mut d, 0)),
        1 => format!("{}\n", flow_value(r, &mut d, 0)),
        2 => format!(
            "- {}\n- {}\n",
            flow_value(r, &mut d, 1),
            flow_value(r, &mut d, 1)
        ),
        3 => format!("{}\n", block_scalar(r, 0)),
        // An object the render passes through untouched (a PersistentVolumeClaim is neither
        // a target nor a source): the verdict on it is `readable`'s.
        4..=9 => format!(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: s{}\n{}",
            r.below(9),
            block_map(r, &mut d, 0, 0)
        ),
        _ => block_map(r, &mut d, 0, 0),
    };
    if r.chance(3) {
        // A `...` line inside the document: Kubernetes keeps what is before it.
        let starts: Vec<usize> = std::iter::once(0)
            .chain(body.match_indices('\n').map(|(i, _)| i + 1))
            .filter(|&i| i < body.len())
            .collect();
        if let Some(&at) = starts.get(r.below(starts.len().max(1))) {
            body.insert_str(at, r.pick(&["...\n", "... # c\n", "...\n\n"]));
        }
    }
    if r.chance(2) {
        // A tab where go-yaml may not take one.
        body = body.replacen("  ", r.pick(&["\t", " \t", "\t "]), 1);
    }
    if r.chance(3) {
        body.push_str(r.pick(&[
            "...\n",
            "... # end\n",
            "...\nz: 1\n",
            "...\n]\n",
            "...\n# c\n\n...\n",
            "... x\n",
            "...\n---x\n",
            "...\n...\nz: 1\n",
            "...\n%YAML 1.1\n",
            "...\n  z\n",
            // A `---` after a lone CR: a document start to go-yaml, not a cut to
            // Kubernetes' reader.
            "\r---\rz: 1\n",
            "\r---\r# c\n",
            "%YAML 1.1\n",
            // Read ahead by go-yaml's scanner to end the document (after a flow root).
            "\"\\/\"\n",
            "\"x\" \"\\/\"\n",
        ]));
    }
    if r.chance(3) {
        body.insert_str(
            0,
            r.pick(&[
                "%YAML 1.1\n---\n",
                "%TAG !e! tag:e.com,2000:\n---\n",
                "--- \n",
            ]),
        );
    }
    body
}

/// A stream of one to four documents, with separators, comments, BOMs and line breaks of
/// every kind mixed in.
fn generate(r: &mut Rng) -> (String, usize) {
    let n = 1 + r.below(4);
    let mut s = String::new();
    if r.chance(5) {
        s.push('\u{feff}');
    }
    if r.chance(30) {
        s.push_str(r.pick(&["---\n", "--- # c\n", "# c\n---\n", "---\r\n"]));
    }
    for i in 0..n {
        if i > 0 && r.chance(80) {
            s.push_str(r.pick(&["---\n", "--- # c\n", "---\r\n", "---\t\n", "--- \n"]));
        } else if i > 0 {
            s.push_str(r.pick(&[
                "---\n",
                "---\n",
                "---\n",
                "--- # c\n",
                "---#c\n",
                "---\t\n",
                "--- \n",
                "----\n",
                "--- x\n",
                "--- |\n",
                "---\r\n",
                "---\u{a0}\n",
                "---\u{85}\n",
                "---\n---\n",
                "---\n\n---\n",
                "\u{feff}---\n",
                " ---\n",
                "--- {a: 1}\n",
                "---\u{2028}\n",
                "--- #c\u{85}x\n",
            ]));
        }
        s.push_str(&document(r));
    }
    if r.chance(8) {
        s.truncate(s.trim_end_matches('\n').len());
    }
    if r.chance(12) {
        let brk = r.pick(&["\r\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"]);
        // Some or all line ends.
        if r.chance(50) {
            s = s.replace('\n', brk);
        } else {
            let at = r.below(s.len().max(1));
            if let Some((i, _)) = s.match_indices('\n').find(|(i, _)| *i >= at) {
                s.replace_range(i..i + 1, brk);
            }
        }
    }
    if s.contains('\0') {
        s = s.replace('\0', "");
    }
    (s, n)
}

/// A stream holding the apiserver Deployment the policy targets, written in the forms go-yaml
/// reads and the editing parser may not (a tab after `:`, a quoted value's continuation line
/// indented less than its key, `\/`), next to a generated document; the container also holds a
/// generated mapping. The render must never refuse such a stream as unreadable when go-yaml
/// reads it.
fn object_stream(r: &mut Rng) -> String {
    let mut d = Doc_ {
        anchors: Vec::new(),
        map_anchors: Vec::new(),
        next: 0,
    };
    let sep = |r: &mut Rng| r.pick(&[": ", ": ", ":\t", ":\t ", ":  "]).to_string();
    let low = |r: &mut Rng| " ".repeat(r.below(12));
    let value = |r: &mut Rng| -> String {
        match r.below(6) {
            0 => format!("\"a\n{}b\"", low(r)),
            1 => format!("'a\n{}b'", low(r)),
            2 => format!("\"x\n{}# c\n{}y\"", low(r), low(r)),
            3 => "\"\\/\"".to_string(),
            _ => quoted(r),
        }
    };
    let mut s = String::new();
    if r.chance(50) {
        s.push_str("---\n# Source: clearml/templates/apiserver-deployment.yaml\n");
    }
    s.push_str("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\n");
    s.push_str(&format!(
        "spec:\n  template:\n    spec:\n      containers:\n        - name{}clearml-apiserver\n",
        sep(r)
    ));
    s.push_str(&format!(
        "          image{}allegroai/clearml:2.0.0\n",
        sep(r)
    ));
    s.push_str("          env:\n");
    for i in 0..r.below(3) {
        let v = value(r);
        s.push_str(&format!(
            "            - name: CLEARML__services__x{i}\n              value{}{v}\n",
            sep(r)
        ));
    }
    if r.chance(30) {
        s.push_str(&format!(
            "            - name: CLEARML__services__login__sso__oauth_client__keycloak__realm\n              value{}{}\n",
            sep(r),
            value(r)
        ));
    }
    if r.chance(60) {
        s.push_str("          extra:\n");
        s.push_str(&block_map(r, &mut d, 12, 1));
    }
    if r.chance(30) {
        s.push_str(&format!("          # {}\n", plain(r)));
    }
    if r.chance(60) {
        s.push_str("---\n");
        s.push_str(&document(r));
    }
    s
}

/// Keys of every type go-yaml resolves (and the JSON conversion refuses: null, above int64),
/// with text keys that look like them.
const KEY_TYPES: &[&str] = &[
    "~",
    "null",
    "Null",
    "NULL",
    "18446744073709551615",
    "0xFFFFFFFFFFFFFFFF",
    "9223372036854775807",
    "1",
    "0x1",
    "'1'",
    "1.0",
    "1e3",
    ".inf",
    "-.inf",
    ".nan",
    "true",
    "yes",
    "Off",
    "y",
    "n",
    "on",
    "<<",
    "'~'",
    "\"null\"",
    "'<<'",
    "x~",
    "nullx",
    "1a",
];

/// A stream of objects the render passes through untouched (the asyncdelete Deployment the
/// policy does not target, a PersistentVolumeClaim; not a Service, which is read for its
/// service links), in the plain block YAML Helm writes, each with up to
/// three constructs Kubernetes' JSON conversion refuses or its reader cuts (a float JSON cannot
/// hold, a key that is not text, a `...` line with content after it), or near misses it reads.
fn passed_through_stream(r: &mut Rng) -> String {
    const DEPLOYMENT: &[&str] = &[
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  name: clearml-apiserver-asyncdelete",
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
        "        - name: asyncdelete",
        "          image: allegroai/clearml:2.0.0",
        "          args:",
        "            - python3",
        "          env:",
        "            - name: X",
        "              value: \"1\"",
    ];
    const CLAIM: &[&str] = &[
        "apiVersion: v1",
        "kind: PersistentVolumeClaim",
        "metadata:",
        "  name: clearml-fileserver-data",
        "spec:",
        "  accessModes:",
        "    - ReadWriteOnce",
        "  resources:",
        "    requests:",
        "      storage: 50Gi",
    ];
    let mut s = String::new();
    for _ in 0..1 + r.below(3) {
        let shape = if r.chance(50) { DEPLOYMENT } else { CLAIM };
        let mut lines: Vec<String> = shape.iter().map(|l| l.to_string()).collect();
        for n in 0..r.below(4) {
            // Before a line that is not a `-` item, as its sibling; or at the end, as the
            // last line's.
            let at = 3 + r.below(lines.len() - 2);
            let next = lines.get(at).unwrap_or(&lines[lines.len() - 1]).clone();
            let content = next.trim_start();
            let mut pad = next.len() - content.len();
            if content.starts_with("- ") {
                if at < lines.len() {
                    continue;
                }
                pad += 2;
            }
            let pad = " ".repeat(pad);
            let construct = match r.below(7) {
                0 | 1 => format!("{pad}k{n}: {}", r.pick(NON_FINITE)),
                2 | 3 => {
                    let k = r.pick(KEY_TYPES);
                    let v = if k == "<<" && r.chance(50) {
                        "{m: 1}"
                    } else {
                        "v"
                    };
                    format!("{pad}{k}: {v}")
                }
                4 => format!(
                    "{pad}f{n}: {}",
                    r.pick(&[
                        "[.inf, 1]",
                        "[1, .NaN]",
                        "{a: .inf}",
                        "{null: 1}",
                        "{1: a, '1': b}",
                        "[inf]",
                        "{a: b}"
                    ])
                ),
                5 => format!("{pad}d{n}: 1\n{pad}d{n}: .inf"),
                _ => r
                    .pick(&["...", "... # end", "...\n# c", "...\n..."])
                    .to_string(),
            };
            lines.insert(at.min(lines.len()), construct);
        }
        if r.chance(20) {
            lines.push(r.pick(&["...", "...\n# c", "... # c\n..."]).to_string());
        }
        s.push_str("---\n");
        for l in lines {
            s.push_str(&l);
            s.push('\n');
        }
    }
    s
}

/// The policy the rendered object streams are corrected to.
fn render_policy() -> clearml_sso::policy::Policy {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policies/keycloak.toml");
    let text = std::fs::read_to_string(&path).expect("the keycloak policy fixture");
    clearml_sso::policy::parse(&text, &path.display().to_string()).expect("a valid policy")
}

/// Whether go-yaml read every document of a stream (Kubernetes would take the stream).
fn read_whole(answer: &Answer) -> bool {
    answer.stream_error.is_none() && !answer.docs.iter().any(|d| matches!(d, Doc::Refused(_)))
}

/// What rendering streams go-yaml reads gave.
#[derive(Debug, Default)]
struct Renders {
    /// Streams go-yaml reads, rendered.
    read: usize,
    /// Refused as unreadable (exit 3): each one a failure.
    unreadable: Vec<String>,
    /// Rendered with exit 0.
    green: usize,
    /// Of those, with a document rewritten in canonical form.
    canonical: usize,
    /// Green outputs whose go-yaml reading differs from the tool's reading of them.
    misread_outputs: Vec<String>,
    /// Green outputs that do not render clean to themselves.
    unsteady: Vec<String>,
    /// Streams go-yaml refuses or cuts, rendered.
    refused: usize,
    /// Of those, rendered with an exit other than 3: each one a failure.
    passed: Vec<String>,
}

/// Renders every stream go-yaml reads through the library entry point: none may be refused
/// as unreadable, and go-yaml must read every green output as the tool reads it.
fn render_read_streams(
    streams: &[String],
    answers: &[Answer],
    policy: &clearml_sso::policy::Policy,
    out: &mut Renders,
) {
    let mut outputs = Vec::new();
    for (s, a) in streams.iter().zip(answers) {
        if !read_whole(a) {
            // Kubernetes refuses the stream or a document of it, or drops part of one: the
            // render says the input is unreadable (exit 3), whichever document it is in.
            out.refused += 1;
            if let Ok(o) = clearml_sso::render(s.as_bytes(), policy) {
                out.passed.push(format!(
                    "stream {s:?}\n  go-yaml: {:?} (stream error {:?})\n  render: not refused as unreadable, findings {:?}",
                    a.docs,
                    a.stream_error,
                    o.findings.iter().map(|f| f.code.id).collect::<Vec<_>>()
                ));
            }
            continue;
        }
        out.read += 1;
        match clearml_sso::render(s.as_bytes(), policy) {
            Err(e) => out
                .unreadable
                .push(format!("stream {s:?}\n  refused as unreadable: {e}")),
            Ok(o) if !o.has_errors() => {
                out.green += 1;
                if o.findings.iter().any(|f| f.code.id == "canonical-form") {
                    out.canonical += 1;
                }
                // Its own output renders clean to itself, canonical forms included.
                match clearml_sso::render(o.output.as_bytes(), policy) {
                    Ok(again) if !again.has_errors() && again.output == o.output => {}
                    other => out.unsteady.push(format!(
                        "output {:?}\n  renders again as {:?}",
                        o.output,
                        other.map(|a| (
                            a.output,
                            a.findings.iter().map(|f| f.code.id).collect::<Vec<_>>()
                        ))
                    )),
                }
                if o.output != *s {
                    outputs.push(o.output);
                }
            }
            Ok(_) => {}
        }
    }
    if outputs.is_empty() {
        return;
    }
    for (o, a) in outputs.iter().zip(ask_oracle(&outputs)) {
        let ours = tool_read(o);
        if compare(&ours, &a).disagree > 0 || !read_whole(&a) {
            out.misread_outputs.push(format!(
                "output {o:?}\n  tool:    {ours:?}\n  go-yaml: {:?} (stream error {:?})",
                a.docs, a.stream_error
            ));
        }
    }
}

fn oracle_bin() -> PathBuf {
    match std::env::var_os("GOYAML_ORACLE_BIN").map(PathBuf::from) {
        Some(p) if p.exists() => p,
        other => panic!(
            "GOYAML_ORACLE_BIN is {}: run the tests with scripts/test, or `eval \"$(scripts/fetch-test-deps)\"` \
             first (it builds tests/oracles/goyaml with Debian's Go, go-yaml v2 and sigs.k8s.io/yaml)",
            match other {
                Some(p) => format!("set to {}, which does not exist", p.display()),
                None => "not set".into(),
            }
        ),
    }
}

/// Runs the oracle on every stream (one process, one JSON line each way).
fn ask_oracle(streams: &[String]) -> Vec<Answer> {
    let mut child = Command::new(oracle_bin())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the go-yaml oracle");
    let mut stdin = child.stdin.take().expect("oracle stdin");
    let input: Vec<String> = streams
        .iter()
        .map(|s| serde_json::to_string(s).expect("a string is JSON"))
        .collect();
    let writer = std::thread::spawn(move || {
        for line in input {
            stdin
                .write_all(line.as_bytes())
                .expect("write to the oracle");
            stdin.write_all(b"\n").expect("write to the oracle");
        }
    });
    let out = BufReader::new(child.stdout.take().expect("oracle stdout"));
    let answers: Vec<Answer> = out
        .lines()
        .map(|l| parse_answer(&l.expect("read from the oracle")))
        .collect();
    writer.join().expect("oracle writer");
    assert!(
        child.wait().expect("oracle exit").success(),
        "the go-yaml oracle failed"
    );
    assert_eq!(answers.len(), streams.len(), "one oracle answer per stream");
    answers
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn go_yaml_differential() {
    let seed = crate::env_number("ORACLE_SEED", 17);
    let wanted = crate::env_number("GOYAML_DOCS", 50_000) as usize;
    let started = std::time::Instant::now();
    let mut r = Rng(seed);
    let mut total = Tally::default();
    let mut shown = Vec::new();
    let mut streams_read = 0;
    let policy = render_policy();
    let mut renders = Renders::default();
    // Batches until enough documents were compared (null documents, which Kubernetes skips,
    // do not count). A quarter of each batch are streams with the targeted apiserver, a
    // quarter streams of objects the render passes through.
    while total.same + total.both_refuse + total.disagree < wanted {
        let streams: Vec<String> = (0..2000)
            .map(|i| {
                if i % 4 == 3 {
                    object_stream(&mut r)
                } else if i % 4 == 1 {
                    passed_through_stream(&mut r)
                } else {
                    generate(&mut r).0
                }
            })
            .collect();
        let answers = ask_oracle(&streams);
        render_read_streams(&streams, &answers, &policy, &mut renders);
        streams_read += streams.len();
        for (s, answer) in streams.iter().zip(&answers) {
            let ours = tool_read(s);
            let t = compare(&ours, answer);
            total.same += t.same;
            total.both_refuse += t.both_refuse;
            total.disagree += t.disagree;
            if t.disagree > 0 && shown.len() < 12 {
                shown.push(format!(
                    "stream {s:?}\n  tool:    {ours:?}\n  go-yaml: {:?}{}",
                    answer.docs,
                    answer
                        .stream_error
                        .as_ref()
                        .map(|e| format!(" (stream refused: {e})"))
                        .unwrap_or_default()
                ));
            }
        }
    }
    let documents = total.same + total.both_refuse + total.disagree;
    println!(
        "go-yaml differential: {documents} documents, {} same, {} both refuse, {} disagree (seed {seed}; {streams_read} streams in {:.1} s)",
        total.same,
        total.both_refuse,
        total.disagree,
        started.elapsed().as_secs_f64()
    );
    println!(
        "rendered: {} streams go-yaml refuses or cuts, {} not refused as unreadable",
        renders.refused,
        renders.passed.len()
    );
    println!(
        "rendered: {} streams go-yaml reads, {} refused as unreadable, {} exit 0 ({} with a document in canonical form), {} outputs go-yaml reads otherwise than the tool, {} outputs not rendering clean to themselves",
        renders.read,
        renders.unreadable.len(),
        renders.green,
        renders.canonical,
        renders.misread_outputs.len(),
        renders.unsteady.len()
    );
    assert!(
        total.disagree == 0,
        "the tool and go-yaml disagree; first ones:\n{}",
        shown.join("\n")
    );
    assert!(
        renders.passed.is_empty(),
        "streams go-yaml refuses or cuts were not refused as unreadable; first ones:\n{}",
        renders.passed[..renders.passed.len().min(8)].join("\n")
    );
    assert!(
        renders.unreadable.is_empty(),
        "streams go-yaml reads were refused as unreadable; first ones:\n{}",
        renders.unreadable[..renders.unreadable.len().min(8)].join("\n")
    );
    assert!(
        renders.misread_outputs.is_empty(),
        "go-yaml reads outputs otherwise than the tool; first ones:\n{}",
        renders.misread_outputs[..renders.misread_outputs.len().min(8)].join("\n")
    );
    assert!(
        renders.canonical > 0,
        "no render went through the canonical form"
    );
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/goyaml")
}

/// Every disagreement found so far, replayed against the oracle's recorded answer.
#[test]
fn fixtures_replay() {
    let mut checked = 0;
    let mut rendered = 0;
    let policy = render_policy();
    let mut entries: Vec<_> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures/goyaml")
        .map(|e| e.expect("fixture entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    entries.sort();
    for yaml in entries {
        let input = std::fs::read_to_string(&yaml).expect("fixture text");
        let answer = std::fs::read_to_string(yaml.with_extension("json"))
            .unwrap_or_else(|e| panic!("{}: no recorded answer: {e}", yaml.display()));
        let answer = parse_answer(answer.trim());
        let ours = tool_read(&input);
        let t = compare(&ours, &answer);
        assert_eq!(
            t.disagree,
            0,
            "{}: the tool reads {ours:?}, go-yaml {:?} (stream error {:?})",
            yaml.display(),
            answer.docs,
            answer.stream_error
        );
        // A stream Kubernetes reads is never refused as unreadable by the render.
        if read_whole(&answer) {
            if let Err(e) = clearml_sso::render(input.as_bytes(), &policy) {
                panic!(
                    "{}: go-yaml reads it, the render refuses it: {e}",
                    yaml.display()
                );
            }
            rendered += 1;
        } else if clearml_sso::render(input.as_bytes(), &policy).is_ok() {
            // Kubernetes refuses or cuts it: the render says the input is unreadable.
            panic!(
                "{}: go-yaml refuses or cuts it, the render does not refuse it as unreadable",
                yaml.display()
            );
        }
        checked += 1;
    }
    assert!(checked >= 1, "no go-yaml fixtures found");
    assert!(rendered >= 1, "no go-yaml fixture was rendered");
}

/// Checks the oracle's recorded answers are what the oracle says now (when it is built).
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn fixtures_match_the_oracle() {
    let mut names: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures/goyaml")
        .map(|e| e.expect("fixture entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    names.sort();
    let inputs: Vec<String> = names
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("fixture text"))
        .collect();
    let answers = ask_oracle(&inputs);
    for (p, a) in names.iter().zip(answers) {
        let recorded = parse_answer(
            std::fs::read_to_string(p.with_extension("json"))
                .expect("recorded answer")
                .trim(),
        );
        // Refusals compare as refusals: go-yaml's messages may name keys in Go's map order.
        let outcome = |docs: &[Doc]| -> Vec<Option<Value>> {
            docs.iter()
                .map(|d| match d {
                    Doc::Json(v) => Some(v.clone()),
                    Doc::Refused(_) | Doc::Inconsistent(_) => None,
                })
                .collect()
        };
        assert_eq!(outcome(&a.docs), outcome(&recorded.docs), "{}", p.display());
        assert_eq!(a.stream_error, recorded.stream_error, "{}", p.display());
    }
}
