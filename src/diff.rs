//! `diff`: what `render` would change, as a unified diff per changed document, with every
//! secret value of the input redacted.
//!
//! The diff is of the raw text (so it shows everything that changes, comments included).
//! Secret documents never change, so a secret can only show up through an env `value:` line
//! (a credential written as a literal, or a Secret's value pasted into a literal). Before
//! printing, literal values of credential options are replaced by `<redacted>` everywhere, and
//! every value of a Secret in the stream (`data` raw and decoded, `stringData`) on any
//! `value:` line — each in every spelling YAML may have given it. Secret values are not
//! blanked elsewhere: a Secret holding `clearml` must not erase the word from the whole diff.

use crate::clearml_env;
use crate::k8s;
use crate::stream;
use crate::yaml::{self, Node};
use k8s_openapi::ByteString;
use similar::TextDiff;

/// Shortest value that is redacted; shorter ones would blank out ordinary text.
const MIN_REDACTED: usize = 4;

/// Replaces secret values found in a stream.
#[derive(Debug, Default)]
pub struct Redactor {
    /// Literal credential values: redacted everywhere.
    credentials: Vec<String>,
    /// Values of Secrets in the stream: redacted on `value:` lines.
    secrets: Vec<String>,
}

impl Redactor {
    /// Collects the secret values of `input` (a manifest stream).
    pub fn from_stream(input: &str) -> Redactor {
        let mut r = Redactor::default();
        for doc in stream::split(input) {
            let Ok(Some(root)) = yaml::parse(doc.parse_text()) else {
                continue;
            };
            for object in k8s::objects(&root) {
                r.collect(object);
            }
        }
        for list in [&mut r.credentials, &mut r.secrets] {
            list.sort_by_key(|s| std::cmp::Reverse(s.len()));
            list.dedup();
        }
        r
    }

    fn add(list: &mut Vec<String>, value: &str) {
        if value.chars().count() < MIN_REDACTED {
            return;
        }
        // As YAML may spell it: plain, single-quoted ('' for '), double-quoted (escapes).
        list.push(value.to_string());
        list.push(value.replace('\'', "''"));
        let dq = yaml::double_quoted(value);
        list.push(dq[1..dq.len() - 1].to_string());
        for line in value.lines() {
            if line.chars().count() >= MIN_REDACTED {
                list.push(line.to_string());
            }
        }
    }

    fn collect(&mut self, object: &Node) {
        let kind = object.get_str("kind").unwrap_or_default();
        if kind == "Secret" {
            for field in ["data", "stringData"] {
                if let Some(Node::Map { entries, .. }) = object.get(field) {
                    for (_, v) in entries {
                        let text = v.as_str().unwrap_or_default();
                        Self::add(&mut self.secrets, text);
                        if field == "data" {
                            if let Ok(bytes) = serde_json::from_value::<ByteString>(text.into()) {
                                Self::add(&mut self.secrets, &String::from_utf8_lossy(&bytes.0));
                            }
                        }
                    }
                }
            }
        }
        self.collect_env(object);
    }

    /// Literal values of credential options (client_secret) anywhere in the object.
    fn collect_env(&mut self, node: &Node) {
        match node {
            Node::Map { entries, .. } => {
                let name = node.get_str("name").and_then(clearml_env::parse_name);
                let secret = name
                    .as_ref()
                    .and_then(|n| n.option())
                    .is_some_and(|o| o.secret);
                if secret {
                    if let Some(v) = node.get_str("value") {
                        Self::add(&mut self.credentials, v);
                        Self::add(&mut self.credentials, clearml_env::strip_comment(v).trim());
                        if let clearml_env::Hocon::Str(s) = clearml_env::read(v) {
                            Self::add(&mut self.credentials, &s);
                        }
                    }
                }
                for (_, v) in entries {
                    self.collect_env(v);
                }
            }
            Node::Seq { items, .. } => items.iter().for_each(|i| self.collect_env(i)),
            _ => {}
        }
    }

    /// `text` (a diff or manifest text) with credentials replaced by `<redacted>`, and Secret
    /// values on `value:` lines.
    pub fn redact(&self, text: &str) -> String {
        let replace = |mut line: String, list: &[String]| {
            for s in list {
                if line.contains(s.as_str()) {
                    line = line.replace(s.as_str(), "<redacted>");
                }
            }
            line
        };
        text.split_inclusive('\n')
            .map(|line| {
                let line = replace(line.to_string(), &self.credentials);
                let content = line
                    .trim_start_matches(['+', '-', ' '])
                    .trim_start_matches("- ")
                    .trim_start();
                if content.starts_with("value:") {
                    replace(line, &self.secrets)
                } else {
                    line
                }
            })
            .collect()
    }
}

/// A unified diff of each document `output` changes, headed by the document's template,
/// secret values redacted.
pub fn unified(input: &str, output: &str) -> String {
    let redactor = Redactor::from_stream(input);
    let (before, after) = (stream::split(input), stream::split(output));
    let mut out = String::new();
    for (a, b) in before.iter().zip(&after) {
        if a.raw == b.raw {
            continue;
        }
        let name = k8s::source_comment(a.raw)
            .map(str::to_string)
            .unwrap_or_else(|| format!("document {}", a.index + 1));
        let diff = TextDiff::from_lines(a.raw, b.raw);
        let text = diff
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string();
        out.push_str(&redactor.redact(&text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_redacted_in_every_spelling() {
        let input = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  k: aHVudGVyMi1zZWNyZXQ=\nstringData:\n  p: \"it's a \\\"secret\\\"\"\n---\nkind: Pod\nspec:\n  containers:\n  - env:\n    - name: CLEARML__secure__login__sso__oauth_client__google__client_secret\n      value: plain-literal-secret\n";
        let r = Redactor::from_stream(input);
        let text = "value: hunter2-secret aHVudGVyMi1zZWNyZXQ= it's a \"secret\" 'it''s a \"secret\"' \"it's a \\\"secret\\\"\" plain-literal-secret keep";
        let red = r.redact(text);
        assert_eq!(
            red,
            "value: <redacted> <redacted> <redacted> '<redacted>' \"<redacted>\" <redacted> keep"
        );
        // Off `value:` lines only credentials are blanked, not every Secret value.
        assert_eq!(
            r.redact("+ name: hunter2-secret plain-literal-secret\n"),
            "+ name: hunter2-secret <redacted>\n"
        );
    }

    #[test]
    fn diff_is_per_changed_document() {
        let input = "---\n# Source: c/a.yaml\nkind: A\n---\n# Source: c/b.yaml\nkind: B\n";
        let output = "---\n# Source: c/a.yaml\nkind: A\n---\n# Source: c/b.yaml\nkind: C\n";
        insta::assert_snapshot!(unified(input, output), @r"
        --- a/c/b.yaml
        +++ b/c/b.yaml
        @@ -1,3 +1,3 @@
         ---
         # Source: c/b.yaml
        -kind: B
        +kind: C
        ");
    }
}
