//! ClearML's SSO surface beyond the policy's settings: variables next to the SSO ones that the
//! policy does not set but that decide whether SSO works. These checks report and never edit
//! (the proof in [`crate::verify`] holds every non-SSO variable to its value):
//!
//! - a typo in the client-type segment (`oauth_clients`, `saml_clent`) of a target container's
//!   variable: ClearML reads the key, but no provider ever looks there (`unknown-option`);
//! - `CLEARML__services__login__email_filters__allowed` on a target container must be a list
//!   ClearML reads as one (`not-a-list`; T11 prints it as a bare YAML list);
//! - with `[sso] tenant_login = true`, the webserver workload (`*webserver`) needs
//!   `WEBSERVER__onlyPasswordLogin="true"` (`webserver-login`).
//!
//! It reports only: it never edits a document, and the workloads it reads come from
//! [`crate::kube::workload`].

use crate::catalogue::{self, Client};
use crate::clearml::{
    names,
    values::{self, Reading},
};
use crate::kube::objects::{self, ObjectRef};
use crate::kube::{stream, workload};
use crate::policy::Policy;
use crate::pyhocon::Value;
use crate::report::{self, Finding, Location, Sink};
use crate::yaml::Node;
use globset::{Glob, GlobSet, GlobSetBuilder};

/// The client-type segment of a variable that addresses `login.sso.<segment>.<…>` with a
/// segment that is no client type, as ClearML would read the name (`CLEARML__` or `TRAINS__`,
/// lower-cased, `__` as `.`). `None` for every other name.
pub fn unknown_client_segment(raw: &str) -> Option<String> {
    // Most names hold no `sso` in any case, which `login.sso.` needs: ruled out without
    // building the path (for an ASCII name; any other takes the whole reading).
    if raw.is_ascii() && !names::holds_sso(raw) {
        return None;
    }
    let (head, rest) = raw.trim().split_once("__")?;
    if !(head.eq_ignore_ascii_case("clearml") || head == "TRAINS") {
        return None;
    }
    let known = [Client::OAuth, Client::Saml].map(Client::as_str);
    if rest.is_ascii() {
        return ascii_client_segment(rest)
            .filter(|s| !known.iter().any(|k| s.eq_ignore_ascii_case(k)))
            .map(str::to_ascii_lowercase);
    }
    let lowered = names::dotted(rest);
    let (_section, path) = lowered.split_once('.')?;
    let below = path.strip_prefix("login.sso.")?;
    let (segment, tail) = below.split_once('.')?;
    (!segment.is_empty() && !tail.is_empty() && !known.contains(&segment))
        .then(|| segment.to_string())
}

/// For an ASCII name after its prefix, the `<segment>` of a path `<section>.login.sso.
/// <segment>.<more>` as ClearML reads it ([`names::dotted`]), in the name's own case; without
/// building the path, which costs an allocation (most names that hold `sso` are the SSO
/// settings, checked many times per container). Lower-casing an ASCII name keeps every byte
/// one byte, and each key of the path is the bytes between two separators: a `.`, or a `__`
/// taken left to right as `dotted` takes it.
fn ascii_client_segment(rest: &str) -> Option<&str> {
    let b = rest.as_bytes();
    // The key starting at `start`, and where the text after its separator starts (`None`
    // when no separator ends it).
    let key = |start: usize| -> (&str, Option<usize>) {
        let mut i = start;
        while i < b.len() {
            if b[i] == b'.' {
                return (&rest[start..i], Some(i + 1));
            }
            if b[i] == b'_' && b.get(i + 1) == Some(&b'_') {
                return (&rest[start..i], Some(i + 2));
            }
            i += 1;
        }
        (&rest[start..], None)
    };
    let (_section, next) = key(0);
    let (login, next) = key(next?);
    let (sso, next) = key(next?);
    if !login.eq_ignore_ascii_case("login") || !sso.eq_ignore_ascii_case("sso") {
        return None;
    }
    let (segment, next) = key(next?);
    // Something must follow the segment's separator: the provider and its option.
    (!segment.is_empty() && next? < b.len()).then_some(segment)
}

