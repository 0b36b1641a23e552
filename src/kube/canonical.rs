//! A document Kubernetes reads but the editing parser ([`crate::yaml`]) cannot, written again
//! in canonical form: Kubernetes' reading of it ([`crate::kube::read`]) as plain block YAML
//! that both readers read, so that the tool can edit a targeted container in it.
//!
//! The rewrite changes nothing Kubernetes reads, and this is proved, not assumed: the new
//! text is read back as Kubernetes reads it and must give the very same JSON, and the editing
//! parser must read it to a tree whose values are that JSON too; otherwise there is no
//! rewrite. It keeps the document's leading separator and comment lines; comments and
//! formatting inside the document are not kept (the caller says so in a finding). It decides
//! nothing about whether a document needs editing.

use crate::kube::{objects, read, stream, tree};
use crate::yaml::{self, Layout, Node};
use serde_json::Value;

/// A document's canonical form: its text and the editing tree of that text.
#[derive(Debug)]
pub struct Canonical {
    /// The whole document's text (leading separator and comments kept).
    pub raw: String,
    /// The editing parser's tree of `raw`.
    pub tree: Node,
}

/// `doc` written again from `json`, Kubernetes' reading of it; `Err` says why no canonical
/// form reads back the same (then the document cannot be edited).
pub fn rewrite(doc: &stream::Document, json: &Value) -> Result<Canonical, String> {
    // Scalars marked as the chart's (line 1): the emitter keeps `null`, booleans and numbers
    // plain, as JSON wrote them, instead of quoting them as text the tool made.
    let body = yaml::emit(&tree::json_node(json, 1), Layout::detect(doc.raw));
    let raw = doc.canonical_raw(&body);
    let new = doc.rewritten(&raw);
    let text = new.parse_text();
    match read::read(text) {
        Ok(Some(back)) if back == *json => {}
        Ok(_) => return Err("Kubernetes would read its canonical form differently".into()),
        Err(e) => return Err(format!("Kubernetes would not read its canonical form: {e}")),
    }
    let tree = match yaml::parse(text) {
        Ok(Some(tree)) => tree,
        Ok(None) => return Err("the tool's YAML parser reads its canonical form as empty".into()),
        Err(e) => {
            return Err(format!(
                "the tool's YAML parser cannot read its canonical form either: {}",
                e.message
            ))
        }
    };
    if objects::to_json(&tree) != *json {
        return Err("the tool's YAML parser reads its canonical form differently".into());
    }
    Ok(Canonical { raw, tree })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(input: &str) -> Canonical {
        let doc = &stream::split(input)[0];
        let json = read::read(doc.parse_text()).unwrap().unwrap();
        rewrite(doc, &json).unwrap()
    }

    #[test]
    fn forms_the_editor_refuses_are_rewritten_and_read_the_same() {
        for input in [
            "---\n# Source: x\nkind: Pod\nspec:\n  image:\tx\n",
            "kind: ConfigMap\ndata:\n  k: \"a\n b\"\n",
            "kind: ConfigMap\ndata:\n  k: \"a\n# b\"\n",
            "kind: X\nb: [1, 1e3, 0x1F, 0o17, -0.0, 1e21, ~, yes, '1e3', \"<<\"]\nc: {\"<<\": 1, 1e3: x, <<: {d: 2}}\n",
        ] {
            let doc = &stream::split(input)[0];
            let json = read::read(doc.parse_text()).unwrap().unwrap();
            match rewrite(doc, &json) {
                Ok(c) => {
                    assert_eq!(read::read(&c.raw).unwrap().unwrap(), json, "{}", c.raw);
                    assert!(yaml::parse(&c.raw).is_ok(), "{}", c.raw);
                }
                Err(e) => panic!("{input:?}: {e}"),
            }
        }
    }

    #[test]
    fn leading_separator_and_comments_are_kept_the_rest_is_not() {
        let c = canonical(
            "---\r\n# Source: t.yaml\r\nkind: Pod # c\r\nspec:\r\n  image:\tx\r\n# end\r\n",
        );
        // Keys in the order Kubernetes' JSON has them (sorted, as Go writes a map).
        assert_eq!(
            c.raw,
            "---\r\n# Source: t.yaml\r\nkind: Pod\r\nspec:\r\n  image: x\r\n"
        );
        // A column-0 `#` line inside a quoted scalar is content, and stays content.
        let c = canonical("kind: ConfigMap\ndata:\n  k: \"a\n# b\"\n");
        assert_eq!(c.raw, "data:\n  k: \"a # b\"\nkind: ConfigMap\n");
    }
}
