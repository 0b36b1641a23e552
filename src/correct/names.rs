//! Rules on env names: a name ClearML reads must be only a key (no HOCON), names ClearML
//! would not see (whitespace, the Azure key misprint), providers the policy does not declare,
//! and other SSO options' spelling, with which of several spellings ClearML reads.
//! Values are not judged here.

use super::context::{live, Context, Env};
use crate::catalogue::{self, Client, OptionSpec, Section};
use crate::clearml::{
    self,
    names::{Prefix, SsoName},
};
use crate::policy::UnknownProviders;
use crate::report::{self, Finding, Sink};

/// Why a prefix other than `CLEARML__` is a problem.
pub(super) fn prefix_message(prefix: &Prefix) -> String {
    match prefix {
        Prefix::Trains => "the legacy `TRAINS__` prefix is overridden by any `CLEARML__` spelling of the same key".into(),
        Prefix::Foreign(p) => format!("ClearML does not read the `{p}__` prefix (old or third-party docs)"),
        _ => "ClearML reads only variables starting with upper-case `CLEARML__`; this one was ignored".into(),
    }
}

/// The finding for a name that is not the canonical spelling of its setting, if it is not.
pub(super) fn spelling_finding(
    found: &SsoName,
    name: &str,
    option: &OptionSpec,
    canonical: &str,
) -> Option<Finding> {
    let (code, why) = if found.prefix != Prefix::Clearml {
        (report::WRONG_PREFIX, prefix_message(&found.prefix))
    } else if found.section != Some(option.section) {
        let why = format!(
            "`{}` is read from the `{}` section, not `{}`",
            option.name,
            option.section.as_str(),
            found.section_text()
        );
        (report::WRONG_SECTION, why)
    } else if name != canonical {
        (
            report::NAME_CASE,
            "a case variant of the canonical name".to_string(),
        )
    } else {
        return None;
    };
    Some(Finding::new(code, format!("{why}; renamed to {canonical}")))
}

/// Rule 0: a name ClearML turns into a config path must be only a key. ClearML parses
/// `<path>: <value>`, so `:`, quotes, braces or `//` in the name are HOCON that can set any
/// setting — a credential included. Such an entry is an error; its name, which may carry a
/// credential, is never printed (it is called by its position), and no other rule sees it.
pub(super) fn names_with_hocon(env: &mut Env, ctx: &Context, findings: &mut Sink) {
    for (i, e) in env.iter_mut().enumerate() {
        let Some(e) = e.as_mut() else { continue };
        let name = e.name.trim();
        let clearml = clearml::names::read_by_clearml(name) || e.sso.is_some();
        if clearml && !clearml::names::name_is_only_a_key(name) {
            findings.push(
                Finding::new(
                    report::HOCON_IN_NAME,
                    format!("env entry {} has a name ClearML would read as a config path with HOCON syntax in it (not shown)", i + 1),
                )
                .help("a CLEARML__ name may hold only letters, digits, `_`, `.` and `-`; remove this entry from the chart")
                .at(ctx.location.clone()),
            );
            e.sso = None;
            e.name = format!("env entry {}", i + 1);
        }
    }
}

/// Rule 1: names that hide their setting — surrounding whitespace (trap T5, docs/traps.md),
/// and a provider key ClearML's pages misprint, where the policy configures the key meant
/// ([`catalogue::MISPRINTS`]).
pub(super) fn hidden_names(env: &mut Env, ctx: &Context, findings: &mut Sink) -> bool {
    // A misprinted key that the container also uses for options the misprint does not explain
    // is a real provider of its own (an AD FS `ad_oauth` client next to Azure): nothing of it
    // is moved.
    let real_providers: Vec<(Client, String)> = env
        .iter()
        .flatten()
        .filter_map(|e| {
            let sso = e.sso.as_ref()?;
            let (client, key) = sso.provider()?;
            let explained = catalogue::misprint(client, key, sso.option_name()).is_some();
            let misprinted_key = catalogue::MISPRINTS
                .iter()
                .any(|m| m.client == client && m.written == key);
            (misprinted_key && !explained).then(|| (client, key.to_string()))
        })
        .collect();
    let mut changed = false;
    for e in live(env) {
        let Some(sso) = e.sso.clone() else { continue };
        if sso.padded {
            findings.push(
                Finding::new(
                    report::NAME_WHITESPACE,
                    format!("the name `{}` has surrounding whitespace; trimmed", e.name),
                )
                .at(ctx.at(&e.name))
                .fixed(),
            );
            let trimmed = e.name.trim().to_string();
            e.rename(&trimmed);
            changed = true;
        }
        let misprint = sso
            .provider()
            .and_then(|(client, key)| catalogue::misprint(client, key, sso.option_name()))
            .filter(|m| ctx.declares(m.client, m.meant) && !ctx.declares(m.client, m.written))
            .filter(|m| {
                !real_providers
                    .iter()
                    .any(|(c, k)| *c == m.client && k == m.written)
            });
        if let Some(m) = misprint {
            let section = sso.option().map_or(Section::Secure, |o| o.section);
            let name = clearml::names::canonical_name(
                section,
                &clearml::names::provider_path(m.client, m.meant, sso.option_name()),
            );
            findings.push(
                Finding::new(
                    report::AZURE_AD_KEY,
                    format!("{}, so renamed to {name}", m.message),
                )
                .help(m.help)
                .at(ctx.at(&e.name))
                .fixed(),
            );
            e.rename(&name);
            changed = true;
        }
    }
    changed
}

