//! End to end against the real readers: generated manifests and policies go through the built
//! binary (`clearml-sso render`, as Helm runs it); every render that exits 0 is read back by
//! go-yaml itself (the Go program in tests/oracles/goyaml, as Kubernetes splits and reads a
//! stream) and, per targeted container, by ClearML's loader itself
//! (tests/oracles/e2e_oracle.py: the process environment and mounted files as the kubelet
//! builds them, then clearml-server's basic.py over pyhocon 0.3.63). ClearML's SSO trees
//! (`secure.login.sso`, `services.login.sso`, and so every key above them that could replace
//! them) must then be exactly what the generator expects from the policy it wrote; a render
//! that exits non-zero must leave stdout empty.
//!
//! The expected trees are computed here from what the generator put in the policy and the
//! manifest, not by the tool: a literal is its own value; a reference to a Secret or
//! ConfigMap of the stream is the string the generator stored (always JSON-quoted plain ASCII,
//! which HOCON reads as that string); a reference to a Secret under `[secrets] external` is
//! the oracle's stand-in for it; Keycloak's URLs derived from `url` and `realm` follow the
//! table in docs/policy.md (relied on, not recomputed from the tool). A path the policy does
//! not own where the generator wrote a variable of its own (another option of a declared
//! provider, an undeclared provider under `unknown_providers = "warn"`) may hold anything
//! (its own value, whatever pyhocon makes of it); everything else in the SSO trees must be
//! absent, so a value, file or variable that sets another key, and an undeclared provider
//! under a strict policy, are disagreements.
//!
//! `ORACLE_SEED` (default 17) and `ORACLE_E2E_COUNT` (default 1,500) choose the run. Each
//! disagreement is written to `target/e2e-disagreements/` as a fixture; kept under
//! tests/fixtures/e2e/, it is replayed by [`e2e_fixtures_replay`] (one that is a known open
//! bug goes under tests/fixtures/e2e/open/<bug>/, replayed by an `e2e_open_<bug>_replay` test
//! ignored as open, until it is fixed; none is open now).

use super::loader::image_defaults;
use super::pyhocon::{normalize, python, value as hocon_value, Rng};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const DEFAULT_SEED: u64 = 17;
const DEFAULT_COUNT: usize = 1_500;
/// The Secret the policies declare under `[secrets] external`.
const EXTERNAL: &str = "ext-sso";
/// The in-stream Secret and ConfigMap that policy references and variables read.
const SECRET: &str = "clearml-sso";
const CONFIGMAP: &str = "clearml-sso-cm";

/// What ClearML must read at one path of the SSO trees.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
enum Want {
    /// Exactly this value (the oracle's typed form).
    Exact(Json),
    /// Anything, or nothing: the path is not the policy's and the generator wrote it.
    Any,
}

/// One generated case: its input, and what ClearML must read in each targeted container.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Case {
    stream: String,
    policy: String,
    /// Kind and name of the targeted workload.
    workload: (String, String),
    /// Targeted container → path (from the root) → what must be there.
    expected: BTreeMap<String, Vec<(Vec<String>, Want)>>,
}

// ---- values ----

/// A string the policy or the manifest may hold: plain, hostile to HOCON, keyword-like,
/// with Unicode spaces (never a NUL: no environment variable can hold one).
fn any_string(r: &mut Rng, calm: bool) -> String {
    let s = match if calm {
        [0, 11][r.below(2)]
    } else {
        r.below(12)
    } {
        0..=3 => r
            .pick(&[
                "clearml",
                "client-1",
                "a1b2c3",
                "Log in with SSO",
                "preferred_username",
                "groups",
                "clearml-admins",
                "d1bd92a3b039400cbafc60a7a5b1e52b",
            ])
            .to_string(),
        4..=7 => hocon_value(r),
        8 => r
            .pick(&[
                "true",
                "false",
                "null",
                "10",
                "1e3",
                "true-north",
                "null-x",
                "10 days",
                "yes",
                "0x10",
                "-0",
                " ",
                "include \"x\"",
                "${HOME}",
                "$(HOME)",
                "$$",
                "a\\b",
                "\"\"\"",
                "#",
                "//",
            ])
            .to_string(),
        9 => format!(
            "{}x{}",
            r.pick(&["\u{a0}", "\u{2028}", "\u{3000}", " ", "\t", "\n"]),
            r.pick(&["\u{a0}", "\u{85}", "\u{feff}", " ", "\r\n"])
        ),
        10 => format!(
            "https://hooks.acme.test/{}",
            r.pick(&[
                ", secure.login.sso.oauth_client.keycloak.client_secret: \"attacker\"",
                "\\\", secure.login.sso.oauth_client.google.client_id: x",
                "\"\"\" x",
                "a//b#c",
            ])
        ),
        _ => {
            const CH: &[u8] = b"ABCabc0123456789+/=_-.~:@ ,";
            (0..1 + r.below(24))
                .map(|_| CH[r.below(CH.len())] as char)
                .collect()
        }
    };
    s.replace('\0', "")
}

/// A string stored in a Secret or ConfigMap, and the string HOCON reads from it: JSON-quoted
/// printable ASCII (a JSON string is a HOCON quoted string).
fn stored_string(r: &mut Rng, hint: &str) -> (String, String) {
    const CH: &[u8] = b"ABCabc0123456789+/=_-.~:@ ,#\"{}[]$";
    let mut s: String = (0..1 + r.below(30))
        .map(|_| CH[r.below(CH.len())] as char)
        .collect();
    if hint.ends_with("_url") {
        // What the catalogue asks of a URL: a scheme, and `base_url` ending with `/`.
        s = format!("https://h.acme.test/{}/", s.replace(['/', ' '], ""));
    }
    (serde_json::to_string(&s).expect("JSON"), s)
}

fn url(r: &mut Rng, calm: bool, slash: bool) -> String {
    let host = r.pick(&[
        "sso.acme.test",
        "kc.other.test:8443",
        "login.microsoftonline.com",
        "dev-1.okta.com",
    ]);
    let mut path = String::new();
    for _ in 0..r.below(3) {
        let n = if calm { 2 } else { 13 };
        path.push_str(
            [
                "a",
                "oauth2/v1",
                "a b",
                "x,y",
                "p#q",
                "p//q",
                // Not `${X}`: a `{…}` in a policy value is a placeholder, refused by design.
                "${X",
                "\"q\"",
                "true",
                "é",
                "realms/x",
                "?a=1&b=2",
                "\\",
            ][r.below(n)],
        );
        path.push('/');
    }
    if !slash && path.ends_with('/') {
        path.pop();
        path.push_str("token");
    }
    format!("https://{host}/{path}")
}

// ---- writing TOML and YAML ----

