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
//! Every other entry is kept, and the render's rules judge the SSO ones among them as they
//! would in a container: a provider the policy does not declare follows `[enforce]
//! unknown_providers`, another option's spelling ClearML would not read is corrected, a name
//! holding HOCON is refused, so is a credential kept as a literal under `plaintext_secrets =
//! "deny"`, and a value is corrected where the right form is certain and
//! refused where ClearML would fail (`value_hygiene`). Entries that are no SSO setting are
//! kept exactly, and judged as the render judges them beside the policy's
//! ([`crate::surface::container`]: the e-mail allow-list). What needs the stream (Secrets,
//! the chart's own env and `envFrom`) or the whole container as ClearML loads it (the proof's
//! reading of every other `CLEARML__` value) is not judged here: the render or `check` does.
//! It reads no file and prints nothing.

use super::context::{Context, Entry, Env};
use super::names::{hidden_names, names_with_hocon, other_options, undeclared_providers};
use super::references::plaintext_secret;
use super::settings::desired_entry;
use super::values::value_hygiene;
use crate::kube::sources::Inventory;
use crate::policy::{Mode, Policy};
use crate::report::{Finding, Location, Sink};
use crate::yaml::Node;

/// What the policy makes of a user's env list.
pub struct UserList {
    /// The entries kept, in the user's order; an SSO entry possibly renamed or its value
    /// corrected by the render's rules (the findings say which).
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
                .is_some_and(|sso| policy.desired.iter().any(|d| d.path == sso.path()))
        })
        .map(|(i, _)| i)
        .collect();
    for &i in &owned {
        env[i] = None;
    }
    hidden_names(&mut env, &ctx, &mut sink);
    undeclared_providers(&mut env, &ctx, &mut sink);
    other_options(&mut env, &ctx, &mut sink);
    // A credential kept as a literal (another provider's `client_secret`) is refused by the
    // render under `plaintext_secrets = "deny"` whatever the stream holds: judged here too.
    for e in env.iter().flatten() {
        plaintext_secret(e, &ctx, &mut sink);
    }
    // Values are judged in the list as it will be, the policy's entries last: what an entry
    // sees through `$(VAR)` is what is set before it. The container's `envFrom` is the
    // chart's, unknown here: the render at install time, or `check`, judges it.
    env.extend(
        policy
            .desired
            .iter()
            .map(|d| Some(Entry::new(desired_entry(&d.name, &d.value), true))),
    );
    value_hygiene(&mut env, &[], &ctx, &mut sink);
    // The checks beside the policy's settings the render runs on a target container (the
    // e-mail allow-list must be a list ClearML reads), on the list as it will be.
    let container = Node::map(vec![(
        "env",
        Node::seq(env.iter().flatten().map(|e| e.node.clone()).collect()),
    )]);
    let tenant_login = policy
        .sso
        .switches
        .iter()
        .any(|(o, on)| o.name == "tenant_login" && *on);
    crate::surface::container(&container, &ctx.location, tenant_login, &mut sink);
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
        kept: env
            .into_iter()
            .flatten()
            .filter(|e| !e.from_policy)
            .map(|e| e.node)
            .collect(),
        owned,
        findings,
        refused,
    }
}
