//! The semantic oracle: a render that ends without errors means the policy and nothing else,
//! as read by a YAML reader that is no part of the tool.
//!
//! The tool proves its own output with its own reader (src/k8s_yaml.rs); this target checks
//! that proof from outside with serde_yaml, which sits on unsafe-libyaml, a libyaml port like
//! the Go reader under kubectl and Helm (so the same line breaks: LF, CR, CRLF, NEL, LS, PS).
//! For every clean render (fixed Keycloak policy):
//!
//! (a) the stream has as many documents as before, and every document the tool's splitter
//!     sees changed holds a targeted container;
//! (b) outside the `env` lists of targeted containers, every document reads the same, and the
//!     same containers are targeted;
//! (c) in each targeted container's effective env (the last entry of a name wins), every
//!     setting of the policy has the policy's value or reference, and every variable that is
//!     not an SSO setting keeps its effective entry.
//!
//! serde_yaml differs from go-yaml v2 in ways handled here: `<<` merges are applied with
//! go-yaml v2's order (see [`merged`]), unknown tags are dropped as go-yaml v2 drops them, and
//! a document serde_yaml refuses in the input (duplicate keys, which go-yaml v2 reads; nesting
//! or alias limits) is a reader difference: printed once per kind as `semantic: note:` and, with
//! `SEMANTIC_NOTES_DIR` set, saved there, never a crash. serde_yaml cannot see how a scalar was
//! quoted, so a re-quoting that YAML 1.1 reads differently (`yes` → `"yes"`) is out of its sight;
//! the tool keeps every scalar's spelling outside the values it writes, and those are checked.
//!
//! The mutator splices fragments that have broken readers before — lone CR, NEL, LS, anchors,
//! aliases, merge keys, duplicated lines, odd spellings of the policy's variables, flow forms —
//! into the input, or into a known-good apiserver document, alongside libFuzzer's own mutations.
#![no_main]
use clearml_sso::policy::{Policy, Value as PolicyValue};
use libfuzzer_sys::{fuzz_mutator, fuzz_target, fuzzer_mutate};
use serde::Deserialize;
use serde_yaml::{Mapping, Value};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, OnceLock};

const POLICY: &str = include_str!("../../tests/fixtures/policies/keycloak.toml");

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| clearml_sso::policy::parse(POLICY, "keycloak.toml").unwrap())
}

fuzz_target!(|data: &[u8]| {
    let policy = policy();
    let Ok(out) = clearml_sso::render(data, policy) else {
        return;
    };
    if out.has_errors() {
        return;
    }
    let input = std::str::from_utf8(data).expect("render accepts only UTF-8");
    // Documents the tool wrote again in canonical form: see `check`.
    let canonical: HashSet<usize> = out
        .findings
        .iter()
        .filter(|f| f.code == clearml_sso::report::CANONICAL_FORM)
        .filter_map(|f| f.location.as_ref().map(|l| l.document))
        .collect();
    check(input, &out.output, policy, &canonical);
});

/// A reader difference seen once: printed, and saved when `SEMANTIC_NOTES_DIR` is set.
fn note(kind: &str, input: &str) {
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let mut seen = SEEN.lock().unwrap();
    if !seen
        .get_or_insert_with(HashSet::new)
        .insert(kind.to_string())
    {
        return;
    }
    eprintln!("semantic: note: serde_yaml and the tool read differently: {kind}");
    if let Ok(dir) = std::env::var("SEMANTIC_NOTES_DIR") {
        let file: String = kind
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(60)
            .collect();
        let _ = std::fs::write(std::path::Path::new(&dir).join(file + ".yaml"), input);
    }
}

/// An error message without its position, so that one kind of difference is noted once.
fn error_kind(e: &str) -> String {
    let e = e.split(" at line ").next().unwrap_or(e);
    e.chars().filter(|c| !c.is_ascii_digit()).take(80).collect()
}

