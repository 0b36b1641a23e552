//! Properties over generated streams and policies (proptest): untouched documents come out
//! byte for byte, render is idempotent, a failing render writes nothing, and every value the
//! tool writes reads back — through YAML 1.1 and through pyhocon — as the policy's value.

use crate::harness::*;
use clearml_sso::clearml_env::{self, Literal};
use clearml_sso::policy::Value;
use clearml_sso::{k8s, render, stream, yaml};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Strings that stress YAML and HOCON: specials, look-alikes of booleans and numbers, unicode.
fn nasty_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{1,24}",
        "\\PC{1,12}",
        prop::sample::select(vec![
            "on",
            "yes",
            "no",
            "~",
            "null",
            "0777",
            "1e3",
            "123e4567",
            "true",
            "False",
            "a # b",
            "a: b",
            "${VAR}",
            "$(VAR)",
            "- x",
            "[a, b]",
            "{a: 1}",
            "'q'",
            "\"dq\"",
            "back\\slash",
            "//x",
            "x//y",
        ])
        .prop_map(String::from),
    ]
}

/// Spellings a chart might carry of settings the generated policy sets (options it does not
/// set keep their value and may rightly fail, e.g. an unparseable one).
fn sso_spelling() -> impl Strategy<Value = String> {
    let names = [
        "CLEARML__services__login__sso__oauth_client__keycloak__base_url",
        "CLEARML__SERVICES__LOGIN__SSO__OAUTH_CLIENT__KEYCLOAK__BASE_URL",
        "clearml__services__login__sso__oauth_client__keycloak__base_url",
        "CLEARML__secure__login__sso__oauth_client__keycloak__base_url",
        "CLEARML__services__login__sso__oauth_client__keycloak__idp_logout",
        "CLEARML__services__login__sso__oauth_client__keycloak__groups__admins",
        "CLEARML__services__login__sso__oauth_client__keycloak__display_name",
        "CLEARML__services__login__sso__oauth_client__keycloak__claims__name",
        "TRAINS__services__login__sso__oauth_client__keycloak__claims__name",
        "CLEARML__secure__login__sso__oauth_client__keycloak__client_secret",
        "OTHER_VARIABLE",
    ];
    prop::sample::select(names.to_vec()).prop_map(String::from)
}

#[derive(Debug, Clone)]
struct Case {
    stream: String,
    policy: String,
    /// Index of the target document in the stream.
    target: usize,
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap() // a JSON string is a valid TOML basic string
}

fn case() -> impl Strategy<Value = Case> {
    // A `$` before a non-ASCII character is no text once Kubernetes expands it, and is refused
    // by design (`env-not-text`, tests/offline/adversarial_found.rs).
    let env_value = nasty_string().prop_filter("a value Kubernetes gives as text", |s| {
        k8s::expand_env(s, |_| None) != Err(k8s::Unrepresentable::NotUtf8)
    });
    let env = prop::collection::vec((sso_spelling(), env_value), 0..8);
    let others = prop::collection::vec(prop::collection::vec(nasty_string(), 1..4), 0..4);
    // A policy value that is a placeholder is refused by design (policy::placeholder_reason).
    let setting = || {
        nasty_string().prop_filter("not a placeholder", |s| {
            clearml_sso::policy::placeholder_reason(s).is_none()
        })
    };
    let policy_values = (
        setting(),
        setting(),
        prop::collection::vec(setting(), 1..3),
        any::<bool>(),
    );
    (env, others, policy_values, any::<bool>(), any::<bool>(), 0usize..3).prop_map(
        |(env, others, (display, claim, admins, logout), crlf, indent_seqs, position)| {
            let dash = if indent_seqs { "  - " } else { "- " };
            let pad = if indent_seqs { "    " } else { "  " };
            let mut target = format!(
                "---\n# Source: clearml/templates/apiserver-deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      containers:\n      {dash}name: clearml-apiserver\n      {pad}image: allegroai/clearml:2.0.0\n      {pad}env:\n"
            );
            for (name, value) in &env {
                target.push_str(&format!("      {pad}{dash}name: {name}\n      {pad}{pad}value: {}\n", yaml::double_quoted(value)));
            }
            if env.is_empty() {
                target.push_str(&format!("      {pad}{dash}name: KEEP\n      {pad}{pad}value: \"x\"\n"));
            }
            let mut docs: Vec<String> = others
                .iter()
                .enumerate()
                .map(|(i, values)| {
                    let data: String = values.iter().enumerate().map(|(k, v)| format!("  k{k}: {}\n", yaml::double_quoted(v))).collect();
                    format!("---\n# Source: clearml/templates/cm{i}.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\ndata:\n{data}")
                })
                .collect();
            let target_index = position.min(docs.len());
            docs.insert(target_index, target);
            let mut stream: String = docs.concat();
            if crlf {
                stream = stream.replace('\n', "\r\n");
            }
            let admins = admins.iter().map(|a| toml_string(a)).collect::<Vec<_>>().join(", ");
            let policy = format!(
                "version = 1\n[secrets]\nexternal = [\"clearml-sso\"]\n[providers.keycloak]\nclient_id = {{ secret = \"clearml-sso\", key = \"id\" }}\nclient_secret = {{ secret = \"clearml-sso\", key = \"secret\" }}\nurl = \"https://sso.acme.test\"\nrealm = \"clearml\"\nidp_logout = {logout}\ndisplay_name = {}\nclaims.name = {}\ngroups.admins = [{admins}]\n",
                toml_string(&display),
                toml_string(&claim)
            );
            Case { stream, policy, target: target_index }
        },
    )
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// A runner with a fixed seed, so CI runs are reproducible; set CLEARML_SSO_PROPTEST_RANDOM=1
/// to explore with a fresh seed (and PROPTEST_CASES for more cases).
fn runner(cases: u32) -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    if std::env::var_os("CLEARML_SSO_PROPTEST_RANDOM").is_some() {
        TestRunner::new(config(cases))
    } else {
        TestRunner::new_with_rng(
            config(cases),
            TestRng::deterministic_rng(RngAlgorithm::ChaCha),
        )
    }
}

