//! What every rule reads besides the env list: the [`Context`] of one container, and its env
//! entries with their parsed names ([`Entry`]). Data only; no rule.

use crate::catalogue::Client;
use crate::clearml::names::{self, SsoName};
use crate::kube::objects;
use crate::kube::sources::Inventory;
use crate::policy::Policy;
use crate::report::Location;
use crate::yaml::Node;
use k8s_openapi::api::core::v1::EnvVarSource;

/// What a rule needs to know besides the env list.
pub struct Context<'a> {
    /// The policy.
    pub policy: &'a Policy,
    /// Secrets the stream provides.
    pub inventory: &'a Inventory,
    /// The container's location (no variable set).
    pub location: Location,
    /// The pod's `volumes` as Kubernetes reads them (aliases and `<<` merges resolved).
    pub volumes: Vec<serde_json::Value>,
}

impl Context<'_> {
    pub(super) fn at(&self, variable: &str) -> Location {
        Location {
            variable: Some(variable.to_string()),
            ..self.location.clone()
        }
    }

    pub(super) fn declares(&self, client: Client, key: &str) -> bool {
        self.policy
            .providers
            .iter()
            .any(|p| p.spec.client == client && p.spec.key == key)
    }
}

/// One env entry with its parsed name.
#[derive(Clone)]
pub struct Entry {
    /// The entry's node. Changed only through [`Entry::set_value`] and [`Entry::rename`],
    /// which forget what was read of it.
    pub node: Node,
    pub name: String,
    pub sso: Option<SsoName>,
    /// Written by the tool from the policy in this run.
    pub from_policy: bool,
    /// [`value_from`] of `node`, once asked: the rules ask it of the same entry many times, and
    /// each reading builds the entry's API type.
    from: std::cell::OnceCell<Option<EnvVarSource>>,
}

impl Entry {
    pub fn new(node: Node, from_policy: bool) -> Entry {
        let name = node.get_str("name").unwrap_or_default().to_string();
        let sso = names::parse_name(&name);
        Entry {
            node,
            name,
            sso,
            from_policy,
            from: std::cell::OnceCell::new(),
        }
    }

    /// The entry's `valueFrom` as Kubernetes reads it ([`value_from`]).
    pub fn value_from(&self) -> Option<&EnvVarSource> {
        self.from.get_or_init(|| value_from(&self.node)).as_ref()
    }

    /// Sets the entry's `value` (whether the API server accepts the entry, and so
    /// [`Entry::value_from`], may change with it).
    pub fn set_value(&mut self, value: Node) {
        self.node.set("value", value);
        self.from = std::cell::OnceCell::new();
    }

    pub fn rename(&mut self, name: &str) {
        self.node.set("name", Node::plain(name));
        *self = Entry::new(
            std::mem::replace(&mut self.node, Node::plain("")),
            self.from_policy,
        );
    }

    /// The literal `value`, when the entry has one that is a string.
    pub fn literal(&self) -> Option<&str> {
        match self.node.get("value") {
            Some(v @ Node::Scalar { .. }) if is_string(v) => v.as_str(),
            _ => None,
        }
    }
}

/// The entry's `valueFrom` as Kubernetes reads it: `None` when it has none, or when the API
/// server would reject the entry (as `objects::env_var(node).ok()?.value_from`). An entry
/// without a `valueFrom` key (most are literals) is not read into its API type at all.
pub fn value_from(node: &Node) -> Option<EnvVarSource> {
    node.get("valueFrom")?;
    objects::env_var(node).ok()?.value_from
}

/// Whether Kubernetes (YAML 1.1) reads this scalar as a string.
pub fn is_string(node: &Node) -> bool {
    matches!(objects::to_json(node), serde_json::Value::String(_))
}

pub type Env = Vec<Option<Entry>>;

pub fn live(env: &mut Env) -> impl Iterator<Item = &mut Entry> {
    env.iter_mut().flatten()
}