/// Every document of a stream as serde_yaml reads it; reading stops at the first error, since
/// after a scanner error libyaml has no stream left to read.
fn read_stream(text: &str) -> (Vec<Value>, Option<String>) {
    let mut docs = Vec::new();
    for de in serde_yaml::Deserializer::from_str(text) {
        match Value::deserialize(de) {
            Ok(v) => docs.push(v),
            Err(e) => return (docs, Some(e.to_string())),
        }
    }
    (docs, None)
}

/// go-yaml v2's reading of `<<`: entries apply in document order, a merge overwriting keys
/// written before it and overwritten by keys after it; in `<<: [*a, *b]` the earlier mapping
/// wins; merges inside merged mappings apply too. serde_yaml's `apply_merge` lets explicit keys
/// always win and leaves a merged mapping's own `<<` as a plain key, so it is not used. Also
/// drops tags: go-yaml v2 reads `!foo x` as `x`.
fn merged(v: Value) -> Result<Value, String> {
    Ok(match v {
        Value::Mapping(m) => {
            let mut out = Mapping::new();
            for (k, v) in m {
                if k.as_str() == Some("<<") {
                    merge_into(&mut out, v)?;
                } else {
                    out.insert(merged(k)?, merged(v)?);
                }
            }
            Value::Mapping(out)
        }
        Value::Sequence(s) => Value::Sequence(s.into_iter().map(merged).collect::<Result<_, _>>()?),
        Value::Tagged(t) => merged(t.value)?,
        other => other,
    })
}

fn merge_into(out: &mut Mapping, v: Value) -> Result<(), String> {
    match merged(v)? {
        Value::Mapping(m) => out.extend(m),
        Value::Sequence(items) => {
            for item in items.into_iter().rev() {
                match item {
                    Value::Mapping(m) => out.extend(m),
                    _ => return Err("a `<<` list item that is not a mapping".into()),
                }
            }
        }
        _ => return Err("a `<<` value that is not a mapping".into()),
    }
    Ok(())
}

fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &["spec"],
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            &["spec", "template", "spec"]
        }
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// Where a targeted container is: list item indices, then the container's index.
type At = (Vec<usize>, usize);

fn targets(object: &Value, policy: &Policy, path: Vec<usize>, out: &mut Vec<At>) {
    let kind = str_at(object, &["kind"]).unwrap_or_default();
    // kubectl and Helm read any object with an `items` field as a list, whatever its kind.
    if object.get("items").is_some() {
        if let Some(items) = object.get("items").and_then(Value::as_sequence) {
            for (i, item) in items.iter().enumerate() {
                let mut p = path.clone();
                p.push(i);
                targets(item, policy, p, out);
            }
        }
        return;
    }
    let name = str_at(object, &["metadata", "name"]).unwrap_or_default();
    let Some(spec_path) = pod_spec_path(kind) else {
        return;
    };
    if !policy.target.selects_workload(kind, name) {
        return;
    }
    let containers = spec_path
        .iter()
        .try_fold(object, |v, k| v.get(k))
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_sequence);
    for (i, c) in containers.into_iter().flatten().enumerate() {
        if policy
            .target
            .containers
            .is_match(str_at(c, &["name"]).unwrap_or_default())
        {
            out.push((path.clone(), i));
        }
    }
}

fn container_mut<'a>(doc: &'a mut Value, at: &At) -> &'a mut Value {
    let mut object = doc;
    for &i in &at.0 {
        object = &mut object["items"][i];
    }
    let kind = object["kind"].as_str().unwrap_or_default().to_string();
    for step in pod_spec_path(&kind).unwrap() {
        object = &mut object[*step];
    }
    &mut object["containers"][at.1]
}

/// A container's effective env: each name's last entry (`env:` with no value is none).
/// Entries Kubernetes would refuse (not a mapping, no string name) are kept under their YAML
/// text, so a change to them shows.
fn effective_env(container: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    if let Some(entries) = container.get("env").and_then(Value::as_sequence) {
        for e in entries {
            let name = match e.get("name").and_then(Value::as_str) {
                Some(n) => n.to_string(),
                None => format!("<unnamed {}>", serde_yaml::to_string(e).unwrap_or_default()),
            };
            out.insert(name, e.clone());
        }
    } else if let Some(other) = container.get("env").filter(|v| !v.is_null()) {
        out.insert("<env itself>".into(), other.clone());
    }
    out
}