/// Whether ClearML may read a name (or what follows its prefix) as a path that ends with
/// `tail` (lower-case, holding no `.` and no `__`): `false` only when it cannot. ClearML turns
/// each `__` into `.` and lower-cases the rest, which for an ASCII name keeps every other
/// byte one byte, in order: a path ending with `tail` comes from a name ending with `tail` in
/// any case. A name that is not ASCII may lower-case into other bytes (the Kelvin sign into
/// `k`), so it may. Names are checked many times per container, and building the path costs
/// an allocation each.
fn may_read_as_ending(name: &str, tail: &str) -> bool {
    !name.is_ascii()
        || name.len() >= tail.len()
            && name.as_bytes()[name.len() - tail.len()..].eq_ignore_ascii_case(tail.as_bytes())
}

/// The last key of the e-mail filter list's path ([`catalogue::EMAIL_FILTERS`]).
const EMAIL_FILTERS_LAST_KEY: &str = "allowed";

/// Whether a variable name is the e-mail filter list, as ClearML reads names.
fn is_email_filters(raw: &str) -> bool {
    let Some(rest) = raw.strip_prefix("CLEARML__") else {
        return false;
    };
    if !may_read_as_ending(rest, EMAIL_FILTERS_LAST_KEY) {
        return false;
    }
    let (section, path) = catalogue::EMAIL_FILTERS;
    names::dotted(rest)
        .strip_prefix(section.as_str())
        .and_then(|r| r.strip_prefix('.'))
        == Some(path)
}

/// What is wrong with the e-mail filter list's value, if anything (`None` also for a
/// `valueFrom`, which cannot be read before install).
fn email_filters_problem(entry: &Node) -> Option<(report::Code, &'static str)> {
    let value = entry.get("value")?;
    let warn = |why| Some((report::NOT_A_LIST, why));
    if let Node::Seq { .. } = value {
        return warn("is a YAML list, and Kubernetes needs a string");
    }
    match objects::to_json(value) {
        // ClearML parses it whether or not it is a list: a value it cannot parse, or one that
        // sets other keys, stops or changes the apiserver.
        serde_json::Value::String(text) => {
            let (section, path) = catalogue::EMAIL_FILTERS;
            let path = format!("{}.{path}", section.as_str());
            match values::reading_any_env(&path, &text) {
                r if r.sets_other_keys() => Some((
                    report::UNPARSEABLE_VALUE,
                    "would also set other ClearML settings (a `,` or a line break outside quotes and brackets)",
                )),
                Reading::Fails(_) => Some((
                    report::UNPARSEABLE_VALUE,
                    "is a value ClearML's HOCON parser rejects: the apiserver fails to start",
                )),
                Reading::Value(Value::List(items))
                    if items.iter().all(|i| matches!(i, Value::String(_))) =>
                {
                    None
                }
                Reading::Value(Value::List(_)) => {
                    warn("is a list ClearML reads with items that are not strings")
                }
                _ => warn("is not a list as ClearML reads it"),
            }
        }
        _ => warn("is not a YAML string"),
    }
}