/// A TOML basic string holding exactly `s`.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A YAML double-quoted scalar holding exactly `s`: everything but printable ASCII escaped,
/// so that the test is about what the tool writes, not about YAML's line breaks.
fn yq(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

// ---- the policy ----

#[derive(Clone, Copy, PartialEq)]
enum Sec {
    Secure,
    Services,
}

impl Sec {
    fn name(self) -> &'static str {
        match self {
            Sec::Secure => "secure",
            Sec::Services => "services",
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Str,
    Bool,
    List,
}

/// The options the generator sets, with their section (docs/providers.md: credentials and
/// `default_company` under `secure`, the rest under `services`) and type.
const OPTIONS: &[(&str, Sec, Kind)] = &[
    ("client_id", Sec::Secure, Kind::Str),
    ("client_secret", Sec::Secure, Kind::Str),
    ("default_company", Sec::Secure, Kind::Str),
    ("base_url", Sec::Services, Kind::Str),
    ("authorize_url", Sec::Services, Kind::Str),
    ("access_token_url", Sec::Services, Kind::Str),
    ("audience", Sec::Services, Kind::Str),
    ("display_name", Sec::Services, Kind::Str),
    ("idp_logout", Sec::Services, Kind::Bool),
    ("code_challenge", Sec::Services, Kind::Bool),
    ("claims.name", Sec::Services, Kind::Str),
    ("groups.enabled", Sec::Services, Kind::Bool),
    ("groups.claim", Sec::Services, Kind::Str),
    ("groups.admins", Sec::Services, Kind::List),
];

fn option(name: &str) -> (Sec, Kind) {
    OPTIONS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, s, k)| (*s, *k))
        .expect("a generated option")
}

/// OAuth providers with what each requires besides its credentials (docs/policy.md).
const PROVIDERS: &[(&str, &[&str])] = &[
    (
        "keycloak",
        &["base_url", "authorize_url", "access_token_url"],
    ),
    (
        "auth0",
        &["base_url", "authorize_url", "access_token_url", "audience"],
    ),
    ("okta", &["base_url", "authorize_url", "access_token_url"]),
    ("azure_ad", &["authorize_url", "access_token_url"]),
    ("ad_oauth", &["authorize_url", "access_token_url"]),
    ("google", &[]),
    ("cognito", &["authorize_url", "access_token_url"]),
    ("ping", &["authorize_url", "access_token_url"]),
];
const UNDECLARED: &[&str] = &["github", "gitlab", "keycloak", "google", "okta", "azure"];

fn path_of(sec: Sec, provider: &str, opt: &str) -> Vec<String> {
    let mut p: Vec<String> = [sec.name(), "login", "sso", "oauth_client", provider]
        .iter()
        .map(|s| s.to_string())
        .collect();
    p.extend(opt.split('.').map(str::to_string));
    p
}

fn var_of(prefix: &str, path: &[String]) -> String {
    format!("{prefix}{}", path.join("__"))
}

fn s(j: &str) -> Json {
    json!({ "str": j })
}

/// What the policy says for one owned path: the HOCON text of the right value, and what
/// ClearML must read there.
struct Owned {
    path: Vec<String>,
    kind: Kind,
    right: Option<String>,
    want: Want,
}

struct Stores {
    secret: BTreeMap<String, String>,
    configmap: BTreeMap<String, String>,
}

impl Stores {
    /// A key of the in-stream Secret (or ConfigMap) holding a generated value; what ClearML
    /// reads from it (unknown for a hostile text).
    fn put(&mut self, r: &mut Rng, calm: bool, configmap: bool, hint: &str) -> (String, Want) {
        let key = format!("{hint}_{}", r.below(1000));
        let (text, want) = if !calm && r.below(6) == 0 {
            (any_string(r, calm), Want::Any)
        } else {
            let (t, v) = stored_string(r, hint);
            (t, Want::Exact(s(&v)))
        };
        let map = if configmap {
            &mut self.configmap
        } else {
            &mut self.secret
        };
        map.insert(key.clone(), text);
        (key, want)
    }
}

impl Stores {
    /// A key of the in-stream Secret holding `text`.
    fn put_text(&mut self, r: &mut Rng, hint: &str, text: String) -> String {
        let key = format!("{hint}_{}", r.below(1000));
        self.secret.insert(key.clone(), text);
        key
    }
}

/// Tails that make a value set more than its own key: another SSO setting, a `-` key that
/// replaces a tree when ClearML merges (basic.py's `_merge_configs`), a tree's parent.
const TAILS: &[&str] = &[
    ", secure.login.sso.oauth_client.keycloak.client_id: \"attacker\"",
    "\nservices { -login { } }",
    "\nsecure { -login: null }",
    "\nservices.login.sso: null",
    "\nsecure.login.sso.oauth_client.github.client_id: x",
    ", services.login.sso.oauth_client.google { -client_id: y }",
    " // , secure.login.sso.oauth_client.okta.client_id: z",
    "\\\", secure.login.sso.oauth_client.keycloak.client_secret: w",
];

/// A string for a policy literal: a placeholder is refused by design
/// (`policy::placeholder_reason`). `${HOME}` loses its `}` (`${HOME` still needs quoting), so
/// that the draws, and the cases after it, stay those of the seed; anything else is drawn again.
fn setting_string(r: &mut Rng, calm: bool) -> String {
    loop {
        let v = any_string(r, calm).replace('}', "");
        if clearml_sso::policy::placeholder_reason(&v).is_none() {
            return v;
        }
    }
}