/// Names the tool may rewrite or drop: any spelling of an SSO setting (ClearML's or not).
fn sso_like(name: &str) -> bool {
    name.trim().to_ascii_lowercase().contains("__login__sso__")
}

/// YAML 1.1 spellings of true: serde_yaml reads them as strings, Kubernetes as `true`.
fn maybe_true(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => matches!(
            s.as_str(),
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE"
        ),
        Value::Null => false,
        _ => true,
    }
}

/// Whether an effective env entry gives the policy's value. The YAML is read here; the HOCON
/// reading of a literal is the tool's own (`Literal::matches`, checked against pyhocon by the
/// conformance tests), since HOCON is not what this target questions.
fn gives(entry: &Value, want: &PolicyValue) -> Result<(), String> {
    let value = entry.get("value").filter(|v| !v.is_null());
    let from = entry.get("valueFrom").filter(|v| !v.is_null());
    let reference = |kind: &str, name: &str, key: &str| -> Result<(), String> {
        if value.is_some_and(|v| v.as_str() != Some("")) {
            return Err("has both `value` and `valueFrom`".into());
        }
        let from = from
            .and_then(Value::as_mapping)
            .ok_or("has no `valueFrom`")?;
        if from.len() != 1 {
            return Err("`valueFrom` has more than one source".into());
        }
        let r = from.get(kind).ok_or(format!("has no `{kind}`"))?;
        if str_at(r, &["name"]) != Some(name) || str_at(r, &["key"]) != Some(key) {
            return Err(format!("`{kind}` names another object or key"));
        }
        if r.get("optional").is_some_and(maybe_true) {
            return Err(format!("`{kind}` is optional"));
        }
        Ok(())
    };
    match want {
        PolicyValue::Literal(l) => {
            if from.is_some() {
                return Err("has a `valueFrom`".into());
            }
            match value {
                Some(Value::String(s)) if l.matches(s) => Ok(()),
                Some(Value::String(_)) => Err("holds another value".into()),
                Some(_) => Err("has a `value` that is not a string".into()),
                None => Err("has no `value`".into()),
            }
        }
        PolicyValue::Secret { name, key } => reference("secretKeyRef", name, key),
        PolicyValue::ConfigMap { name, key } => reference("configMapKeyRef", name, key),
    }
}

/// The first path at which two values differ, for the crash message.
fn difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Mapping(x), Value::Mapping(y)) => {
            for k in x.keys().chain(y.keys()) {
                let here = format!(
                    "{path}/{}",
                    serde_yaml::to_string(k).unwrap_or_default().trim()
                );
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => {
                        if let Some(d) = difference(p, q, &here) {
                            return Some(d);
                        }
                    }
                    _ => return Some(here),
                }
            }
            None
        }
        (Value::Sequence(x), Value::Sequence(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| difference(p, q, &format!("{path}/{i}"))),
        _ => (a != b).then(|| format!("{path} ({a:?} vs {b:?})")),
    }
}