/// Rule 2: SSO variables of providers the policy does not declare.
pub(super) fn undeclared_providers(env: &mut Env, ctx: &Context, findings: &mut Sink) -> bool {
    let mut counts: Vec<((Client, String), usize)> = Vec::new();
    let remove = ctx.policy.enforce.unknown_providers == UnknownProviders::Remove;
    for slot in env.iter_mut() {
        let Some((client, key)) = slot
            .as_ref()
            .and_then(|e| e.sso.as_ref())
            .and_then(|s| s.provider().map(|(client, key)| (client, key.to_string())))
        else {
            continue;
        };
        if ctx.declares(client, &key) {
            continue;
        }
        match counts.iter_mut().find(|(p, _)| *p == (client, key.clone())) {
            Some((_, n)) => *n += 1,
            None => counts.push(((client, key), 1)),
        }
        if remove {
            *slot = None;
        }
    }
    for ((client, provider), n) in &counts {
        let mut f = Finding::new(
            report::UNKNOWN_PROVIDER,
            format!(
                "{n} SSO variable(s) for provider `{provider}`, which the policy does not declare"
            ),
        )
        .at(ctx.location.clone());
        // What the policy could declare: only a key the policy parser accepts, under the
        // client type the variables use.
        let known = catalogue::provider(provider);
        let declarable = known.is_some_and(|p| p.client == *client);
        let wrong_client = known.filter(|_| !declarable);
        if let Some(p) = wrong_client {
            f.message.push_str(&format!(
                " (ClearML reads `{provider}` under `{}`, not `{}`)",
                p.client.as_str(),
                client.as_str()
            ));
        } else if let Some(help) = known
            .is_none()
            .then(|| catalogue::alias_help(provider))
            .flatten()
        {
            f.message
                .push_str(&format!(" (ClearML knows no `{provider}`; {help})"));
        } else if known.is_none() {
            let keys = catalogue::PROVIDERS
                .iter()
                .filter(|p| p.client == *client)
                .map(|p| p.key);
            if let Some(near) = crate::policy::nearest(provider, keys) {
                f.message.push_str(&format!(
                    " (did you mean `{near}`? ClearML knows no `{provider}`)"
                ));
            }
        }
        match ctx.policy.enforce.unknown_providers {
            UnknownProviders::Warn if declarable => {
                f = f.help(format!(
                    "declare [providers.{provider}] or set [enforce] unknown_providers = \"remove\""
                ))
            }
            UnknownProviders::Warn => {
                let what = match wrong_client {
                    Some(p) if ctx.declares(p.client, p.key) => {
                        format!("use `{}` in their names", p.client.as_str())
                    }
                    Some(p) => format!(
                        "use `{}` in their names and declare [providers.{}]",
                        p.client.as_str(),
                        p.key
                    ),
                    None => "rename them to ClearML's provider key and declare it in the policy"
                        .to_string(),
                };
                f = f.help(format!(
                    "ClearML reads nothing for these variables: {what}, or set [enforce] unknown_providers = \"remove\""
                ))
            }
            UnknownProviders::Deny => {}
            UnknownProviders::Remove => f = f.fixed(),
        }
        findings.push(f);
    }
    remove && !counts.is_empty()
}

