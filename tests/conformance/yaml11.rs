//! The tool's YAML 1.1 scalar reading (`k8s_yaml::resolve_plain`, the reading Kubernetes'
//! Go YAML library makes) checked against PyYAML, a YAML 1.1 reader independent of the tool:
//! both must agree on whether a plain scalar is a string — the question every env value and
//! name depends on — except for a fixed list of scalars where the Go library and PyYAML are
//! known to differ; there the tool follows the Go library, since that is what Kubernetes runs.

use crate::harness::*;
use clearml_sso::k8s_yaml::{resolve_plain, Scalar};

const CORPUS: &[&str] = &[
    // booleans and nulls
    "yes",
    "Yes",
    "YES",
    "no",
    "No",
    "NO",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
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
    "yEs",
    "nO",
    // integers
    "0",
    "-0",
    "+12",
    "12",
    "017",
    "0o17",
    "0x1F",
    "0x_1F",
    "0b101",
    "-0b101",
    "1_000",
    "08",
    "09",
    "12345678901234567890",
    // floats
    "1.5",
    ".5",
    "-.5",
    "1.",
    "1e3",
    "1.0e+3",
    "1_000.5",
    ".inf",
    "-.inf",
    "+.inf",
    ".Inf",
    ".nan",
    ".NaN",
    // sexagesimal and timestamps
    "190:20:30",
    "1:30",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    // strings
    "inf",
    "nan",
    "Infinity",
    "abc",
    "on-call",
    "yes!",
    "0x",
    "+",
    ".",
    "~x",
    "1.2.3",
    "0b",
    "1e",
    "https://x/",
    "a b",
    "12a",
    "0xZ",
];

/// Where go-yaml v2 (Kubernetes) and PyYAML disagree on "is it a string", and why.
const KNOWN: &[&str] = &[
    "y",
    "Y",
    "n",
    "N",    // booleans in go-yaml v2 only
    "0o17", // Go's integer syntax takes the 0o prefix
    "08",
    "09",  // not octal; Go's float syntax takes them, PyYAML's needs a dot
    "1e3", // likewise
    "-.5", // PyYAML's `.5` form takes no sign
    "190:20:30",
    "1:30", // sexagesimal integers in PyYAML only
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00", // read into JSON, Go keeps timestamps as text
];

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn plain_scalars_read_as_pyyaml_reads_them_except_where_go_differs() {
    let python = tool("CLEARML_SSO_PYTHON");
    let script = "import sys, json, yaml\nout = []\nfor line in sys.stdin.read().split('\\n'):\n    if line:\n        out.append(isinstance(yaml.safe_load('v: ' + line)['v'], str))\nprint(json.dumps(out))\n";
    let input = CORPUS.join("\n");
    let out = run_in(&python, &["-c", script], input.as_bytes(), None, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let theirs: Vec<bool> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(theirs.len(), CORPUS.len());
    let mut differ: Vec<&str> = CORPUS
        .iter()
        .zip(&theirs)
        .filter(|(s, pyyaml)| matches!(resolve_plain(s), Scalar::Str(_)) != **pyyaml)
        .map(|(s, _)| *s)
        .collect();
    let mut known = KNOWN.to_vec();
    differ.sort();
    known.sort();
    assert_eq!(
        differ, known,
        "scalars where the tool and PyYAML disagree on string-ness"
    );
}