fn check(input: &str, output: &str, policy: &Policy, canonical: &HashSet<usize>) {
    // (a) by the tool's splitter: a document it changed must be one the policy targets.
    let (din, dout) = (
        clearml_sso::stream::split(input),
        clearml_sso::stream::split(output),
    );
    assert_eq!(
        din.len(),
        dout.len(),
        "the splitter's document count changed"
    );
    for (a, b) in din.iter().zip(&dout) {
        if a.raw == b.raw {
            continue;
        }
        match read_stream(a.raw) {
            (docs, None) => {
                let mut found = Vec::new();
                let mut readable = true;
                for d in docs {
                    match merged(d) {
                        Ok(d) => targets(&d, policy, Vec::new(), &mut found),
                        Err(e) => {
                            note(&format!("input merge: {e}"), input);
                            readable = false;
                        }
                    }
                }
                assert!(
                    !readable || !found.is_empty(),
                    "document {} was changed but serde_yaml finds no targeted container in it",
                    a.index + 1
                );
            }
            (_, Some(e)) => note(&format!("input document: {}", error_kind(&e)), input),
        }
    }

    // A quoted or tagged `<<` is a plain key to go-yaml v2 but a merge to serde_yaml: the
    // reading below would not be Kubernetes'.
    if ["\"<<\"", "'<<'", "!!merge", "! <<", "!<"]
        .iter()
        .any(|s| input.contains(s))
    {
        return note("a quoted or tagged `<<`", input);
    }

    // (b) and (c), document by document as serde_yaml splits the stream.
    let (docs_in, err_in) = read_stream(input);
    let (docs_out, err_out) = read_stream(output);
    if let Some(e) = &err_in {
        // serde_yaml reads the stream whole; kubectl and the tool split it into documents
        // first, so a stream serde_yaml cannot finish says nothing about the documents.
        return note(&format!("input: {}", error_kind(e)), input);
    }
    assert!(
        err_out.is_none(),
        "serde_yaml reads the input but not the output: {err_out:?}"
    );
    if docs_in.len() != docs_out.len() && !canonical.is_empty() {
        // A line break only YAML 1.1 knows (NEL, LS, PS) can start a second YAML document
        // inside what Kubernetes' splitter hands go-yaml as one, and go-yaml reads only the
        // first: the canonical form writes what Kubernetes read, so serde_yaml, reading the
        // stream whole, counts the hidden document in the input only.
        return note("a document rewritten in canonical form held another", input);
    }
    assert_eq!(
        docs_in.len(),
        docs_out.len(),
        "serde_yaml reads a different number of documents"
    );
    for (i, (before, after)) in docs_in.into_iter().zip(docs_out).enumerate() {
        let before = match merged(before) {
            Ok(v) => v,
            Err(e) => {
                note(&format!("input merge: {e}"), input);
                continue;
            }
        };
        let after = merged(after).expect("the output's merges read as the input's did");
        let (mut tb, mut ta) = (Vec::new(), Vec::new());
        targets(&before, policy, Vec::new(), &mut tb);
        targets(&after, policy, Vec::new(), &mut ta);
        assert_eq!(tb, ta, "document {}: the targeted containers differ", i + 1);
        let (mut sb, mut sa) = (before.clone(), after.clone());
        for at in &tb {
            if let Some(c) = container_mut(&mut sb, at).as_mapping_mut() {
                c.remove("env");
            }
            if let Some(c) = container_mut(&mut sa, at).as_mapping_mut() {
                c.remove("env");
            }
        }
        // A document rewritten in canonical form spells each scalar as Kubernetes read it
        // (a plain `0777` is written `511`, go-yaml's YAML 1.1 octal); serde_yaml reads some
        // YAML 1.1 plain scalars of the input otherwise, so outside the policy's settings it
        // has no reading of its own to compare. The canonical form is checked against go-yaml
        // itself by tests/oracle/goyaml.rs.
        let rewritten = canonical.contains(&i);
        if rewritten {
            note("a document rewritten in canonical form", input);
        } else if let Some(path) = difference(&sb, &sa, "") {
            panic!(
                "document {}: outside the targeted env lists, serde_yaml reads a change at {path}",
                i + 1
            );
        }
        for at in &tb {
            let (eb, ea) = (
                effective_env(container_mut(&mut before.clone(), at)),
                effective_env(container_mut(&mut after.clone(), at)),
            );
            for d in &policy.desired {
                let entry = ea.get(&d.name).unwrap_or_else(|| {
                    panic!(
                        "document {}: `{}` is not in the effective env",
                        i + 1,
                        d.name
                    )
                });
                if let Err(why) = gives(entry, &d.value) {
                    panic!("document {}: `{}` {why}", i + 1, d.name);
                }
            }
            for name in eb
                .keys()
                .chain(ea.keys())
                .filter(|n| !rewritten && !sso_like(n))
            {
                assert_eq!(
                    eb.get(name),
                    ea.get(name),
                    "document {}: the variable `{name}` changed",
                    i + 1
                );
            }
        }
    }
}

