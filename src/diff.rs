//! `diff`: what `render` would change, as a unified diff per changed document, computed from
//! redacted documents so that no secret value can be printed. It formats; what is redacted is
//! [`crate::redact`]'s decision, and which documents changed is [`crate::kube::stream`]'s.
//!
//! For each changed document both sides are parsed into the tool's tree, every sensitive
//! scalar is replaced by [`crate::redact::REDACTED`] in the tree, both trees are written with the same emitter
//! and layout (every collection in block style), and those two texts are diffed. Nothing of the
//! raw text reaches the output except the template name in the header: no line-based rule has
//! to guess what a secret looks like in YAML (quoted, folded, multi-line, in a JSON or flow
//! entry, a list item). Because both sides are re-emitted, differences that only come from
//! re-emission (a folded `>` block written back as `|`, `{}` versus a block mapping, comments,
//! CRLF line ends, the `---` line) are not in the hunks. (`render` keeps the text of what it
//! does not correct, so its output rarely has such differences; when a document was written
//! whole with the same content, its header says `@@ only the way it is written changes @@`, so
//! that the diff is empty exactly when the output is the input.) A document whose only changes
//! are to redacted values gets its header and `@@ only redacted values change @@`. Line numbers
//! in the hunks count lines of the re-emitted document. Headers name the template as findings
//! do (`# Source:`, else Helm 4's annotation), else the document's 1-based number.
//!
//! Both sides are what Kubernetes reads ([`crate::kube::tree::as_read`]: aliases expanded,
//! `<<` merges applied as go-yaml does, tagged scalars as their values), so a diff shows what
//! the API server would get, and what is redacted is decided on that reading by
//! [`crate::redact`], the one place that decides what may be printed.

use crate::kube::read;
use crate::kube::{objects, stream, tree};
use crate::redact::{redact, Known, SECRET_FIELDS};
use crate::yaml::{self, Node};
use similar::TextDiff;

/// Writes every collection in block style (what [`redact`] does besides redacting).
fn block_style(node: &mut Node) {
    match node {
        Node::Seq { items, flow, .. } => {
            *flow = false;
            items.iter_mut().for_each(block_style);
        }
        Node::Map { entries, flow, .. } => {
            *flow = false;
            for (k, v) in entries.iter_mut() {
                block_style(k);
                block_style(v);
            }
        }
        Node::Scalar { .. } | Node::Alias(_) => {}
    }
}

/// Whether an unchanged document may hold values the redaction must know: Secret-like kinds,
/// lists, and anything the cheap identity read cannot tell.
fn may_hold_secrets(doc: &stream::Document) -> bool {
    match doc.quick_identity() {
        None => true,
        Some((kind, _)) => kind.ends_with("List") || SECRET_FIELDS.iter().any(|(k, _)| *k == kind),
    }
}

fn parse(doc: &stream::Document) -> Option<Node> {
    yaml::parse(doc.parse_text()).ok().flatten()
}

/// A document as Kubernetes reads it, as a tree ([`tree::as_read`]) and as JSON; `None` when
/// either reader refuses it.
fn reading(doc: &stream::Document) -> Option<(Node, serde_json::Value)> {
    let json = read::read(doc.parse_text()).ok().flatten()?;
    Some((tree::as_read(&parse(doc)?, &json), json))
}

/// A diff header's name for a document: its template, as findings name it (`# Source:`, else
/// Helm 4's annotation — Helm 4 hands a post-renderer no `# Source:` comments), else its
/// 1-based number in the stream, as text findings count.
fn label(doc: &stream::Document) -> String {
    let comment = objects::source_comment(doc.raw);
    let source = match comment {
        Some(c) => Some(c.to_string()),
        None => parse(doc).and_then(|root| objects::ObjectRef::of(&root, None).source),
    };
    // A template path is shown as findings show it: a control character cannot forge a line.
    source.map_or_else(
        || format!("document {}", doc.index + 1),
        |s| crate::report::escape_control(&s).into_owned(),
    )
}