fn literal(r: &mut Rng, calm: bool, kind: Kind) -> (String, Json) {
    match kind {
        Kind::Str => {
            let v = setting_string(r, calm);
            (toml_str(&v), s(&v))
        }
        Kind::Bool => {
            let b = r.below(2) == 0;
            (b.to_string(), json!({ "bool": b }))
        }
        Kind::List => {
            let items: Vec<String> = (0..1 + r.below(3))
                .map(|_| setting_string(r, calm))
                .collect();
            (
                format!(
                    "[{}]",
                    items
                        .iter()
                        .map(|i| toml_str(i))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                json!({ "list": items.iter().map(|i| s(i)).collect::<Vec<_>>() }),
            )
        }
    }
}

/// The policy's TOML, the paths it owns, and its declared providers.
fn policy(
    r: &mut Rng,
    calm: bool,
    stores: &mut Stores,
) -> (String, Vec<Owned>, Vec<String>, &'static str) {
    let strict = ["deny", "remove", "warn"][r.below(3)];
    let mut plaintext_needed = false;
    let mut body = String::new();
    let mut owned = Vec::new();
    let mut declared = Vec::new();
    let n = 1 + r.below(3);
    let mut pool: Vec<usize> = (0..PROVIDERS.len()).collect();
    for _ in 0..n {
        let (key, required) = PROVIDERS[pool.remove(r.below(pool.len()))];
        declared.push(key.to_string());
        body.push_str(&format!("\n[providers.{key}]\n"));
        let mut opts: Vec<&str> = vec!["client_id", "client_secret"];
        let derived = key == "keycloak" && r.below(3) == 0;
        if derived {
            let url = ["https://sso.acme.test", "https://kc.other.test:8443/auth"][r.below(2)];
            let realm = ["clearml", "my-realm", "r_1"][r.below(3)];
            body.push_str(&format!(
                "url = {}\nrealm = {}\n",
                toml_str(url),
                toml_str(realm)
            ));
            // docs/policy.md: `{url}/realms/{realm}/`, then `protocol/openid-connect/auth`
            // and `…/token` under it.
            let base = format!("{url}/realms/{realm}/");
            for (opt, v) in [
                ("base_url", base.clone()),
                (
                    "authorize_url",
                    format!("{base}protocol/openid-connect/auth"),
                ),
                (
                    "access_token_url",
                    format!("{base}protocol/openid-connect/token"),
                ),
            ] {
                owned.push(Owned {
                    path: path_of(Sec::Services, key, opt),
                    kind: Kind::Str,
                    right: Some(serde_json::to_string(&v).expect("JSON")),
                    want: Want::Exact(s(&v)),
                });
            }
        } else {
            opts.extend(required.iter().copied());
        }
        for (opt, _, _) in OPTIONS.iter().skip(2) {
            let set = opts.contains(opt) || (derived && opt.ends_with("url"));
            if !set && r.below(6) == 0 {
                opts.push(opt);
            }
        }
        for opt in opts {
            let (sec, kind) = option(opt);
            let path = path_of(sec, key, opt);
            let reference = match opt {
                "client_secret" => r.below(5) != 0,
                "client_id" => r.below(2) == 0,
                _ => kind == Kind::Str && r.below(8) == 0,
            };
            let (toml, right, want) = if reference {
                match r.below(6) {
                    0 => {
                        let k = format!("{key}_{}", opt.replace('.', "_"));
                        let standin = format!("STANDIN secret/{EXTERNAL}/{k}");
                        (
                            format!("{{ secret = \"{EXTERNAL}\", key = \"{k}\" }}"),
                            None,
                            Want::Exact(s(&standin)),
                        )
                    }
                    1 if r.below(10) == 0 => (
                        // A key the stream's Secret does not hold: the container would not
                        // start, so no exit 0 may come of it.
                        format!("{{ secret = \"{SECRET}\", key = \"absent_{key}\" }}"),
                        None,
                        Want::Exact(json!({ "never": "a missing key" })),
                    ),
                    n => {
                        let cm = n == 5;
                        let (k, want) =
                            stores.put(r, calm, cm, &format!("{key}_{}", opt.replace('.', "_")));
                        let right = match (&want, cm) {
                            (_, true) => stores.configmap.get(&k).cloned(),
                            (_, false) => stores.secret.get(&k).cloned(),
                        };
                        let which = if cm { "configmap" } else { "secret" };
                        let name = if cm { CONFIGMAP } else { SECRET };
                        (
                            format!("{{ {which} = \"{name}\", key = \"{k}\" }}"),
                            right,
                            want,
                        )
                    }
                }
            } else {
                let (toml, want) = match (opt, kind) {
                    ("base_url", _) => {
                        let u = url(r, calm, true);
                        (toml_str(&u), s(&u))
                    }
                    ("authorize_url" | "access_token_url", _) => {
                        let u = url(r, calm, false);
                        (toml_str(&u), s(&u))
                    }
                    _ => literal(r, calm, kind),
                };
                if opt == "client_secret" {
                    plaintext_needed = true;
                }
                let right = match &want {
                    Json::Object(m) if m.contains_key("str") => {
                        Some(serde_json::to_string(&m["str"]).expect("JSON"))
                    }
                    Json::Object(m) if m.contains_key("bool") => Some(m["bool"].to_string()),
                    Json::Object(m) => Some(
                        serde_json::to_string(
                            &m["list"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .map(|i| i["str"].clone())
                                .collect::<Vec<_>>(),
                        )
                        .expect("JSON"),
                    ),
                    _ => None,
                };
                (toml, right, Want::Exact(want))
            };
            body.push_str(&format!("{opt} = {toml}\n"));
            owned.push(Owned {
                path,
                kind,
                right,
                want,
            });
        }
    }
    let mut head = format!("version = 1\n\n[enforce]\nunknown_providers = \"{strict}\"\n");
    // Now and then a literal secret under the default `deny`: a policy error (exit 2).
    if plaintext_needed && r.below(10) != 0 {
        head.push_str("plaintext_secrets = \"allow\"\n");
    }
    head.push_str(&format!("\n[secrets]\nexternal = [\"{EXTERNAL}\"]\n"));
    if r.below(5) == 0 {
        let (t, want) = literal(r, calm, Kind::Bool);
        head.push_str(&format!("\n[sso]\ntenant_login = {t}\n"));
        owned.push(Owned {
            kind: Kind::Bool,
            path: ["services", "login", "sso", "tenant_login"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            right: Some(t),
            want: Want::Exact(want),
        });
    }
    (head + &body, owned, declared, strict)
}

// ---- the manifest ----

enum Entry {
    Value(String, String),
    Ref(String, &'static str, String, String),
}

/// One targeted container's env, envFrom keys (for the stream's env ConfigMap) and the paths
/// it may hold besides the policy's.
struct ContainerGen {
    env: Vec<Entry>,
    env_from: Vec<(String, String)>,
    env_from_prefix: Option<String>,
    any: Vec<Vec<String>>,
}

/// A value of `kind` that is not the policy's (any value at all when not `calm`).
fn wrong(r: &mut Rng, calm: bool, kind: Kind) -> String {
    match (calm, kind) {
        (false, _) if r.below(2) == 0 => sso_value(r, calm),
        (_, Kind::Bool) => {
            ["true", "false", "TRUE", "off"][r.below(if calm { 3 } else { 4 })].into()
        }
        (_, Kind::List) => "[\"set-by-chart\"]".into(),
        (_, Kind::Str) => "\"set-by-chart\"".into(),
    }
}

fn sso_value(r: &mut Rng, calm: bool) -> String {
    match if calm { 2 } else { r.below(4) } {
        0 => any_string(r, calm),
        1 => hocon_value(r),
        _ => serde_json::to_string(&any_string(r, calm)).expect("JSON"),
    }
}

fn container_env(
    r: &mut Rng,
    calm: bool,
    owned: &[Owned],
    declared: &[String],
    strict: &str,
    stores: &mut Stores,
) -> ContainerGen {
    let mut g = ContainerGen {
        env: Vec::new(),
        env_from: Vec::new(),
        env_from_prefix: None,
        any: Vec::new(),
    };
    if r.below(3) == 0 {
        g.env.push(Entry::Value("HOME".into(), "/root".into()));
    }
    // What is already there for the policy's paths: right, wrong, hostile, other spellings,
    // indirect.
    for o in owned {
        if r.below(2) == 0 {
            continue;
        }
        let value = match r.below(6) {
            0 | 1 => o.right.clone().unwrap_or_else(|| sso_value(r, calm)),
            2 => wrong(r, calm, o.kind),
            _ => sso_value(r, calm),
        };
        let canonical = var_of("CLEARML__", &o.path);
        let name = match r.below(if calm { 10 } else { 17 }) {
            0 => canonical.to_uppercase(),
            // Spellings of the same key through pyhocon's key syntax: dots, quotes, spaces.
            14 => format!("CLEARML__{}", o.path.join(".")),
            15 => format!(
                "CLEARML__{}__\"{}\"",
                o.path[..o.path.len() - 1].join("__"),
                o.path[o.path.len() - 1]
            ),
            16 => format!(
                "CLEARML__{} __ {}",
                o.path[..o.path.len() - 1].join("__"),
                o.path[o.path.len() - 1]
            ),
            10 => format!("{canonical} "),
            11 => format!(" {canonical}"),
            12 => format!("{canonical}__x"),
            13 if o.path.len() > 5 => {
                // `-provider`: replaces the provider's tree when ClearML merges it.
                let mut p = o.path.clone();
                p[4] = format!("-{}", p[4]);
                let last = o.path[5..].join(".");
                g.env.push(Entry::Value(
                    var_of(r.pick(&["CLEARML__", "TRAINS__"]), &p[..5]),
                    format!("{{ {last}: {value} }}"),
                ));
                continue;
            }
            1 => var_of("TRAINS__", &o.path),
            2 => var_of("clearml__", &o.path),
            3 if o.path.len() > 4 => {
                // The other section: a path of its own, which ClearML never consults for
                // this option (docs/how-clearml-reads-sso.md), so not the policy's; the
                // tool may rename it or leave it.
                let mut p = o.path.clone();
                p[0] = if p[0] == "secure" {
                    Sec::Services
                } else {
                    Sec::Secure
                }
                .name()
                .to_string();
                g.any.push(p.clone());
                var_of("CLEARML__", &p)
            }
            4 if o.path.len() > 5 => {
                // The whole provider as one object-valued variable.
                let last = o.path[5..].join(".");
                g.env.push(Entry::Value(
                    var_of("CLEARML__", &o.path[..5]),
                    format!("{{ {last}: {value} }}"),
                ));
                continue;
            }
            _ => canonical,
        };
        match r.below(8) {
            0 => {
                g.env.push(Entry::Value("SSO_SRC".into(), value));
                g.env.push(Entry::Value(name, "$(SSO_SRC)".into()));
            }
            1 => {
                let (k, _) = stores.put(r, calm, false, "pre");
                g.env.push(Entry::Ref(name, "secret", SECRET.into(), k));
            }
            // An envFrom source the tool cannot edit: refused unless it holds the policy's value.
            2 if !calm => g.env_from.push((name, value)),
            _ => g.env.push(Entry::Value(name, value)),
        }
    }
    // Other options of declared providers: not the policy's; the generator's own.
    for p in declared {
        for (opt, sec, kind) in OPTIONS {
            let path = path_of(*sec, p, opt);
            if owned.iter().any(|o| o.path == path) || r.below(12) != 0 {
                continue;
            }
            let name = var_of("CLEARML__", &path);
            let value = wrong(r, calm, *kind);
            if r.below(4) == 0 {
                g.env_from.push((name, value));
            } else {
                g.env.push(Entry::Value(name, value));
            }
            g.any.push(path);
        }
    }
    // Providers the policy does not declare.
    if r.below(4) == 0 {
        let u = r.pick(UNDECLARED);
        if !declared.iter().any(|d| d == u) {
            let path = path_of(Sec::Services, u, "base_url");
            g.env.push(Entry::Value(
                var_of("CLEARML__", &path),
                "\"https://other.acme.test/\"".into(),
            ));
            if strict == "warn" {
                g.any.push(path);
            }
        }
    }
    // Variables that are not SSO settings, some of them hostile, and keys above the trees.
    for _ in 0..r.below(4) {
        let name = r.pick(&[
            "CLEARML__services__webhooks__url",
            "CLEARML__apiserver__auth__fixed_users__enabled",
            "CLEARML__secure__auth__token_secret",
            "TRAINS__services__x",
            "CLEARML__services__login__email_filters__allowed",
            "OTHER_VAR",
            "CLEARML_CONFIG_FILE",
        ]);
        let value = match r.below(3) {
            0 => any_string(r, calm),
            1 if !calm => format!(
                "{}{}",
                r.pick(&["\"plain\"", "x", "\"\"\"a", "1"]),
                r.pick(TAILS)
            ),
            _ => "\"plain\"".into(),
        };
        match r.below(5) {
            // Through `$(VAR)`: the tail comes from another variable.
            0 if !calm => {
                let cut = value.len() / 2;
                let cut = (0..=cut)
                    .rev()
                    .find(|i| value.is_char_boundary(*i))
                    .unwrap_or(0);
                g.env
                    .push(Entry::Value("PART_A".into(), value[..cut].to_string()));
                g.env
                    .push(Entry::Value("PART_B".into(), value[cut..].to_string()));
                g.env
                    .push(Entry::Value(name.into(), "$(PART_A)$(PART_B)".into()));
            }
            1 => {
                let k = stores.put_text(r, "other", value);
                g.env
                    .push(Entry::Ref(name.into(), "secret", SECRET.into(), k));
            }
            2 if name.starts_with("CLEARML__") => g.env_from.push((name.into(), value)),
            _ => g.env.push(Entry::Value(name.into(), value)),
        }
    }
    if !calm && r.below(25) == 0 {
        let (name, value) = [
            ("CLEARML__secure__login", "{ sso: {} }"),
            ("CLEARML__services__login__sso", "null"),
            ("CLEARML__secure", "\"flat\""),
            ("CLEARML__services__login__sso__oauth_client", "{}"),
            ("CLEARML__services__login__-sso", "{ x: 1 }"),
        ][r.below(5)];
        g.env.push(Entry::Value(name.into(), value.into()));
    }
    if !g.env_from.is_empty() && r.below(3) == 0 {
        g.env_from_prefix = Some("CLEARML__".into());
        let mut kept = Vec::new();
        for (k, v) in std::mem::take(&mut g.env_from) {
            match k.strip_prefix("CLEARML__") {
                Some(rest) => kept.push((rest.to_string(), v)),
                None => g.env.push(Entry::Value(k, v)),
            }
        }
        g.env_from = kept;
    }
    // The order of the list: what refers to `SSO_SRC` follows it, the rest shuffled a little.
    if r.below(2) == 0 && g.env.len() > 1 {
        let i = r.below(g.env.len());
        let j = r.below(g.env.len());
        let refers = |e: &Entry| matches!(e, Entry::Value(n, v) if n == "SSO_SRC" || v.contains("$(SSO_SRC)"));
        if !refers(&g.env[i]) && !refers(&g.env[j]) {
            g.env.swap(i, j);
        }
    }
    // A name given twice (Kubernetes keeps the last): a hostile value before the real one, or
    // after it.
    if !calm && r.below(4) == 0 && !g.env.is_empty() {
        let i = r.below(g.env.len());
        let name = match &g.env[i] {
            Entry::Value(n, _) | Entry::Ref(n, ..) => n.clone(),
        };
        let v = match r.below(4) {
            0 => "$(UNDEFINED)".to_string(),
            1 => "$$(SSO_SRC)".to_string(),
            _ => format!("x{}", r.pick(TAILS)),
        };
        if r.below(2) == 0 {
            g.env.insert(i, Entry::Value(name, v));
        } else {
            // Last, it is the value: at a path the generator marked as its own it may be
            // anything there, and what else it sets is checked as ever.
            g.env.push(Entry::Value(name, v));
        }
    }
    g
}

const FILES: &[(&str, &str)] = &[
    ("apiserver.conf", "x: 1\n"),
    ("services.conf", "webhooks { url: \"https://h/\" }\n"),
    ("secure.conf", "auth { token_secret: \"t\" }\n"),
    (
        "secure.conf",
        "login.sso.oauth_client.keycloak.client_id: \"from-file\"\n",
    ),
    (
        "services/login.conf",
        "sso.oauth_client.github.base_url: \"https://gh/\"\n",
    ),
    ("services.conf", "login { sso { tenant_login: true } }\n"),
    (
        "secure.login.conf",
        "sso.oauth_client.github.client_id: x\n",
    ),
    (
        "services/login/sso.conf",
        "oauth_client { google { display_name: \"file\" } }\n",
    ),
    ("-services.conf", "x: 1\n"),
    ("services.conf", "-login { }\n"),
    ("secure.conf", "login.sso: null\n"),
    ("notes.txt", "login.sso.oauth_client.github.client_id: x\n"),
    ("metadata.xml", "<x/>"),
];

/// A scalar in one of the styles a chart writes: double-quoted, or single-quoted where the
/// text is printable ASCII.
fn scalar(r: &mut Rng, s: &str) -> String {
    if r.below(3) == 0 && s.chars().all(|c| (' '..='~').contains(&c)) {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        yq(s)
    }
}

fn env_yaml(r: &mut Rng, c: &ContainerGen, indent: &str) -> String {
    let mut out = String::new();
    if !c.env.is_empty() && r.below(10) == 0 {
        // The whole list in flow style.
        let items: Vec<String> = c
            .env
            .iter()
            .map(|e| match e {
                Entry::Value(n, v) => format!("{{name: {}, value: {}}}", yq(n), yq(v)),
                Entry::Ref(n, kind, name, key) => format!(
                    "{{name: {}, valueFrom: {{{}: {{name: {}, key: {}}}}}}}",
                    yq(n),
                    if *kind == "secret" {
                        "secretKeyRef"
                    } else {
                        "configMapKeyRef"
                    },
                    yq(name),
                    yq(key)
                ),
            })
            .collect();
        out.push_str(&format!("{indent}env: [{}]\n", items.join(", ")));
        return out;
    }
    if !c.env.is_empty() {
        out.push_str(&format!("{indent}env:\n"));
        for e in &c.env {
            match e {
                Entry::Value(n, v) => out.push_str(&format!(
                    "{indent}  - name: {}\n{indent}    value: {}\n",
                    scalar(r, n),
                    scalar(r, v)
                )),
                Entry::Ref(n, kind, name, key) => {
                    let (vf, rf) = if *kind == "secret" {
                        ("secretKeyRef", "name")
                    } else {
                        ("configMapKeyRef", "name")
                    };
                    out.push_str(&format!(
                        "{indent}  - name: {}\n{indent}    valueFrom:\n{indent}      {vf}:\n{indent}        {rf}: {}\n{indent}        key: {}\n",
                        yq(n),
                        yq(name),
                        yq(key)
                    ));
                }
            }
        }
    }
    out
}

fn generate(r: &mut Rng) -> Case {
    let mut stores = Stores {
        secret: BTreeMap::new(),
        configmap: BTreeMap::new(),
    };
    // Two manifests in three hold nothing hostile but what the corrections are for; half the
    // policies hold only plain literals (the other half: values the tool must quote).
    let calm = r.below(3) != 0;
    let plain_policy = r.below(2) == 0;
    let (policy, owned, declared, strict) = policy(r, plain_policy, &mut stores);
    let kind = [
        "Deployment",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
    ][r.below(5)];
    let name = "clearml-apiserver";
    let mut targeted = vec![if r.below(5) == 0 {
        "clearml"
    } else {
        "clearml-apiserver"
    }];
    if r.below(8) == 0 {
        targeted.push(if targeted[0] == "clearml" {
            "clearml-apiserver"
        } else {
            "clearml"
        });
    }
    let mut expected = BTreeMap::new();
    let mut containers = String::new();
    let mut env_cms = String::new();
    let mounts_config = r.below(3) == 0;
    // The folders the loader reads instead of its two defaults (`CLEARML_CONFIG_DIR`, else
    // `TRAINS_CONFIG_DIR`, colon-separated), and where the ConfigMap is mounted.
    let config_dir: Option<(&str, &str)> = match r.below(8) {
        0 => Some(("CLEARML_CONFIG_DIR", "/etc/clearml")),
        1 => Some(("TRAINS_CONFIG_DIR", "/etc/clearml:/opt/clearml/config")),
        2 => Some(("CLEARML_CONFIG_DIR", "/nonexistent")),
        _ => None,
    };
    let mount_yaml = if mounts_config {
        match r.below(8) {
            4 => "          volumeMounts:\n            - name: extra\n              mountPath: /etc/clearml\n".to_string(),
            // Over the image's default folder (hiding its files), or a file in it.
            5 => "          volumeMounts:\n            - name: extra\n              mountPath: /opt/clearml/apiserver/config/default\n".to_string(),
            6 => "          volumeMounts:\n            - name: extra\n              mountPath: /opt/clearml/apiserver/config/default/extra.conf\n              subPath: extra.conf\n".to_string(),
            7 => "          volumeMounts:\n            - name: extra\n              mountPath: /opt/clearml/config/sub\n".to_string(),
            0 => "          volumeMounts:\n            - name: extra\n              mountPath: /opt/clearml/config/extra.conf\n              subPath: extra.conf\n".to_string(),
            1 => "          volumeMounts:\n            - name: extra\n              mountPath: /opt/trains/config\n".to_string(),
            _ => "          volumeMounts:\n            - name: extra\n              mountPath: /opt/clearml/config\n".to_string(),
        }
    } else {
        String::new()
    };
    for (i, c) in targeted.iter().enumerate() {
        let mut g = container_env(r, calm, &owned, &declared, strict, &mut stores);
        if let Some((var, dir)) = config_dir {
            g.env.insert(0, Entry::Value(var.into(), dir.into()));
        }
        let mut want: Vec<(Vec<String>, Want)> = owned
            .iter()
            .map(|o| (o.path.clone(), o.want.clone()))
            .collect();
        want.extend(g.any.iter().map(|p| (p.clone(), Want::Any)));
        expected.insert(c.to_string(), want);
        containers.push_str(&format!(
            "        - name: {c}\n          image: allegroai/clearml:2.0.0\n"
        ));
        containers.push_str(&env_yaml(r, &g, "          "));
        if !g.env_from.is_empty() {
            let cm = format!("clearml-env-{i}");
            // From a ConfigMap, or a Secret (its `data` base64, or `stringData`).
            let (kind, reference, field) = match r.below(3) {
                0 => ("ConfigMap", "configMapRef", "data"),
                1 => ("Secret", "secretRef", "data"),
                _ => ("Secret", "secretRef", "stringData"),
            };
            containers.push_str(&format!(
                "          envFrom:\n            - {reference}:\n                name: {cm}\n"
            ));
            if let Some(p) = &g.env_from_prefix {
                containers.push_str(&format!("              prefix: {}\n", yq(p)));
            }
            env_cms.push_str(&format!(
                "---\napiVersion: v1\nkind: {kind}\nmetadata:\n  name: {cm}\n{field}:\n"
            ));
            for (k, v) in &g.env_from {
                let v = if kind == "Secret" && field == "data" {
                    base64::engine::general_purpose::STANDARD.encode(v.as_bytes())
                } else {
                    yq(v)
                };
                env_cms.push_str(&format!("  {}: {v}\n", yq(k)));
            }
        }
        containers.push_str(&mount_yaml);
    }
    if r.below(4) == 0 {
        // A sidecar the policy does not target, with SSO variables of its own.
        containers.push_str("        - name: sidecar\n          image: nginx\n          env:\n            - name: CLEARML__secure__login__sso__oauth_client__github__client_id\n              value: \"x\"\n");
    }
    let mut init = String::new();
    if r.below(5) == 0 {
        init.push_str("      initContainers:\n        - name: init-apiserver\n          image: busybox\n          env:\n            - name: CLEARML__secure__login__sso__oauth_client__github__client_id\n              value: \"x\"\n");
    }
    let mut stream = String::new();
    // The in-stream Secret and ConfigMap the references read.
    let mut secret =
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: {SECRET}\ntype: Opaque\n");
    let (mut data, mut string_data) = (String::new(), String::new());
    for (k, v) in &stores.secret {
        if r.below(2) == 0 {
            data.push_str(&format!(
                "  {k}: {}\n",
                base64::engine::general_purpose::STANDARD.encode(v.as_bytes())
            ));
        } else {
            string_data.push_str(&format!("  {k}: {}\n", yq(v)));
        }
    }
    if !data.is_empty() {
        secret.push_str(&format!("data:\n{data}"));
    }
    if !string_data.is_empty() {
        secret.push_str(&format!("stringData:\n{string_data}"));
    }
    if !stores.secret.is_empty() || r.below(2) == 0 {
        stream.push_str(&secret);
    }
    if !stores.configmap.is_empty() {
        stream.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {CONFIGMAP}\ndata:\n"
        ));
        for (k, v) in &stores.configmap {
            stream.push_str(&format!("  {k}: {}\n", yq(v)));
        }
    }
    stream.push_str(&env_cms);
    let mut volumes = String::new();
    if mounts_config {
        // The files from a ConfigMap, or from a Secret (`stringData`).
        let secret = r.below(4) == 0;
        stream.push_str(if secret {
            "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: clearml-extra\nstringData:\n"
        } else {
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: clearml-extra\ndata:\n"
        });
        let (fname, mut text) = FILES[r.below(FILES.len())];
        let hostile;
        if !calm && r.below(5) == 0 {
            hostile = hocon_value(r);
            text = &hostile;
        }
        stream.push_str(&format!("  extra.conf: {}\n", yq(text)));
        if fname != "extra.conf" && !fname.contains('/') {
            stream.push_str(&format!("  {}: {}\n", yq(fname), yq(text)));
        }
        let fname_key = if fname.contains('/') {
            // A key cannot hold `/`; an item's path can.
            "extra.conf"
        } else {
            fname
        };
        volumes.push_str(&match r.below(4) {
            0 => format!("      volumes:\n        - name: extra\n          configMap:\n            name: clearml-extra\n            items:\n              - key: extra.conf\n                path: {}\n", yq(fname)),
            1 => format!("      volumes:\n        - name: extra\n          projected:\n            sources:\n              - configMap:\n                  name: clearml-extra\n                  items:\n                    - key: {}\n                      path: {}\n", yq(fname_key), yq(fname)),
            _ => "      volumes:\n        - name: extra\n          configMap:\n            name: clearml-extra\n".to_string(),
        });
        if secret {
            volumes = volumes
                .replace(
                    "configMap:\n            name:",
                    "secret:\n            secretName:",
                )
                .replace("- configMap:", "- secret:");
        }
    }
    stream.push_str(&format!(
        "---\napiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n"
    ));
    if kind == "StatefulSet" {
        stream.push_str("  serviceName: clearml-apiserver\n");
    }
    stream.push_str(&format!(
        "  selector:\n    matchLabels:\n      app: apiserver\n  template:\n    metadata:\n      labels:\n        app: apiserver\n    spec:\n{init}      containers:\n{containers}{volumes}"
    ));
    if r.below(6) == 0 {
        // A Service of the namespace: the kubelet gives every container of the namespace
        // variables named after it (service links), `CLEARML__…` ones for a name like these.
        let (svc, headless) = [
            ("clearml-apiserver", false),
            ("clearml--services--webhooks", false),
            ("clearml--secure--login--sso--oauth-client--okta", false),
            ("clearml--services--login--sso--oauth-client--github", false),
            ("clearml--secure--login--sso--oauth-client--okta", true),
        ][r.below(5)];
        stream.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {svc}\nspec:\n{}  ports:\n    - name: http\n      port: 8008\n",
            if headless { "  clusterIP: None\n" } else { "" }
        ));
    }
    if r.below(4) == 0 {
        stream.push_str("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver-asyncdelete\nspec:\n  selector:\n    matchLabels:\n      app: ad\n  template:\n    metadata:\n      labels:\n        app: ad\n    spec:\n      containers:\n        - name: clearml-apiserver\n          image: allegroai/clearml:2.0.0\n          env:\n            - name: CLEARML__secure__login__sso__oauth_client__github__client_id\n              value: \"x\"\n");
    }
    if r.below(4) == 0 {
        stream.push_str("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-webserver\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: clearml-webserver\n          image: allegroai/clearml:2.0.0\n          env:\n            - name: WEBSERVER__onlyPasswordLogin\n              value: \"true\"\n");
    }
    // Now and then a stream Kubernetes cannot read (exit 3) or a policy the tool refuses
    // (exit 2): nothing may reach stdout.
    let mut policy = policy;
    match r.below(40) {
        0 => stream.push_str("---\napiVersion: v1\nkind: ConfigMap\ndata: [unclosed\n"),
        1 => policy.push_str("\n[providers.google.nope]\nx = 1\n"),
        _ => {}
    }
    Case {
        stream,
        policy,
        workload: (kind.to_string(), name.to_string()),
        expected,
    }
}