/// Rule 4: SSO variables of declared providers (and `[sso]` switches) that the policy does not
/// set keep their value, but a spelling ClearML would not read is corrected, and an option
/// ClearML does not document is pointed out with the nearest documented one.
pub(super) fn other_options(env: &mut Env, ctx: &Context, findings: &mut Sink) -> bool {
    // Before renaming: which entries ClearML reads today, and in what order, so that spellings
    // a rename merges keep the value ClearML actually read.
    let read_rank = clearml_read_order(env);
    let mut renamed: Vec<(usize, String)> = Vec::new();
    let mut changed = false;
    for (i, e) in env.iter_mut().enumerate() {
        let Some(e) = e.as_mut() else { continue };
        // The policy's own entries (most of the SSO ones) are skipped before anything is copied.
        if e.from_policy {
            continue;
        }
        let Some(sso) = e.sso.clone() else { continue };
        let declared = match sso.provider() {
            Some((client, key)) => ctx.declares(client, key),
            None => true,
        };
        if !declared {
            continue;
        }
        let Some(option) = sso.option() else {
            let names: Vec<&str> = match sso.provider() {
                Some((client, _)) => catalogue::options(client).iter().map(|o| o.name).collect(),
                None => catalogue::GLOBAL_OPTIONS.iter().map(|o| o.name).collect(),
            };
            let owner = sso
                .provider()
                .map_or("SSO".to_string(), |(_, k)| format!("`{k}`"));
            let mut f = Finding::new(
                report::UNKNOWN_OPTION,
                format!(
                    "`{}` is not an option ClearML documents for {owner}; kept as is",
                    sso.option_name()
                ),
            )
            .at(ctx.at(&e.name));
            let api = catalogue::API_VOCABULARY
                .iter()
                .find(|(api, _)| *api == sso.option_name());
            if let Some((api, env)) = api {
                f = f.help(format!(
                    "`{api}` is the multi-tenant API's name; the env option is `{env}`"
                ));
            } else if let Some(near) = crate::policy::nearest(sso.option_name(), names) {
                f = f.help(format!("did you mean `{near}`?"));
            }
            findings.push(f);
            continue;
        };
        let canonical = clearml::names::canonical_name(option.section, sso.path());
        if let Some(f) = spelling_finding(&sso, &e.name, option, &canonical) {
            findings.push(
                Finding {
                    message: format!("{} (value kept)", f.message),
                    ..f
                }
                .at(ctx.at(&e.name))
                .fixed(),
            );
            e.rename(&canonical);
            changed = true;
        }
        renamed.push((i, canonical));
    }
    changed | keep_what_clearml_read(env, &renamed, &read_rank, ctx, findings)
}

/// For every env entry ClearML reads, its place in the loader's order: all `TRAINS__`
/// variables, then all `CLEARML__` ones, each group by name; a later one overrides an earlier
/// one for the same key. An entry Kubernetes drops (an earlier one of the same exact name) or
/// ClearML ignores (another prefix case, surrounding whitespace) has none.
pub(super) fn clearml_read_order(env: &Env) -> Vec<Option<(u8, String)>> {
    // Only SSO settings are looked up below, and entries of one name are all SSO or none: the
    // map holds those alone (most of a container's variables are not).
    let mut last_of_name = std::collections::HashMap::new();
    for (i, e) in env.iter().enumerate() {
        if let Some(e) = e.as_ref().filter(|e| e.sso.is_some()) {
            last_of_name.insert(e.name.as_str(), i);
        }
    }
    env.iter()
        .enumerate()
        .map(|(i, e)| {
            let e = e.as_ref()?;
            let sso = e.sso.as_ref()?;
            let rank = match sso.prefix {
                Prefix::Trains => 0,
                Prefix::Clearml => 1,
                _ => return None,
            };
            let read = !sso.padded && last_of_name.get(e.name.as_str()) == Some(&i);
            read.then(|| (rank, e.name.clone()))
        })
        .collect()
}

/// After renames, entries that now share one canonical name: keep the one whose value ClearML
/// read before (the latest in its loader order, in the option's own section), or, when it read
/// none of them, the last one (Kubernetes' rule); remove the others and say which was kept.
pub(super) fn keep_what_clearml_read(
    env: &mut Env,
    renamed: &[(usize, String)],
    read_rank: &[Option<(u8, String)>],
    ctx: &Context,
    findings: &mut Sink,
) -> bool {
    let mut groups: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, canonical) in renamed {
        groups.entry(canonical.as_str()).or_default().push(*i);
    }
    let mut changed = false;
    for (canonical, members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
        let in_section = |i: &usize| {
            let e = env[*i].as_ref();
            let sso = e.and_then(|e| e.sso.as_ref());
            sso.zip(sso.and_then(|s| s.option()))
                .is_some_and(|(s, o)| s.section == Some(o.section))
        };
        let read_winner = members
            .iter()
            .filter(|i| in_section(i))
            .filter_map(|i| read_rank[*i].as_ref().map(|r| (r, *i)))
            .max()
            .map(|(_, i)| i);
        let keep = read_winner.unwrap_or(*members.last().unwrap_or(&0));
        let kept_name = read_rank[keep]
            .as_ref()
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "the last one".into());
        let why = if read_winner.is_some() {
            format!("kept `{kept_name}`, the value ClearML reads today")
        } else {
            "ClearML read none of them; kept the last one, as Kubernetes would".to_string()
        };
        findings.push(
            Finding::new(
                report::DUPLICATE_VARIABLE,
                format!("{} env entries become {canonical}; {why}", members.len()),
            )
            .at(ctx.at(canonical))
            .fixed(),
        );
        for i in members.into_iter().filter(|i| *i != keep) {
            env[i] = None;
        }
        changed = true;
    }
    changed
}
