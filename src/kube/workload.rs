//! What a workload looks like, as Kubernetes reads a document: its objects (the items of a
//! `kind: List` flattened, by the presence of `items` as kubectl decides), the pod spec of
//! each workload kind ([`objects::POD_SPEC_PATHS`]), and the containers in it. The one walk
//! over a document's containers: the proof, the webserver check and the `no-target` message
//! all read it. It selects nothing — which containers the policy targets is the caller's.

use crate::kube::objects;
use serde_json::Value;

/// One container of a workload, as Kubernetes reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Container<'a> {
    /// Where it is: the object's path (indices through `kind: List` items) and the
    /// container's index in `containers`.
    pub at: (Vec<usize>, usize),
    /// The workload object.
    pub object: &'a Value,
    /// The workload's `kind`.
    pub kind: &'a str,
    /// The workload's `metadata.name`.
    pub workload: &'a str,
    /// The workload's `metadata.namespace`, when the manifest sets it.
    pub namespace: Option<&'a str>,
    /// The container's `name`.
    pub name: &'a str,
    /// The container object.
    pub value: &'a Value,
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

fn walk<'a>(object: &'a Value, path: Vec<usize>, out: &mut Vec<Container<'a>>) {
    if objects::json_is_list(object) {
        if let Some(items) = object.get("items").and_then(Value::as_array) {
            for (i, item) in items.iter().enumerate() {
                let mut p = path.clone();
                p.push(i);
                walk(item, p, out);
            }
        }
        return;
    }
    let kind = str_at(object, &["kind"]).unwrap_or_default();
    let Some(spec_path) = objects::pod_spec_path(kind) else {
        return;
    };
    let containers = spec_path
        .iter()
        .try_fold(object, |v, k| v.get(k))
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array);
    for (i, c) in containers.into_iter().flatten().enumerate() {
        out.push(Container {
            at: (path.clone(), i),
            object,
            kind,
            workload: str_at(object, &["metadata", "name"]).unwrap_or_default(),
            namespace: str_at(object, &["metadata", "namespace"]),
            name: str_at(c, &["name"]).unwrap_or_default(),
            value: c,
        });
    }
}

/// Every container of every workload in a document as Kubernetes reads it, in order.
pub fn containers(doc: &Value) -> Vec<Container<'_>> {
    let mut out = Vec::new();
    walk(doc, Vec::new(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_of_lists_and_every_workload_kind() {
        let doc = serde_json::json!({"kind": "List", "items": [
            {"kind": "CronJob", "metadata": {"name": "c", "namespace": "n"},
             "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}}}}},
            {"kind": "Service", "metadata": {"name": "s"}},
            {"kind": "Whatever", "items": [{"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "x"}]}}]},
            {"kind": "ReplicationController", "metadata": {"name": "r"},
             "spec": {"template": {"spec": {"containers": [{"name": "y"}]}}}},
        ]});
        let found: Vec<_> = containers(&doc)
            .into_iter()
            .map(|c| (c.at, c.kind, c.workload, c.namespace, c.name))
            .collect();
        assert_eq!(
            found,
            vec![
                ((vec![0], 0), "CronJob", "c", Some("n"), "a"),
                ((vec![0], 1), "CronJob", "c", Some("n"), "b"),
                ((vec![2, 0], 0), "Pod", "p", None, "x"),
                ((vec![3], 0), "ReplicationController", "r", None, "y"),
            ]
        );
    }
}