/// The checks on one target container's env (after [`crate::correct::container`]).
pub fn container(
    container: &Node,
    location: &Location,
    policy_sets_tenant_login: bool,
    findings: &mut Sink,
) {
    let Some(env) = container.get("env") else {
        return;
    };
    // Multi-tenant login switched on in the manifest, not by the policy: the webserver is
    // checked only for a policy's `tenant_login` (it is read only then), so say so.
    let tenant_login_on = env.items().iter().rev().find_map(|e| {
        let name = e.get_str("name")?;
        if !may_read_as_ending(name.trim(), "tenant_login") {
            return None;
        }
        let sso = names::parse_name(name)?;
        (sso.provider().is_none() && sso.option_name() == "tenant_login").then(|| {
            values::read_one(e.get_str("value").unwrap_or_default()) == Some(Value::Bool(true))
        })
    });
    if tenant_login_on == Some(true) && !policy_sets_tenant_login {
        findings.push(
            Finding::new(
                report::WEBSERVER_LOGIN,
                format!("tenant_login is on in the manifest; ClearML's multi-tenant login also needs the webserver's {}=\"true\", which the tool checks only when the policy sets [sso] tenant_login", catalogue::WEBSERVER_PASSWORD_LOGIN.0),
            )
            .help("set [sso] tenant_login = true in the policy, so that the webserver is checked too")
            .at(location.clone()),
        );
    }
    for entry in env.items() {
        let Some(name) = entry.get_str("name") else {
            continue;
        };
        // A ClearML name with HOCON syntax was refused unprinted (`hocon-in-name`).
        let clearml = names::read_by_clearml(name.trim()) || names::parse_name(name).is_some();
        if clearml && !names::name_is_only_a_key(name.trim()) {
            continue;
        }
        // Made only for a finding (most variables have none).
        let at = || Location {
            variable: Some(name.to_string()),
            ..location.clone()
        };
        if let Some(segment) = unknown_client_segment(name) {
            let known = [Client::OAuth, Client::Saml].map(Client::as_str);
            let mut f = Finding::new(
                report::UNKNOWN_OPTION,
                format!(
                    "`{segment}` is not a client type ClearML reads (`{}` or `{}`): no provider reads this variable; kept as is",
                    known[0], known[1]
                ),
            )
            .at(at());
            if let Some(near) = crate::policy::nearest(&segment, known) {
                f = f.help(format!("did you mean `{near}`?"));
            }
            findings.push(f);
        }
        if is_email_filters(name) {
            if let Some((code, problem)) = email_filters_problem(entry) {
                findings.push(
                    Finding::new(
                        code,
                        format!("login.email_filters.allowed {problem}; not edited (the policy does not set it)"),
                    )
                    .help("write the allowed e-mail domains as one quoted string holding a list: value: '[\"example.com\",\"my-domain.ai\"]'")
                    .at(at()),
                );
            }
        }
    }
}

/// The webserver check, when the policy needs it (`tenant_login = true`).
pub struct Webserver {
    workloads: GlobSet,
}

impl Webserver {
    /// `Some` when the policy turns multi-tenant login on.
    pub fn for_policy(policy: &Policy) -> Option<Webserver> {
        let on = policy
            .sso
            .switches
            .iter()
            .any(|(o, v)| o.name == "tenant_login" && *v);
        if !on {
            return None;
        }
        let mut b = GlobSetBuilder::new();
        for p in catalogue::WEBSERVER_WORKLOADS {
            b.add(Glob::new(p).expect("valid glob"));
        }
        Some(Webserver {
            workloads: b.build().expect("valid globs"),
        })
    }

    /// Whether a workload of this kind and name is a webserver to check.
    pub fn selects(&self, policy: &Policy, kind: &str, name: &str) -> bool {
        policy.target.kinds.iter().any(|k| k == kind) && self.workloads.is_match(name)
    }

    /// Checks every webserver workload among the documents read as Kubernetes reads them.
    pub fn check(
        &self,
        policy: &Policy,
        docs: &[stream::Document],
        kube: &[Option<serde_json::Value>],
        sources: &[Option<&str>],
        findings: &mut Sink,
    ) {
        for ((doc, object), source) in docs.iter().zip(kube).zip(sources) {
            let Some(object) = object else { continue };
            let containers = workload::containers(object);
            // Each webserver workload's containers, together.
            let mut workloads: Vec<Vec<&workload::Container>> = Vec::new();
            for c in containers
                .iter()
                .filter(|c| self.selects(policy, c.kind, c.workload))
            {
                match workloads.last_mut() {
                    Some(w) if w[0].at.0 == c.at.0 => w.push(c),
                    _ => workloads.push(vec![c]),
                }
            }
            for w in workloads {
                let judged: Vec<(&str, Option<String>)> = w
                    .iter()
                    .map(|c| (c.name, password_login_problem(c.value)))
                    .collect();
                if judged.iter().any(|(_, p)| p.is_none()) {
                    continue;
                }
                let (container, problem) = &judged[0];
                let (var, value) = catalogue::WEBSERVER_PASSWORD_LOGIN;
                findings.push(
                    Finding::new(
                        report::WEBSERVER_LOGIN,
                        format!("[sso] tenant_login is on, and the webserver's {var} {}; ClearML's multi-tenant login needs it \"{value}\" (the tool does not edit the webserver)", problem.as_deref().unwrap_or_default()),
                    )
                    .help(format!("set it in the chart's values: webserver.extraEnvs: [{{ name: {var}, value: \"{value}\" }}]"))
                    .at(Location {
                        document: doc.index,
                        line: doc.start_line,
                        object: ObjectRef::of_json(w[0].object, *source),
                        container: Some(container.to_string()),
                        variable: Some(var.to_string()),
                    }),
                );
            }
        }
    }
}