/// Renders the generated cases and checks untouched documents byte for byte, idempotency, and
/// every written value read back by the tool's own readers; returns the values written (the
/// env text and the policy's literal) for the pyhocon read-back, which needs a fetched tool
/// and so is a test of its own (with the fixed seed both see the same cases).
fn render_cases() -> Vec<(String, Literal)> {
    let mut runner = runner(192);
    let written = std::sync::Mutex::new(Vec::<(String, Literal)>::new());
    runner
        .run(&case(), |c| {
            let policy = clearml_sso::policy::parse(&c.policy, "p.toml")
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let out = render(c.stream.as_bytes(), &policy)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(!out.has_errors(), "{:?}", out.findings);
            let (a, b) = (stream::split(&c.stream), stream::split(&out.output));
            prop_assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                if x.index != c.target {
                    prop_assert_eq!(x.raw, y.raw, "untouched document changed");
                }
            }
            let again = render(out.output.as_bytes(), &policy).unwrap();
            prop_assert_eq!(&again.output, &out.output, "not idempotent");
            // Read the target back: YAML 1.1 strings, one entry per setting, the policy's value.
            let root = yaml::parse(b[c.target].parse_text()).unwrap().unwrap();
            let env = root
                .get("spec")
                .and_then(|s| s.get("template"))
                .and_then(|t| t.get("spec"))
                .and_then(|s| s.get("containers"))
                .unwrap()
                .items()[0]
                .get("env")
                .unwrap()
                .items()
                .to_vec();
            for d in &policy.desired {
                let entries: Vec<_> = env
                    .iter()
                    .filter(|e| {
                        e.get_str("name")
                            .and_then(clearml_env::parse_name)
                            .is_some_and(|n| n.path() == d.path)
                    })
                    .collect();
                prop_assert_eq!(entries.len(), 1, "one entry for {}", d.label);
                prop_assert_eq!(entries[0].get_str("name"), Some(d.name.as_str()));
                if let Value::Literal(l) = &d.value {
                    let v = entries[0].get("value").unwrap();
                    prop_assert!(
                        matches!(k8s::to_json(v), serde_json::Value::String(_)),
                        "{} is not a YAML 1.1 string: {:?}",
                        d.label,
                        v
                    );
                    // What the process gets: Kubernetes expands `$$` and `$(VAR)` first.
                    let text = kubernetes_value(&env, entries[0]);
                    prop_assert_eq!(
                        clearml_env::reading(&d.path, &text, &|_| None).reading,
                        clearml_env::Reading::Value(l.to_pyhocon()),
                        "{} written as {}",
                        d.label,
                        text
                    );
                    written.lock().unwrap().push((text, l.clone()));
                }
            }
            Ok(())
        })
        .unwrap();
    let written = written.into_inner().unwrap();
    assert!(written.len() > 500, "{} values checked", written.len());
    written
}