/// A unified diff of each document `output` changes, headed by the document's template,
/// computed from redacted re-emissions of both sides.
pub fn unified(input: &str, output: &str) -> String {
    let (before, after) = (stream::split(input), stream::split(output));
    let mut known = Known::default();
    let mut changed = Vec::new();
    for (a, b) in before.iter().zip(&after) {
        if a.raw == b.raw {
            if may_hold_secrets(a) {
                if let Ok(Some(json)) = read::read(a.parse_text()) {
                    known.collect(&json);
                }
            }
            continue;
        }
        // A side that cannot be read is shown as empty: nothing unredacted is printed.
        let (ta, tb) = (reading(a), reading(b));
        for (_, json) in [&ta, &tb].into_iter().flatten() {
            known.collect(json);
        }
        changed.push((a, ta.map(|t| t.0), tb.map(|t| t.0)));
    }
    let mut out = String::new();
    for (a, ta, tb) in changed {
        let layout = yaml::Layout::detect(a.raw);
        let [pa, pb] = [&ta, &tb].map(|t| {
            t.clone().map_or_else(String::new, |mut t| {
                block_style(&mut t);
                yaml::emit(&t, layout)
            })
        });
        let [ea, eb] = [ta, tb].map(|t| {
            t.map_or_else(String::new, |mut t| {
                redact(&mut t, &known);
                yaml::emit(&t, layout)
            })
        });
        let name = label(a);
        if ea == eb {
            // Either only re-emission differs (nothing to show) or only redacted values do:
            // then say so, or the diff would hide a change `render` makes. Or neither: the
            // document is written differently with the same content (the emitter wrote it
            // whole): said too, so that the diff is empty only when `render` changes nothing.
            let what = if pa != pb {
                "only redacted values change"
            } else {
                "only the way it is written changes"
            };
            out.push_str(&format!("--- a/{name}\n+++ b/{name}\n@@ {what} @@\n"));
            continue;
        }
        let diff = TextDiff::from_lines(&ea, &eb);
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{name}"), &format!("b/{name}"))
                .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::REDACTED;

    /// The secret values a document holds, as `unified` collects them.
    fn known_of(doc: &str) -> Known {
        let mut known = Known::default();
        known.collect(&read::read(doc).unwrap().unwrap());
        known
    }

    const MARK: &str = "S3CR3T-MARKER-7f3a";

    fn redacted(doc: &str, known: &Known) -> String {
        let json = read::read(doc).unwrap().unwrap();
        let mut root = tree::as_read(&yaml::parse(doc).unwrap().unwrap(), &json);
        redact(&mut root, known);
        yaml::emit(&root, yaml::Layout::detect(doc))
    }

    #[test]
    fn secret_fields_are_blanked_in_lists_and_every_shape() {
        let doc = format!(
            "kind: List\nitems:\n- kind: Secret\n  stringData:\n    a: >\n      {MARK}\n    b: |\n      x\n      {MARK}\n    c: [{MARK}]\n  data: {{k: \"{MARK}\"}}\n- kind: SealedSecret\n  spec:\n    encryptedData: {{k: {MARK}}}\n- kind: ExternalSecret\n  spec:\n    target:\n      template:\n        data:\n          k: \"{{{{ .x }}}}-{MARK}\"\n"
        );
        let out = redacted(&doc, &Known::default());
        assert!(!out.contains(MARK), "{out}");
        assert_eq!(out.matches(REDACTED).count(), 6, "{out}");
        // Keys are names, not values: they stay.
        assert!(out.contains("a: <redacted>\n"), "{out}");
    }

    #[test]
    fn sso_env_values_are_blanked_unless_the_catalogue_calls_them_public() {
        let names = [
            "CLEARML__secure__login__sso__oauth_client__keycloak__client_secret",
            "clearml__SERVICES__login__sso__oauth_client__keycloak__CLIENT_SECRET",
            " TRAINS__secure__login__sso__oauth_client__keycloak__client_secret ",
            "KLIQUE__secure__login__sso__oauth_client__keycloak__client_id",
            "CLEARML__secure__login__sso__oauth_client__keycloak__client_secrett",
            "CLEARML__services__login__sso__oauth_client__keycloack__base_url",
        ];
        for name in names {
            for value in [
                format!("  - {{\"name\": \"{name}\", \"value\": \"{MARK}\"}}\n"),
                format!("  - {{name: '{name}', value: \"x\n    {MARK}\"}}\n"),
                format!("  - name: \"{name}\"\n    value: >-\n      {MARK}\n      folded\n"),
                format!("  - name: \"{name}\"\n    value:\n    - {MARK}\n"),
                format!("  - name: \"{name}\"\n    value: 98127364519283746\n"),
            ] {
                let doc = format!("env:\n{value}");
                let out = redacted(&doc, &Known::default());
                assert!(
                    !out.contains(MARK) && !out.contains("98127364519283746"),
                    "{name}: {out}"
                );
                assert!(out.contains(REDACTED), "{out}");
            }
        }
        // A public option keeps its value.
        let doc = "env:\n- name: CLEARML__services__login__sso__oauth_client__keycloak__base_url\n  value: https://sso/\n";
        assert_eq!(redacted(doc, &Known::default()), doc);
    }

    #[test]
    fn an_env_entry_named_through_an_alias_merge_or_tag_is_still_redacted() {
        // Kubernetes reads each of these entries as the SSO credential with the marker as its
        // value (aliases followed, `<<` merged, `!!binary` decoded); a non-target container
        // may hold them, and a diff shows its lines as context.
        let name = "CLEARML__secure__login__sso__oauth_client__google__client_secret";
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(name);
        let anchors = format!(
            "a: [&n {name}, &k name, &vk value, &v anchored-{MARK}]\nm: &vm {{value: merged-{MARK}}}\nl: &nm {{name: {name}}}\n"
        );
        let merged = format!("merged-{MARK}");
        let anchored = format!("anchored-{MARK}");
        for (entry, value) in [
            (format!("- name: *n\n  value: {MARK}\n"), MARK),
            (format!("- *k : {name}\n  value: {MARK}\n"), MARK),
            (format!("- name: {name}\n  *vk : {MARK}\n"), MARK),
            (format!("- <<: {{name: {name}}}\n  value: {MARK}\n"), MARK),
            (format!("- <<: *nm\n  value: {MARK}\n"), MARK),
            (format!("- <<: [*nm]\n  value: {MARK}\n"), MARK),
            (format!("- name: !!binary {b64}\n  value: {MARK}\n"), MARK),
            (format!("- name: {name}\n  value: *v\n"), anchored.as_str()),
            (format!("- name: {name}\n  <<: *vm\n"), merged.as_str()),
            (format!("- name: {name}\n  <<: {{value: {MARK}}}\n"), MARK),
        ] {
            let doc = format!("{anchors}env:\n{entry}");
            let out = redacted(&doc, &known_of(&doc));
            // The marker stands alone only in the entry; the anchored ones must go where the
            // entry uses them.
            let shown = |v: &str| out.split([' ', '\n']).any(|w| w == v);
            assert!(!shown(value), "{entry}: {out}");
            // Its value is known too, so it is blanked wherever else it stands.
            assert!(known_of(&doc).contains(value), "{entry}");
        }
    }

    #[test]
    fn a_merged_name_after_an_explicit_one_is_the_name_kubernetes_reads() {
        // go-yaml v2 applies a `<<` merge over the keys before it: this sidecar's entry is
        // the Google client secret, not `HARMLESS`, and its value must not be shown.
        let name = "CLEARML__secure__login__sso__oauth_client__google__client_secret";
        let doc = |image: &str| {
            format!(
                "kind: Pod\nmetadata:\n  name: p\n  annotations:\n    a: &n {name}\nspec:\n  containers:\n  - name: sidecar\n    env:\n    - name: HARMLESS\n      <<: {{name: *n}}\n      value: {MARK}\n    image: {image}\n"
            )
        };
        let d = unified(&doc("a"), &doc("b"));
        assert!(d.contains("+    image: b"), "{d}");
        assert!(!d.contains(MARK), "{d}");
    }

    #[test]
    fn known_values_are_blanked_only_as_whole_scalars() {
        let mut known = Known::default();
        let secret = format!(
            "kind: Secret\ndata:\n  d: {}\nstringData:\n  s: clearml\n",
            "aHVudGVyMi1zZWNyZXQ=" // hunter2-secret
        );
        known.collect(&read::read(&secret).unwrap().unwrap());
        let doc = "a: hunter2-secret\nb: ' clearml '\nc: clearml is a word\nd: [aHVudGVyMi1zZWNyZXQ=]\nhunter2-secret: key\nenv:\n- name: OTHER\n  value: \"clearml\"\n";
        assert_eq!(
            redacted(doc, &known),
            "a: <redacted>\nb: <redacted>\nc: clearml is a word\nd:\n  - <redacted>\n<redacted>: key\nenv:\n- name: OTHER\n  value: <redacted>\n"
        );
    }

    #[test]
    fn literal_credentials_are_known_values_and_aliases_are_followed() {
        let mut known = Known::default();
        let doc = format!(
            "x: &s {MARK}\nenv:\n- name: CLEARML__secure__login__sso__oauth_client__google__client_secret\n  value: *s\n- name: PLAIN\n  value: {MARK}\n"
        );
        known.collect(&read::read(&doc).unwrap().unwrap());
        let out = redacted(&doc, &known);
        assert!(!out.contains(MARK), "{out}");
        // What Kubernetes reads: the alias is its value, the anchor is gone.
        assert!(out.contains("x: <redacted>\n"), "{out}");
    }

    #[test]
    fn reemission_only_changes_are_named_not_shown() {
        let secret =
            format!("---\n# Source: c/s.yaml\nkind: Secret\nstringData:\n  k: >\n    {MARK}\n");
        let input = format!("{secret}---\n# Source: c/a.yaml\nkind: A\nx: >\n  folded\nm: {{}}\n");
        let output = format!("{secret}---\n# Source: c/a.yaml\nkind: A\nx: |\n  folded\nm: {{}}\n");
        // Not hidden either: the output's bytes differ (render writes such a document this
        // way only when it cannot keep its text), so the header says how.
        assert_eq!(
            unified(&input, &output),
            "--- a/c/a.yaml\n+++ b/c/a.yaml\n@@ only the way it is written changes @@\n"
        );
        assert_eq!(unified(&input, &input), "");
        // A changed List shows its Secret as context only redacted.
        let list = format!("kind: List\nitems:\n- kind: Secret\n  stringData:\n    k: >\n      {MARK}\n- kind: Pod\n  x: 1\n");
        let d = unified(&list, &list.replace("x: 1", "x: 2"));
        assert!(!d.contains(MARK) && d.contains("k: <redacted>"), "{d}");
    }

    #[test]
    fn a_change_of_redacted_values_only_is_announced() {
        let doc = |v: &str| {
            format!("kind: Pod\nenv:\n- name: CLEARML__secure__login__sso__oauth_client__google__client_secret\n  value: {v}\n")
        };
        assert_eq!(
            unified(&doc(MARK), &doc("other-secret")),
            "--- a/document 1\n+++ b/document 1\n@@ only redacted values change @@\n"
        );
    }

    #[test]
    fn helm4_documents_are_named_by_their_template() {
        // Helm 4 hands a post-renderer no `# Source:` comments, only the annotation.
        let doc = |kind: &str| {
            format!(
                "kind: {kind}\nmetadata:\n  annotations:\n    {}: 'clearml/templates/api.yaml'\n",
                objects::HELM4_FILENAME_ANNOTATION
            )
        };
        let input = format!("{}---\n{}", doc("A"), "kind: B\n");
        let output = format!("{}---\n{}", doc("C"), "kind: D\n");
        let d = unified(&input, &output);
        assert!(
            d.starts_with("--- a/clearml/templates/api.yaml\n+++ b/clearml/templates/api.yaml\n"),
            "{d}"
        );
        assert!(d.contains("--- a/document 2\n"), "{d}");
        assert_eq!(stream::changed_documents(&input, &output), 2);
        assert_eq!(stream::changed_documents(&input, &input), 0);
    }

    #[test]
    fn diff_is_per_changed_document() {
        let input = "---\n# Source: c/a.yaml\nkind: A\n---\n# Source: c/b.yaml\nkind: B\n";
        let output = "---\n# Source: c/a.yaml\nkind: A\n---\n# Source: c/b.yaml\nkind: C\n";
        insta::assert_snapshot!(unified(input, output), @r"
        --- a/c/b.yaml
        +++ b/c/b.yaml
        @@ -1 +1 @@
        -kind: B
        +kind: C
        ");
    }

    #[test]
    fn many_duplicate_entries_are_linear() {
        // 20,000 duplicates of a credential with distinct values: the line-based redactor this
        // replaces compared each line with each value (quadratic, over a minute).
        let entries: String = (0..20_000)
            .map(|i| {
                format!(
                    "  - name: CLEARML__secure__login__sso__oauth_client__google__client_secret\n    value: {MARK}-{i}\n"
                )
            })
            .collect();
        let input = format!("kind: Pod\nenv:\n{entries}");
        let output = format!(
            "kind: Pod\nenv:\n{}",
            &entries[..entries.find("\n  - ").unwrap() + 1]
        )
        .replace(&format!("{MARK}-0"), "other");
        let d = unified(&input, &output);
        assert!(!d.contains(MARK) && !d.contains("other"));
        // The first entry stays (context), the other 19,999 go.
        assert_eq!(d.matches("\n-    value: <redacted>\n").count(), 19_999);
        assert_eq!(d.matches("\n     value: <redacted>\n").count(), 1);
    }
}