// ---- running the tool and the oracles ----

struct Rendered {
    code: i32,
    stdout: String,
    /// The finding codes of the errors, for the tally.
    errors: Vec<String>,
}

fn render(case: &Case, dir: &Path, i: usize) -> Rendered {
    let policy = dir.join(format!("policy-{i}.toml"));
    std::fs::write(&policy, &case.policy).expect("write the policy");
    let mut child = Command::new(env!("CARGO_BIN_EXE_clearml-sso"))
        .arg("render")
        .arg("--quiet")
        .arg("--policy")
        .arg(&policy)
        .env_remove("CLEARML_SSO_POLICY")
        .env_remove("HELM_PLUGIN_NAME")
        .env_remove("HELM_PLUGIN_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run clearml-sso");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = case.stream.clone();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().expect("clearml-sso output");
    writer.join().expect("writer");
    let _ = std::fs::remove_file(&policy);
    let stderr = String::from_utf8_lossy(&out.stderr);
    Rendered {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        errors: stderr
            .lines()
            .filter_map(|l| l.strip_prefix("error[")?.split(']').next())
            .map(str::to_string)
            .collect(),
    }
}

fn goyaml_bin() -> PathBuf {
    match std::env::var_os("GOYAML_ORACLE_BIN").map(PathBuf::from) {
        Some(p) if p.exists() => p,
        _ => panic!(
            "GOYAML_ORACLE_BIN is not set or does not exist: run the tests with scripts/test, or \
             `eval \"$(scripts/fetch-test-deps)\"` first"
        ),
    }
}