/// Untouched documents byte for byte, idempotency, and every written value read back.
#[test]
fn render_properties() {
    render_cases();
}

/// The same values through the parser ClearML uses.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn render_properties_read_back_by_pyhocon() {
    let written = render_cases();
    let python = tool("CLEARML_SSO_PYTHON");
    let texts: Vec<&String> = written.iter().map(|(t, _)| t).collect();
    let script = root().join("tests/conformance/hocon_values.py");
    let out = run_in(
        &python,
        &[script.to_str().unwrap()],
        &serde_json::to_vec(&texts).unwrap(),
        None,
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let parsed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(parsed.len(), written.len());
    for ((text, literal), got) in written.iter().zip(&parsed) {
        let want = match literal {
            Literal::Str(s) => serde_json::json!(s),
            Literal::Bool(b) => serde_json::json!(b),
            Literal::List(l) => serde_json::json!(l),
        };
        assert_eq!(
            got,
            &serde_json::json!({ "ok": want }),
            "{text} read by pyhocon"
        );
    }
}

/// A render that fails writes nothing to stdout: a missing Secret or a denied literal.
#[test]
fn failing_renders_write_nothing() {
    let mut runner = runner(24);
    let dir = tempfile::tempdir().unwrap();
    runner
        .run(&(case(), any::<bool>()), |(c, literal)| {
            let policy = if literal {
                c.policy.replace(
                    "client_secret = { secret = \"clearml-sso\", key = \"secret\" }",
                    "client_secret = \"plain\"",
                )
            } else {
                c.policy
                    .replace("external = [\"clearml-sso\"]", "external = []")
            };
            let p = temp_file(&dir, "p.toml", &policy);
            let out = run(&["--policy", p.to_str().unwrap()], c.stream.as_bytes());
            prop_assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
            prop_assert!(out.stdout.is_empty());
            Ok(())
        })
        .unwrap();
}

/// Pieces of strings that YAML readers treat specially: YAML 1.1 and 1.2 booleans, nulls,
/// numbers and timestamps, indicators, comment and mapping markers, whitespace, breaks.
const DANGEROUS: &[&str] = &[
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "N",
    "true",
    "False",
    "~",
    "null",
    "NULL",
    "0x1F",
    "1_000",
    ".inf",
    "-.Inf",
    ".NaN",
    "0b101",
    "0777",
    "0o17",
    "1e3",
    "+1",
    "-1",
    "190:20:30",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "<<",
    "=",
    "#",
    " #",
    "# ",
    ": ",
    ":",
    " ",
    "  ",
    "\t",
    "- ",
    "-",
    "? ",
    "?",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a",
    "*a",
    "!",
    "!!str",
    "|",
    ">",
    "'",
    "\"",
    "%",
    "@",
    "`",
    "---",
    "...",
    "\\",
    "\r\n",
    "\n",
    "\r",
    "a: b",
    "k #c",
    "CLEARML__services__login__sso__oauth_client__keycloak__display_name",
];

/// Single characters that need care: controls, DEL, C1, NEL, NBSP, BOM, LS, PS,
/// non-characters, the edges of YAML's printable ranges, a character outside the BMP.
const DANGEROUS_CHARS: &[char] = &[
    '\0',
    '\u{7}',
    '\u{8}',
    '\t',
    '\n',
    '\u{b}',
    '\u{c}',
    '\r',
    '\u{1b}',
    '\u{1f}',
    '\u{7f}',
    '\u{80}',
    '\u{85}',
    '\u{9f}',
    '\u{a0}',
    '\u{200b}',
    '\u{d7ff}',
    '\u{e000}',
    '\u{feff}',
    '\u{2028}',
    '\u{2029}',
    '\u{fffd}',
    '\u{fffe}',
    '\u{ffff}',
    '\u{1f600}',
    '\u{10ffff}',
];

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(DANGEROUS).prop_map(String::from),
        3 => prop::sample::select(DANGEROUS_CHARS).prop_map(String::from),
        3 => "[a-zA-Z0-9_]{1,8}",
        1 => "\\PC{1,4}",
        1 => any::<char>().prop_map(String::from),
    ]
}