// ---- the mutator ----

/// A known-good apiserver document to splice into when the input is not usable text.
const BASE: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: clearml-apiserver
spec:
  template:
    spec:
      containers:
        - name: clearml-apiserver
          image: allegroai/clearml:2.0.0
          env:
            - name: MONGO_URI
              value: \"mongodb://m:27017\"
            - name: CLEARML__secure__login__sso__oauth_client__keycloak__client_id
              valueFrom:
                secretKeyRef:
                  name: clearml-sso
                  key: keycloak_client_id
            - name: CLEARML_DEBUG_MODE
              value: \"on\"
";

/// The same document in JSON form, as some tools and Helm 4 write it.
const BASE_JSON: &str = r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"clearml-apiserver"},"spec":{"template":{"spec":{"containers":[{"name":"clearml-apiserver","env":[{"name":"MONGO_URI","value":"m"},{"name":"CLEARML__secure__login__sso__oauth_client__keycloak__client_secret","value":"leak"}]}]}}}}
"#;

/// Spellings of the policy's variables and of others that look like them.
const NAMES: &[&str] = &[
    "CLEARML__secure__login__sso__oauth_client__keycloak__client_secret",
    "CLEARML__secure__login__sso__oauth_client__keycloak__client_id",
    "CLEARML__SECURE__LOGIN__SSO__OAUTH_CLIENT__KEYCLOAK__CLIENT_SECRET",
    "CLEARML__secure__login__sso__oauth_client__Keycloak__client_id",
    "clearml__secure__login__sso__oauth_client__keycloak__client_id",
    "TRAINS__secure__login__sso__oauth_client__keycloak__client_id",
    "CLEARML__services__login__sso__oauth_client__keycloak__client_secret",
    "CLEARML__services__login__sso__oauth_client__keycloak__base_url",
    "CLEARML__services__login__sso__oauth_client__keycloak__idp_logout",
    "CLEARML__secure__login__sso__oauth_client__keycloak__idp_logout",
    "CLEARML__services__login__sso__oauth_client__keycloak__groups__admins",
    "CLEARML__services__login__sso__oauth_client__keycloak__groups",
    "CLEARML__secure__login__sso__oauth_client__keycloak",
    "CLEARML__secure__login__sso",
    "\" CLEARML__secure__login__sso__oauth_client__keycloak__client_id\"",
    "\"CLEARML__secure__login__sso__oauth_client__keycloak__client_id \"",
    "CLEARML___secure__login__sso__oauth_client__keycloak__client_id",
    "ALLEGRO__secure__login__sso__oauth_client__keycloak__client_id",
    "CLEARML__services__login__sso__tenant_login",
    "MONGO_URI",
    "CLEARML_DEBUG_MODE",
    "CLEARML__apiserver__x",
];

/// Whole lines, inserted at a line start with that line's indentation; `N` is a name.
const LINES: &[&str] = &[
    "- name: N\n  value: leaked",
    "- {name: N, value: \"x\"}",
    "- {\"name\": \"N\", \"value\": \"true\"}",
    "- name: N\n  valueFrom:\n    secretKeyRef: {name: other, key: k}",
    "- name: N\n  valueFrom:\n    secretKeyRef: {name: clearml-sso, key: keycloak_client_id, optional: yes}",
    "- &e {name: N, value: v}",
    "- *e",
    "- <<: *e",
    "- <<: *e\n  name: N",
    "x-anchor: &a\n  name: N\n  value: v",
    "<<: *a",
    "<<: {name: clearml-apiserver}",
    "<<: [{env: []}, {name: clearml-apiserver}]",
    "env: []",
    "env:",
    "env: &envs",
    "env: *envs",
    "name: clearml-apiserver",
    "name: N",
    "value: N",
    "# comment\r- name: N\r  value: leaked",
    "# comment\u{85}- name: N",
    "# comment\u{2028}value: x",
    "# comment\u{2029}name: x",
    "a: b # c\rname: other",
    "---",
    "...",
    "kind: Deployment",
    "kind: List",
    "metadata: {name: clearml-apiserver}",
    "envFrom:\n- secretRef: {name: clearml-sso}\n  prefix: CLEARML__SECURE__",
    "? name\n: N",
    "\"name\": \"N\"",
    "!!str name: N",
    "value: |\n  a\r  b",
    "value: >\n  a\n\n  b",
];