fn e2e_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/e2e_oracle.py")
}

/// The documents Kubernetes reads from `output`, or why it cannot.
fn k8s_docs(answer: &Json) -> Result<Vec<Json>, String> {
    if let Some(e) = answer.get("error") {
        return Err(format!("go-yaml stops the stream: {e}"));
    }
    let mut docs = Vec::new();
    for d in answer["docs"].as_array().into_iter().flatten() {
        if let Some(j) = d.get("json") {
            if !j.is_null() {
                docs.push(j.clone());
            }
        } else {
            return Err(format!("go-yaml refuses a document: {d}"));
        }
    }
    Ok(docs)
}

/// Every leaf of ClearML's SSO trees (an empty object is a leaf: a provider with nothing set
/// is still a provider), as (path from the root, value); `None` at a path where something
/// that is not an object replaces a tree's parent.
fn sso_leaves(config: &Json) -> Vec<(Vec<String>, Json)> {
    fn entries(j: &Json) -> Option<&Vec<Json>> {
        j.get("object")?.as_array()
    }
    fn walk(j: &Json, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Json)>) {
        match entries(j) {
            Some(items) if !items.is_empty() => {
                for kv in items {
                    path.push(kv[0].as_str().unwrap_or_default().to_string());
                    walk(&kv[1], path, out);
                    path.pop();
                }
            }
            _ => out.push((path.clone(), normalize(j))),
        }
    }
    let mut out = Vec::new();
    for top in ["secure", "services"] {
        let mut node = config;
        let mut path: Vec<String> = Vec::new();
        let mut whole = true;
        for k in [top, "login", "sso"] {
            let next = entries(node).and_then(|items| items.iter().find(|kv| kv[0] == k));
            match next {
                Some(kv) => {
                    path.push(k.to_string());
                    node = &kv[1];
                    if entries(node).is_none() && k != "sso" {
                        // A value that is not an object where a tree's parent should be.
                        out.push((path.clone(), normalize(node)));
                        whole = false;
                        break;
                    }
                }
                None => {
                    whole = false;
                    break;
                }
            }
        }
        if whole {
            walk(node, &mut path, &mut out);
        }
    }
    out
}