/// Arbitrary strings biased toward what breaks a YAML emitter, including ones longer than an
/// implicit key may be (1024 characters, more once escaped).
fn yaml_string() -> impl Strategy<Value = String> {
    let short = || prop::collection::vec(piece(), 1..7).prop_map(|p| p.concat());
    prop_oneof![
        12 => short(),
        1 => Just(String::new()),
        2 => (short(), 980usize..1100).prop_map(|(s, n)| s.chars().cycle().take(n).collect()),
    ]
}

/// A changed target document carrying `s` everywhere the emitter writes a scalar: as an env
/// `name` (`Node::plain`, as renames do) and `value` (`Node::string`), as block and flow
/// mapping keys and values, as flow sequence items, in each source style it could have had.
fn document_with(s: &str) -> yaml::Node {
    use yaml::{Node, Style};
    let base = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\n  annotations: {a: b}\nspec:\n  containers:\n  - name: clearml-apiserver\n    args: [x]\n    env:\n    - name: X\n      value: 'x'\n";
    let mut root = yaml::parse(base).unwrap().unwrap();
    let scalar = |style, line| Node::Scalar {
        value: s.to_string(),
        style,
        tag: None,
        anchor: 0,
        line,
        col: 0,
    };
    let container = match root.get_mut("spec").and_then(|n| n.get_mut("containers")) {
        Some(Node::Seq { items, .. }) => &mut items[0],
        _ => unreachable!("in the base document"),
    };
    let env = match container.get_mut("env") {
        Some(Node::Seq { items, .. }) => &mut items[0],
        _ => unreachable!("in the base document"),
    };
    env.set("name", Node::plain(s));
    env.set("value", Node::string(s));
    if let Some(Node::Seq { items, .. }) = container.get_mut("args") {
        items.extend([Node::plain(s), Node::string(s), scalar(Style::Double, 9)]);
    }
    let annotations = root
        .get_mut("metadata")
        .unwrap()
        .get_mut("annotations")
        .unwrap();
    annotations.set(s, Node::plain(s));
    // Keys in every style, in block mappings of their own (one key per mapping: no duplicates).
    let keyed = |key: Node| Node::Map {
        entries: vec![(key, Node::string("v"))],
        tag: None,
        anchor: 0,
        line: 0,
        flow: false,
    };
    root.set("plain_key", keyed(Node::plain(s)));
    root.set("made_plain_key", keyed(scalar(Style::Plain, 0)));
    root.set("single_key", keyed(scalar(Style::Single, 3)));
    root.set("double_key", keyed(scalar(Style::Double, 3)));
    root.set("block_key", keyed(scalar(Style::Block, 3)));
    // Values in the styles a parsed scalar can have (plain is judged anew when made).
    root.set("made_plain", scalar(Style::Plain, 0));
    root.set("single", scalar(Style::Single, 3));
    root.set("block", scalar(Style::Block, 3));
    root.set(
        "in_sequence",
        Node::seq(vec![scalar(Style::Block, 3), Node::plain(s)]),
    );
    root
}

/// A node as the YAML 1.1 check script reports it, every scalar a string: what any reader
/// must make of the document.
fn expected(node: &yaml::Node) -> serde_json::Value {
    use serde_json::json;
    match node {
        yaml::Node::Scalar { value, .. } => json!({ "str": value }),
        yaml::Node::Seq { items, .. } => {
            json!({ "seq": items.iter().map(expected).collect::<Vec<_>>() })
        }
        yaml::Node::Map { entries, .. } => json!({
            "map": entries.iter().map(|(k, v)| json!([expected(k), expected(v)])).collect::<Vec<_>>()
        }),
        yaml::Node::Alias(_) => unreachable!("none are made"),
    }
}

/// The tool's own reading, with its YAML 1.1 resolution (a string must stay a string).
fn own_reading(node: &yaml::Node) -> serde_json::Value {
    use serde_json::json;
    match node {
        yaml::Node::Scalar { value, .. } => match k8s::to_json(node) {
            serde_json::Value::String(_) => json!({ "str": value }),
            other => json!({ "other": other }),
        },
        yaml::Node::Seq { items, .. } => {
            json!({ "seq": items.iter().map(own_reading).collect::<Vec<_>>() })
        }
        yaml::Node::Map { entries, .. } => json!({
            "map": entries.iter().map(|(k, v)| json!([own_reading(k), own_reading(v)])).collect::<Vec<_>>()
        }),
        yaml::Node::Alias(_) => json!({ "other": "alias" }),
    }
}