/// Text inserted anywhere.
const INLINE: &[&str] = &[
    "\r", "\u{85}", "\u{2028}", "\u{2029}", "\r\n", " #", "&a ", "*a", "\t", "'", "\"", ": ", "{",
    "}", "[", "]", ",", "!!str ", "! ", "<<: ", "---", "\u{feff}", "- ", "  ", "&b ", "*b",
];

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        // xorshift64*: deterministic for a seed, as libFuzzer wants.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

/// Byte offsets of line starts.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i <= text.len())
        .collect()
}

fn splice(text: &str, rng: &mut Rng) -> String {
    let starts = line_starts(text);
    let at = starts[rng.below(starts.len())];
    let line_end = text[at..].find('\n').map_or(text.len(), |e| at + e + 1);
    let indent: String = text[at..line_end]
        .chars()
        .take_while(|c| *c == ' ')
        .collect();
    let name = rng.pick(NAMES);
    let mut out = String::with_capacity(text.len() + 256);
    match rng.below(8) {
        0 | 1 => {
            let block: String = rng
                .pick(LINES)
                .replace('N', name)
                .split('\n')
                .map(|l| format!("{indent}{l}\n"))
                .collect();
            out.push_str(&text[..at]);
            out.push_str(&block);
            out.push_str(&text[at..]);
        }
        2 => {
            // Anywhere on a char boundary.
            let mut pos = rng.below(text.len() + 1);
            while !text.is_char_boundary(pos) {
                pos -= 1;
            }
            out.push_str(&text[..pos]);
            out.push_str(rng.pick(INLINE));
            out.push_str(&text[pos..]);
        }
        3 => {
            // A repeated line: duplicate keys and entries.
            out.push_str(&text[..line_end]);
            out.push_str(&text[at..line_end]);
            if !text[at..line_end].ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&text[line_end..]);
        }
        4 => {
            // Another spelling of a name in an env entry.
            match text.match_indices("name: ").nth(rng.below(8)) {
                Some((i, _)) => {
                    let start = i + "name: ".len();
                    let end = text[start..]
                        .find(['\n', ',', '}'])
                        .map_or(text.len(), |e| start + e);
                    out.push_str(&text[..start]);
                    out.push_str(name);
                    out.push_str(&text[end..]);
                }
                None => out.push_str(text),
            }
        }
        5 => {
            // A line break of another kind.
            let breaks: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
            if breaks.is_empty() {
                out.push_str(text);
            } else {
                let i = breaks[rng.below(breaks.len())];
                out.push_str(&text[..i]);
                out.push_str(rng.pick(&["\r", "\u{85}", "\u{2028}", "\u{2029}", "\r\n"]));
                out.push_str(&text[i + 1..]);
            }
        }
        6 => {
            // The known-good document, alone or added to the stream.
            let base = if rng.below(4) == 0 { BASE_JSON } else { BASE };
            if rng.below(2) == 0 {
                out.push_str(base);
            } else {
                out.push_str(text);
                if !text.is_empty() && !text.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str("---\n");
                out.push_str(base);
            }
        }
        _ => {
            // A line removed.
            out.push_str(&text[..at]);
            out.push_str(&text[line_end..]);
        }
    }
    out
}

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    let mut rng = Rng(u64::from(seed) | 1 << 40);
    if rng.below(3) == 0 {
        return fuzzer_mutate(data, size, max_size);
    }
    let text = match std::str::from_utf8(&data[..size]) {
        Ok(t) if !t.trim().is_empty() => t.to_string(),
        _ => BASE.to_string(),
    };
    let new = splice(&text, &mut rng);
    if new.len() > max_size {
        return fuzzer_mutate(data, size, max_size);
    }
    data[..new.len()].copy_from_slice(new.as_bytes());
    new.len()
});