/// Why ClearML's SSO trees are not what was expected, if they are not.
fn compare(config: &Json, want: &[(Vec<String>, Want)]) -> Option<String> {
    let leaves = sso_leaves(config);
    let mut problems = Vec::new();
    for (path, v) in &leaves {
        let covered = want.iter().any(|(p, w)| match w {
            Want::Exact(x) => p == path && normalize(x) == *v,
            Want::Any => path.starts_with(p),
        });
        if !covered {
            problems.push(format!("ClearML reads {} = {v}", path.join(".")));
        }
    }
    for (p, w) in want {
        if let Want::Exact(x) = w {
            if !leaves.iter().any(|(l, v)| l == p && *v == normalize(x)) {
                problems.push(format!("{} must be {x}", p.join(".")));
            }
        }
    }
    (!problems.is_empty()).then(|| problems.join("\n"))
}

/// One case's verdict.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// The render exits non-zero with empty stdout, or exits 0 and ClearML reads the policy.
    Agreed,
    Disagree(String),
}

fn request(case: &Case, docs: Vec<Json>, defaults: &BTreeMap<String, String>) -> String {
    json!({
        "docs": docs,
        "workload": { "kind": case.workload.0, "name": case.workload.1 },
        "containers": case.expected.keys().collect::<Vec<_>>(),
        "defaults": defaults,
    })
    .to_string()
}

