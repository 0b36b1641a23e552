//! A user's own env list (Helm's `apiserver.extraEnvs`) beside the policy's settings, for
//! `values --merge-with`: which entries the policy owns, and what the render's name rules
//! make of the others.
//!
//! The policy owns an entry when the render would replace it by one of the policy's settings:
//! its name addresses the same config path as a setting the policy writes, in any spelling
//! [`crate::clearml::names::parse_name`] knows (prefix case, `TRAINS__`, `ALLEGRO__`, wrong
//! section, case variants, surrounding whitespace), or through a provider key ClearML's pages
//! misprint when the policy declares the key meant ([`crate::catalogue::MISPRINTS`]) — the
//! same rules (`hidden_names`, then the path comparison of `policy_settings`) the render runs.
//! Every other entry is kept, and the render's name rules judge the SSO ones among them as
//! they would in a container: a provider the policy does not declare follows `[enforce]
//! unknown_providers`, another option's spelling ClearML would not read is corrected, a name
//! holding HOCON is refused. Values are not judged here (the render and `check` do that).
//! It reads no file and prints nothing.

use super::context::{Context, Entry, Env};
use super::names::{hidden_names, names_with_hocon, other_options, undeclared_providers};
use crate::kube::sources::Inventory;
use crate::policy::{Mode, Policy};
use crate::report::{Finding, Location, Sink};
use crate::yaml::Node;

/// What the policy makes of a user's env list.
pub struct UserList {
    /// The entries kept, in the user's order; an SSO entry possibly renamed by the render's
    /// name rules (the findings say which).
    pub kept: Vec<Node>,
    /// The 0-based positions of the entries the policy owns (replaced by its settings).
    pub owned: Vec<usize>,
    /// The findings of the name rules, judged by the policy's `[enforce]`; for each, the
    /// 0-based position of the entry it is about, when it is about one.
    pub findings: Vec<(Finding, Option<usize>)>,
    /// Whether a finding is an error: nothing may be printed then.
    pub refused: bool,
}

/// Splits `entries` (the user's list, in order) into those the policy owns and those it
/// keeps, with the name rules' findings about the kept ones.
pub fn user_list(policy: &Policy, entries: Vec<Node>) -> UserList {
    let inventory = Inventory::default();
    let ctx = Context {
        policy,
        inventory: &inventory,
        location: Location::default(),
        volumes: Vec::new(),
    };
    // Replacing what the policy owns is what this command is for, not drift: under `[enforce]
    // mode = "audit"` the render would refuse every correction, but here the list is written
    // anew, so the corrections are judged as `fix` judges them.
    let enforce = crate::policy::Enforce {
        mode: Mode::Fix,
        ..policy.enforce
    };
    let mut sink = Sink::new(&enforce);
    let mut env: Env = entries
        .into_iter()
        .map(|n| Some(Entry::new(n, false)))
        .collect();
    let names: Vec<String> = env.iter().flatten().map(|e| e.name.clone()).collect();
    names_with_hocon(&mut env, &ctx, &mut sink);
    // Which entries the render would group with a setting of the policy: its own rules, on
    // a copy, so that their findings about entries being replaced anyway are not shown.
    let mut probe = env.clone();
    hidden_names(&mut probe, &ctx, &mut Sink::new(&enforce));
    let owned: Vec<usize> = probe
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.as_ref()
                .and_then(|e| e.sso.as_ref())
                .is_some_and(|sso| policy.desired.iter().any(|d| d.path == sso.path))
        })
        .map(|(i, _)| i)
        .collect();
    for &i in &owned {
        env[i] = None;
    }
    hidden_names(&mut env, &ctx, &mut sink);
    undeclared_providers(&mut env, &ctx, &mut sink);
    other_options(&mut env, &ctx, &mut sink);
    let refused = sink.has_errors();
    let findings = sink
        .into_findings()
        .into_iter()
        .map(|f| {
            let at = f
                .location
                .as_ref()
                .and_then(|l| l.variable.as_deref())
                .and_then(|v| names.iter().position(|n| n == v || n.trim() == v));
            (f, at)
        })
        .collect();
    UserList {
        kept: env.into_iter().flatten().map(|e| e.node).collect(),
        owned,
        findings,
        refused,
    }
}