/// What is wrong with a webserver container's `WEBSERVER__onlyPasswordLogin`, if anything
/// (Kubernetes keeps the last entry of a name; a `valueFrom` cannot be read and is accepted).
fn password_login_problem(container: &serde_json::Value) -> Option<String> {
    let (var, want) = catalogue::WEBSERVER_PASSWORD_LOGIN;
    let env = container["env"].as_array().cloned().unwrap_or_default();
    let last = env.iter().rev().find(|e| e["name"].as_str() == Some(var));
    match last {
        Some(e) if e.get("valueFrom").is_some() => None,
        Some(e) => match e["value"].as_str() {
            Some(v) if v.trim() == want => None,
            Some(v) => Some(format!("is `{v}`")),
            None => Some("has no value".to_string()),
        },
        None if env
            .iter()
            .any(|e| e["name"].as_str().is_some_and(|n| n.trim() == var)) =>
        {
            Some("is spelled with surrounding whitespace, which is another variable".to_string())
        }
        None => Some("is not set".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_read_as_a_path_ending_with_a_key_is_never_ruled_out() {
        // Every name of up to 6 characters from `_`, `.`, both cases, and the Kelvin sign
        // (which lower-cases to `k`): whenever ClearML's reading ends with the key, the quick
        // test lets the name through.
        let alphabet = ["a", "A", "k", "K", "\u{212a}", "_", "."];
        let (mut names, mut through, mut out) = (vec![String::new()], 0, 0);
        for _ in 0..6 {
            names = names
                .iter()
                .flat_map(|n| alphabet.iter().map(move |c| format!("{n}{c}")))
                .collect();
            for name in &names {
                let ends = names::dotted(name).ends_with("a_k");
                let may = may_read_as_ending(name, "a_k");
                assert!(may || !ends, "{name:?}");
                if ends {
                    through += 1;
                } else if !may {
                    out += 1;
                }
            }
        }
        // Both happen: names read as ending with it, names ruled out unread.
        assert!(through > 100 && out > 10_000, "{through} {out}");
        // The two uses, in the spellings ClearML reads the same.
        for name in [
            "CLEARML__services__login__sso__tenant_login",
            " CLEARML__SERVICES__LOGIN__SSO__TENANT_LOGIN",
            "CLEARML__services__login.sso.Tenant_Login",
        ] {
            let sso = names::parse_name(name).unwrap();
            assert_eq!((sso.provider(), sso.option_name()), (None, "tenant_login"));
            assert!(may_read_as_ending(name.trim(), "tenant_login"), "{name}");
        }
        for name in [
            "CLEARML__services__login__email_filters__allowed",
            "CLEARML__SERVICES__LOGIN__EMAIL_FILTERS__ALLOWED",
            "CLEARML__services.login.email_filters.Allowed",
        ] {
            assert!(is_email_filters(name), "{name}");
        }
        assert!(!is_email_filters(
            "CLEARML__services__login__email_filters__allowed_"
        ));
        let (_, path) = catalogue::EMAIL_FILTERS;
        assert_eq!(path.rsplit('.').next(), Some(EMAIL_FILTERS_LAST_KEY));
    }

    #[test]
    fn the_client_segment_of_an_ascii_name_is_the_one_its_path_gives() {
        // Every name of up to 5 pieces after `CLEARML__`, keys and separators in several
        // cases: the segment read in place is the one read from the path ClearML builds.
        let by_path = |rest: &str| {
            let lowered = names::dotted(rest);
            let (_section, path) = lowered.split_once('.')?;
            let below = path.strip_prefix("login.sso.")?;
            let (segment, tail) = below.split_once('.')?;
            let known = [Client::OAuth, Client::Saml].map(Client::as_str);
            (!segment.is_empty() && !tail.is_empty() && !known.contains(&segment))
                .then(|| segment.to_string())
        };
        let pieces = [
            "s__",
            "s.",
            "login__",
            "LOGIN.",
            "login",
            "Sso__",
            "sso.",
            "sso",
            "oauth_client__",
            "SAML_CLIENT.",
            "x___",
            "x_",
            "_",
            "__",
            ".",
        ];
        let mut rests = vec![String::new()];
        let (mut found, mut all) = (0, 0);
        for _ in 0..5 {
            rests = rests
                .iter()
                .flat_map(|r| pieces.iter().map(move |p| format!("{r}{p}")))
                .collect();
            for rest in &rests {
                let name = format!("CLEARML__{rest}");
                let segment = unknown_client_segment(&name);
                assert_eq!(segment, by_path(rest), "{name}");
                found += usize::from(segment.is_some());
                all += 1;
            }
        }
        assert!(found > 100 && all > 100_000, "{found} of {all}");
    }

    #[test]
    fn client_segment_typos_are_found_and_real_names_are_not() {
        let seg = |n: &str| unknown_client_segment(n);
        assert_eq!(
            seg("CLEARML__secure__login__sso__oauth_clients__keycloak__client_id").as_deref(),
            Some("oauth_clients")
        );
        assert_eq!(
            seg("CLEARML__services__login__sso__saml_clent__duo__claims__name").as_deref(),
            Some("saml_clent")
        );
        assert_eq!(
            seg("CLEARML__secure__login__sso__oauth_client__keycloak__client_id"),
            None
        );
        assert_eq!(seg("CLEARML__services__login__sso__tenant_login"), None);
        assert_eq!(
            seg("CLEARML__services__login__email_filters__allowed"),
            None
        );
        assert_eq!(
            seg("OTHER__services__login__sso__oauth_clients__x__y"),
            None
        );
    }

    #[test]
    fn email_filters_name_as_clearml_reads_it() {
        assert!(is_email_filters(
            "CLEARML__services__login__email_filters__allowed"
        ));
        assert!(is_email_filters(
            "CLEARML__SERVICES__LOGIN__EMAIL_FILTERS__ALLOWED"
        ));
        assert!(!is_email_filters(
            "clearml__services__login__email_filters__allowed"
        ));
        assert!(!is_email_filters(
            "CLEARML__secure__login__email_filters__allowed"
        ));
    }

    #[test]
    fn email_filters_value_must_read_as_a_list_of_strings() {
        let entry = |yaml: &str| crate::yaml::parse(yaml).unwrap().unwrap();
        let problem = |yaml: &str| email_filters_problem(&entry(yaml)).map(|(_, why)| why);
        assert_eq!(
            problem("name: x\nvalue: '[\"example.com\",\"b.ai\"]'\n"),
            None
        );
        assert_eq!(
            problem("name: x\nvalueFrom: {configMapKeyRef: {name: a, key: b}}\n"),
            None
        );
        assert!(problem("name: x\nvalue: [\"example.com\"]\n")
            .unwrap()
            .contains("YAML list"));
        assert!(problem("name: x\nvalue: example.com\n")
            .unwrap()
            .contains("not a list"));
        assert!(problem("name: x\nvalue: '[1, 2]'\n")
            .unwrap()
            .contains("not strings"));
        let code = |yaml: &str| email_filters_problem(&entry(yaml)).map(|(c, _)| c.id);
        assert_eq!(
            code("name: x\nvalue: '[a.com, b+c.com]'\n"),
            Some("unparseable-value")
        );
        assert_eq!(
            code("name: x\nvalue: 'a.com, secure.x: y'\n"),
            Some("unparseable-value")
        );
    }

    #[test]
    fn password_login_is_judged_as_kubernetes_reads_env() {
        let c = |env: serde_json::Value| serde_json::json!({ "name": "w", "env": env });
        let v = catalogue::WEBSERVER_PASSWORD_LOGIN.0;
        assert_eq!(
            password_login_problem(&c(serde_json::json!([{ "name": v, "value": "true" }]))),
            None
        );
        assert_eq!(
            password_login_problem(&c(
                serde_json::json!([{ "name": v, "value": "true" }, { "name": v, "value": "false" }])
            ))
            .as_deref(),
            Some("is `false`")
        );
        assert!(password_login_problem(&c(
            serde_json::json!([{ "name": format!("{v} "), "value": "true" }])
        ))
        .unwrap()
        .contains("surrounding whitespace"));
        assert_eq!(
            password_login_problem(&c(serde_json::json!([]))).as_deref(),
            Some("is not set")
        );
    }
}