fn judge_loader(case: &Case, answer: &Json) -> Verdict {
    let Some(containers) = answer.get("containers") else {
        return Verdict::Disagree(format!("the workload as Kubernetes reads it: {answer}"));
    };
    let mut problems = Vec::new();
    for (name, want) in &case.expected {
        let got = &containers[name];
        if let Some(config) = got.get("config") {
            if let Some(p) = compare(config, want) {
                problems.push(format!("container {name}:\n{p}"));
            }
        } else {
            problems.push(format!(
                "container {name}: the apiserver would not start: {got}"
            ));
        }
    }
    if problems.is_empty() {
        Verdict::Agreed
    } else {
        Verdict::Disagree(problems.join("\n"))
    }
}

/// Runs `cases` end to end: the tool, then go-yaml and ClearML's loader on each exit 0.
/// Returns each case's exit code and verdict.
fn run_all(cases: &[Case]) -> Vec<(i32, Vec<String>, Verdict)> {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let half = cases.len().div_ceil(2);
    let rendered: Vec<Rendered> = std::thread::scope(|s| {
        let parts: Vec<_> = cases
            .chunks(half.max(1))
            .enumerate()
            .map(|(w, part)| {
                let dir = dir.path();
                s.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, c)| render(c, dir, w * half + i))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().expect("render worker"))
            .collect()
    });
    let rendered_in = started.elapsed();
    let green: Vec<usize> = (0..cases.len())
        .filter(|&i| rendered[i].code == 0)
        .collect();
    let streams: Vec<String> = green
        .iter()
        .map(|&i| serde_json::to_string(&rendered[i].stdout).expect("JSON"))
        .collect();
    let read = super::run_oracle("go-yaml oracle", Command::new(goyaml_bin()), streams);
    let defaults: BTreeMap<String, String> = image_defaults().into_iter().collect();
    let mut verdicts: Vec<Option<Verdict>> = (0..cases.len()).map(|_| None).collect();
    let mut asked: Vec<(usize, String)> = Vec::new();
    for (&i, answer) in green.iter().zip(&read) {
        match k8s_docs(answer) {
            Ok(docs) => asked.push((i, request(&cases[i], docs, &defaults))),
            Err(e) => verdicts[i] = Some(Verdict::Disagree(format!("exit 0, but {e}"))),
        }
    }
    let shm = PathBuf::from("/dev/shm");
    let tmp = if shm.is_dir() {
        shm
    } else {
        std::env::temp_dir()
    };
    let base = tmp.join(format!("clearml-e2e-oracle-{}", std::process::id()));
    let half = asked.len().div_ceil(2).max(1);
    let answers: Vec<Json> = std::thread::scope(|s| {
        let parts: Vec<_> = asked
            .chunks(half)
            .enumerate()
            .map(|(w, part)| {
                let root = base.join(format!("w{w}"));
                let lines: Vec<String> = part.iter().map(|(_, l)| l.clone()).collect();
                s.spawn(move || {
                    let mut command = Command::new(python());
                    command.arg(e2e_script()).arg(&root);
                    super::run_oracle("end-to-end ClearML oracle", command, lines)
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().expect("oracle worker"))
            .collect()
    });
    let _ = std::fs::remove_dir_all(&base);
    eprintln!(
        "end-to-end: {} renders in {:.1} s, go-yaml and ClearML's loader on {} of them in {:.1} s",
        cases.len(),
        rendered_in.as_secs_f64(),
        green.len(),
        (started.elapsed() - rendered_in).as_secs_f64()
    );
    for ((i, _), answer) in asked.iter().zip(&answers) {
        verdicts[*i] = Some(judge_loader(&cases[*i], answer));
    }
    rendered
        .iter()
        .zip(verdicts)
        .map(|(r, v)| {
            let v = match v {
                Some(v) => v,
                None if r.stdout.is_empty() => Verdict::Agreed,
                None => Verdict::Disagree(format!(
                    "exit {} with {} bytes on stdout",
                    r.code,
                    r.stdout.len()
                )),
            };
            (r.code, r.errors.clone(), v)
        })
        .collect()
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn e2e_differential() {
    let seed = crate::env_number("ORACLE_SEED", DEFAULT_SEED);
    let count = crate::env_number("ORACLE_E2E_COUNT", DEFAULT_COUNT as u64) as usize;
    // Fail now, not after the renders, when a tool is missing.
    let _ = (goyaml_bin(), python());
    let started = Instant::now();
    let mut r = Rng(seed.wrapping_mul(3).wrapping_add(1));
    let cases: Vec<Case> = (0..count).map(|_| generate(&mut r)).collect();
    let results = run_all(&cases);
    let mut by_code: BTreeMap<i32, usize> = BTreeMap::new();
    let mut by_error: BTreeMap<&str, usize> = BTreeMap::new();
    let mut agreed = 0;
    let mut disagreements = Vec::new();
    for (case, (code, errors, v)) in cases.iter().zip(&results) {
        *by_code.entry(*code).or_default() += 1;
        let mut errors: Vec<&str> = errors.iter().map(String::as_str).collect();
        errors.dedup();
        for e in errors {
            *by_error.entry(e).or_default() += 1;
        }
        match v {
            Verdict::Agreed => agreed += 1,
            Verdict::Disagree(why) => disagreements.push((case, *code, why)),
        }
    }
    if let Ok(dump) = std::env::var("ORACLE_E2E_DUMP") {
        // Every case with its exit code and errors, to look at what the generator makes.
        let _ = std::fs::create_dir_all(&dump);
        for (i, (case, (code, errors, _))) in cases.iter().zip(&results).enumerate() {
            let _ = std::fs::write(
                Path::new(&dump).join(format!("{i}-exit{code}-{}.json", errors.join("+"))),
                serde_json::to_string_pretty(case).unwrap_or_default(),
            );
        }
    }
    let n = |c: i32| by_code.get(&c).copied().unwrap_or(0);
    let other: usize = by_code
        .iter()
        .filter(|(c, _)| ![0, 1, 2, 3].contains(*c))
        .map(|(_, n)| n)
        .sum();
    let summary = format!(
        "end-to-end differential: {count} generated (seed {seed}), exit 0: {}, exit 1: {}, exit 2: {}, \
         exit 3: {}, other: {other}; {agreed} agreed, {} disagree; {:.1} s\n\
         end-to-end differential: renders with each error: {by_error:?}\n",
        n(0),
        n(1),
        n(2),
        n(3),
        disagreements.len(),
        started.elapsed().as_secs_f64()
    );
    std::io::stderr()
        .write_all(summary.as_bytes())
        .expect("write the summary");
    if !disagreements.is_empty() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/e2e-disagreements");
        let _ = std::fs::create_dir_all(&dir);
        for (i, (case, code, why)) in disagreements.iter().enumerate() {
            let _ = std::fs::write(
                dir.join(format!("seed{seed}-{i}.json")),
                serde_json::to_string_pretty(case).unwrap_or_default(),
            );
            let _ = std::fs::write(dir.join(format!("seed{seed}-{i}.txt")), why.as_bytes());
            if i < 5 {
                eprintln!("--- disagreement {i} (exit {code})\n{why}");
            }
        }
        panic!(
            "{} disagreements (each a fixture in {}; keep it under tests/fixtures/e2e/)",
            disagreements.len(),
            dir.display()
        );
    }
    assert!(n(0) >= count / 5, "too few renders exit 0: {}", n(0));
    assert!(n(1) >= count / 20, "too few renders are refused: {}", n(1));
}

fn fixtures(dir: &str) -> Vec<(PathBuf, Case)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out: Vec<(PathBuf, Case)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("fixture entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let case = serde_json::from_str(&std::fs::read_to_string(&p).expect("read fixture"))
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, case)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn replay(dir: &str) {
    let found = fixtures(dir);
    assert!(!found.is_empty(), "no fixture in {dir}");
    let cases: Vec<Case> = found.iter().map(|(_, c)| c.clone()).collect();
    let failed: Vec<String> = found
        .iter()
        .zip(run_all(&cases))
        .filter_map(|((p, _), (code, _, v))| match v {
            Verdict::Agreed => None,
            Verdict::Disagree(why) => Some(format!("{} (exit {code}):\n{why}", p.display())),
        })
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n---\n"));
}

/// Every disagreement found and fixed, replayed end to end through the real readers (among
/// them service-link variables of the stream's Services that ClearML reads, and config files
/// mounted over or into the image's default folder, one of them unparseable).
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn e2e_fixtures_replay() {
    replay("tests/fixtures/e2e");
}

// ---- checks of the harness itself (pure Rust) ----

fn tree(entries: &[(&[&str], Json)]) -> Json {
    // Builds the oracle's typed tree from paths.
    fn put(node: &mut Json, path: &[&str], v: &Json) {
        let items = node["object"].as_array_mut().expect("object");
        if path.len() == 1 {
            items.push(json!([path[0], v]));
            return;
        }
        let i = match items.iter().position(|kv| kv[0] == path[0]) {
            Some(i) => i,
            None => {
                items.push(json!([path[0], { "object": [] }]));
                items.len() - 1
            }
        };
        put(&mut items[i][1], &path[1..], v);
    }
    let mut root = json!({ "object": [] });
    for (p, v) in entries {
        put(&mut root, p, v);
    }
    root
}

fn want(path: &[&str], w: Want) -> (Vec<String>, Want) {
    (path.iter().map(|s| s.to_string()).collect(), w)
}

const CID: &[&str] = &[
    "secure",
    "login",
    "sso",
    "oauth_client",
    "google",
    "client_id",
];

/// The comparison the differential rests on finds each way a tree can differ from the policy.
#[test]
fn compare_finds_every_difference() {
    let policy = [want(CID, Want::Exact(s("cid")))];
    let good = tree(&[
        (CID, s("cid")),
        (&["apiserver", "x"], json!({ "int": "1" })),
    ]);
    assert_eq!(compare(&good, &policy), None);
    // Another value, another type, absent.
    assert!(compare(&tree(&[(CID, s("other"))]), &policy).is_some());
    assert!(compare(&tree(&[(CID, json!({ "bool": true }))]), &policy).is_some());
    assert!(compare(&tree(&[(&["apiserver", "x"], s("y"))]), &policy).is_some());
    // An undeclared provider, even an empty one; a key that replaces a tree's parent.
    let github = &["services", "login", "sso", "oauth_client", "github"];
    let extra = tree(&[(CID, s("cid")), (github, json!({ "object": [] }))]);
    assert!(compare(&extra, &policy).unwrap().contains("github"));
    let flat = tree(&[(CID, s("cid")), (&["services", "login"], s("flat"))]);
    assert!(compare(&flat, &policy).unwrap().contains("services.login"));
    // What the generator wrote itself may be anything, and only there.
    let loose = [
        want(CID, Want::Exact(s("cid"))),
        want(&github[..], Want::Any),
    ];
    let mut nested = github.to_vec();
    nested.push("base_url");
    assert_eq!(
        compare(&tree(&[(CID, s("cid")), (&nested, s("u"))]), &loose),
        None
    );
    let gitlab = &["services", "login", "sso", "oauth_client", "gitlab", "x"];
    assert!(compare(&tree(&[(CID, s("cid")), (gitlab, s("u"))]), &loose).is_some());
}

/// The generator is reproducible from its seed, and every policy it writes is one the tool
/// loads but those made to be refused (a policy error is exit 2, not a render).
#[test]
fn generator_is_seeded_and_its_policies_load() {
    let mut a = Rng(5);
    let mut b = Rng(5);
    for _ in 0..200 {
        let (x, y) = (generate(&mut a), generate(&mut b));
        assert_eq!((&x.stream, &x.policy), (&y.stream, &y.policy));
        // (Apart from the few made to be refused.)
        if let Err(e) = clearml_sso::policy::parse(&x.policy, "generated.toml") {
            assert!(x.policy.contains(".nope]"), "{e:?}\n{}", x.policy);
        }
        assert!(!x.expected.is_empty());
    }
}

/// The fixtures are cases the harness can read, each with what ClearML must read.
#[test]
fn e2e_fixtures_are_well_formed() {
    let found = fixtures("tests/fixtures/e2e");
    assert!(!found.is_empty(), "no fixture in tests/fixtures/e2e");
    for (p, case) in found {
        assert!(
            case.expected
                .values()
                .all(|w| w.iter().any(|(_, w)| matches!(w, Want::Exact(_)))),
            "{}: a container with nothing exact to read",
            p.display()
        );
    }
}