/// serde_yaml's reading (an independent YAML 1.2 parser).
fn serde_reading(value: &serde_yaml::Value) -> serde_json::Value {
    use serde_json::json;
    use serde_yaml::Value as Y;
    match value {
        Y::String(s) => json!({ "str": s }),
        Y::Sequence(items) => json!({ "seq": items.iter().map(serde_reading).collect::<Vec<_>>() }),
        Y::Mapping(m) => json!({
            "map": m.iter().map(|(k, v)| json!([serde_reading(k), serde_reading(v)])).collect::<Vec<_>>()
        }),
        other => json!({ "other": format!("{other:?}") }),
    }
}

fn layouts() -> impl Strategy<Value = yaml::Layout> {
    (1usize..5, any::<bool>()).prop_map(|(indent, indent_sequences)| yaml::Layout {
        indent,
        indent_sequences,
    })
}

/// Every scalar the emitter writes reads back as the same string through the tool's own
/// parser and serde_yaml, and the written document is a fixed point of parse + emit.
#[test]
fn every_written_scalar_reads_back() {
    let mut runner = runner(1024);
    runner
        .run(&(yaml_string(), layouts()), |(s, layout)| {
            let doc = document_with(&s);
            let want = expected(&doc);
            let out = yaml::emit(&doc, layout);
            let own = yaml::parse(&out)
                .map_err(|e| TestCaseError::fail(format!("{e:?} in\n{out}")))?
                .unwrap();
            let got = own_reading(&own);
            prop_assert!(got == want, "the tool's parser read {got} from\n{out}");
            let theirs: serde_yaml::Value = serde_yaml::from_str(&out)
                .map_err(|e| TestCaseError::fail(format!("serde_yaml: {e} in\n{out}")))?;
            let got = serde_reading(&theirs);
            prop_assert!(got == want, "serde_yaml read {got} from\n{out}");
            prop_assert_eq!(yaml::emit(&own, layout), out, "not a fixed point");
            Ok(())
        })
        .unwrap();
}

/// The same documents, a few thousand of them, through PyYAML (`safe_load`, YAML 1.1) in one
/// process: every scalar is a Python `str` equal to the one written — not a bool, int,
/// float, None or datetime, and nothing lost to a comment or a stray mapping.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn every_written_scalar_reads_back_in_yaml_1_1() {
    let python = tool("CLEARML_SSO_PYTHON");
    let mut runner = runner(3000);
    let strategy = (yaml_string(), layouts());
    let cases: Vec<(String, String, serde_json::Value)> = (0..runner.config().cases)
        .map(|_| {
            let (s, layout) = strategy.new_tree(&mut runner).unwrap().current();
            let doc = document_with(&s);
            (s, yaml::emit(&doc, layout), expected(&doc))
        })
        .collect();
    let texts: Vec<&String> = cases.iter().map(|(_, t, _)| t).collect();
    let script = root().join("tests/conformance/yaml11_readback.py");
    let out = run_in(
        &python,
        &[script.to_str().unwrap()],
        &serde_json::to_vec(&texts).unwrap(),
        None,
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let read: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(read.len(), cases.len());
    for ((s, written, want), got) in cases.iter().zip(&read) {
        assert!(
            got == want,
            "PyYAML read {got} for {s:?} written as\n{written}"
        );
    }
}

/// The value an env entry gives the process: Kubernetes' expansion of its literal against the
/// entries before it (each expanded in turn).
fn kubernetes_value(env: &[clearml_sso::yaml::Node], entry: &clearml_sso::yaml::Node) -> String {
    let mut defined: Vec<(String, String)> = Vec::new();
    for e in env {
        let raw = e.get("value").and_then(|v| v.as_str()).unwrap_or_default();
        let value = k8s::expand_env(raw, |name| {
            defined
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        })
        .expect("generated values are short, with no `$` before a non-ASCII character");
        if std::ptr::eq(e, entry) {
            return value;
        }
        defined.push((e.get_str("name").unwrap_or_default().to_string(), value));
    }
    panic!("the entry is in the env list");
}
