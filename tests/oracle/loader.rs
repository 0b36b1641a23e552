//! `clearml_sso::clearml::loader` against ClearML's loader itself (clearml-server's basic.py run
//! by tests/oracles/clearml_loader_oracle.py on a real directory tree and a controlled
//! `os.environ`), on generated environments and configuration folders: the same final tree, or
//! both fail. Objects are compared without their key order (the filesystem's `rglob` order
//! decides it for folder trees); where the model says the order of two files can change the
//! values, it is run again with the order the oracle's filesystem gave. Every disagreement
//! found is kept in tests/fixtures/clearml_loader/found/ and replayed by `loader_fixtures_replay`
//! (no Python needed). `ORACLE_SEED` (default 17) and `ORACLE_LOADER_COUNT` (default 20,000)
//! choose the run; the cases are split over two oracle processes.

use super::pyhocon::{normalize, python, tag, value, Rng};
use clearml_sso::clearml::loader::{self as clearml_loader, Failure, Input};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

const DEFAULT_SEED: u64 = 17;
const DEFAULT_COUNT: usize = 20_000;
const ROOT_MARK: &str = "@ROOT@";

struct Case {
    env: Vec<(String, String)>,
    files: BTreeMap<String, String>,
}

pub(crate) fn image_defaults() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/clearml_loader/image_default");
    let mut out = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read the image's default folder fixture") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(&dir)
                    .expect("under")
                    .to_string_lossy()
                    .into_owned();
                out.push((
                    rel,
                    std::fs::read_to_string(&p).expect("read a default file"),
                ));
            }
        }
    }
    out.sort();
    out
}

const FOLDERS: &[&str] = &[
    "/opt/clearml/config",
    "/opt/clearml/config",
    "/opt/trains/config",
    "/c1",
    "/c2",
    "/home/u/cfg",
    "/opt/clearml/sub",
];
const FILE_NAMES: &[&str] = &[
    "secure.conf",
    "secure.conf",
    "services/login.conf",
    "services/login.conf",
    "login.conf",
    "services.login.conf",
    "services/login/sso.conf",
    "secure/login.conf",
    "secure.login.sso.conf",
    "services.conf",
    "a.b.conf",
    ".conf",
    "..conf",
    "x.CONF",
    "noext",
    "sub/dir/deep.conf",
    "-secure.conf",
    "-services/login.conf",
    "\"q.conf",
    "\"a.b\".conf",
    "a$b.conf",
    "dir.conf/inner.conf",
    "..2026_01_01_00_00_00.000000000/secure.conf",
    "apiserver.conf",
];
const SNIPPETS: &[&str] = &[
    "login.sso.oauth_client.keycloak { client_id: kc, client_secret: s1 }",
    "login { sso { oauth_client { google.client_id: g } } }",
    "sso.saml.idp: \"https://idp\"",
    "oauth_client.keycloak.base_url: \"https://kc/\"",
    "-login { sso.x: 1 }",
    "login { -sso { y: 2 } }",
    "-sso: {}",
    "login: null",
    "login: \"flat\"",
    "login.sso: [1, 2]",
    "\"login.sso\": 5",
    "login { \"a.b\": { c: 1 } }",
    "a: ${?HOME}",
    "c: { d: 1 }, e: ${c}",
    "auth.fixed_users.enabled: true",
    "x = 1\ny = [ {z: 1} ]",
    "secure.login.sso.k: v",
    "\"a.\\\"b\": { c: 1 }",
    "\"\\\"b\": 1, b: { q: 2 }",
    "login { \"sso\": { x: 1 } }",
    "\"login\" { \"-sso\" { z: 3 } }",
    "login = null",
    "login.sso { a: ${?login.sso.b}, b: 2 }",
    "\"$\": 1",
    "\"a b\": { \" c\": 1 }",
    "services.login.sso.k: v",
    "-secure { login.sso.k: w }",
    "",
];
/// File contents that stop the apiserver (a parse failure, an unresolved substitution, an
/// empty key that the merge cannot look up).
const FAILING_SNIPPETS: &[&str] = &["\"\" : 1", "{ unbalanced", "k: @", "b: ${NOPE}"];
const PREFIXES: &[&str] = &[
    "CLEARML__",
    "CLEARML__",
    "CLEARML__",
    "TRAINS__",
    "TRAINS__",
    "clearml__",
    "Clearml__",
    "CLEARML_",
    "XCLEARML__",
    "CLEARML___",
];
const PIECES: &[&str] = &[
    "secure",
    "secure",
    "SECURE",
    "Secure",
    "services",
    "services",
    "login",
    "login",
    "LOGIN",
    "sso",
    "sso",
    "SSO",
    "oauth_client",
    "keycloak",
    "google",
    "client_id",
    "client_secret",
    "-secure",
    "-login",
    "-sso",
    "-services",
    "login ",
    " sso",
    "a.b",
    "ÄÖ",
    "İ",
    "ΣΑΣ",
    "",
    "x",
    "_x",
    "x_",
];
const VALUES: &[&str] = &[
    "x",
    "\"quoted\"",
    "{client_id: x, client_secret: y}",
    "{}",
    "[1, 2]",
    "null",
    "${HOME}",
    "${?NOPE}",
    "${secure}",
    "true-north",
    "10 days",
    "https://h/, secure.login.sso.oauth_client.keycloak.client_secret: \"attacker\"",
    "{ sso { oauth_client { keycloak { client_id: a } } } }",
    "-1",
    "",
    "{\"a.b\": 1, \"-sso\": {}}",
    "{ \"\\\"x\": 1 }",
    "{ login { sso { k: v } }, -login { } }",
    "${?CLEARML__secure__login__sso__a}",
];

fn gen_case(r: &mut Rng, root: &str) -> Case {
    let mut files = BTreeMap::new();
    let default = format!("{root}{}", clearml_loader::DEFAULT_FOLDER);
    match r.below(400) {
        0..=9 => {}
        10 => {
            for (rel, text) in image_defaults() {
                files.insert(format!("{default}/{rel}"), text);
            }
        }
        _ => {
            files.insert(format!("{default}/apiserver.conf"), "a: 1".to_string());
            if r.below(2) == 0 {
                files.insert(format!("{default}/secure.conf"), "auth.t: 1".to_string());
            }
            if r.below(3) == 0 {
                files.insert(format!("{default}/services/auth.conf"), "k: v".to_string());
            }
        }
    }
    let nfolders = r.below(4);
    for _ in 0..nfolders {
        let folder = r.pick(FOLDERS);
        for _ in 0..1 + r.below(3) {
            let name = r.pick(FILE_NAMES);
            let mut text = String::new();
            for _ in 0..1 + r.below(2) {
                if r.below(10) == 0 {
                    text.push_str(&format!(
                        "login.sso.oauth_client.keycloak.client_id: {}\n",
                        value(r)
                    ));
                } else if r.below(30) == 0 {
                    text.push_str(r.pick(FAILING_SNIPPETS));
                    text.push('\n');
                } else {
                    text.push_str(r.pick(SNIPPETS));
                    text.push('\n');
                }
            }
            let path = format!("{root}{folder}/{name}");
            // A path cannot be both a file and a directory.
            let clash = files.keys().any(|k: &String| {
                k.starts_with(&format!("{path}/")) || path.starts_with(&format!("{k}/"))
            });
            if !clash {
                files.insert(path, text);
            }
        }
    }
    let mut env: Vec<(String, String)> = Vec::new();
    if r.below(12) != 0 {
        env.push(("HOME".into(), format!("{root}/home/u")));
    }
    env.push(("ROOTV".into(), root.to_string()));
    // The names the snippets look up (`${?NOPE}`, `$NOPE`, `${secure}` when the config has
    // no `secure`, `${?CLEARML__secure__login__sso__a}`): one the pod does not set is unknown
    // to the model (the image or its entrypoint may set it), so most cases set them, with
    // values that keep a substitution's outcomes (text, empty, a path, a HOCON-looking text).
    for (name, values) in [
        ("NOPE", &["nope", "", "sub/dir", "{a: 1}"][..]),
        ("secure", &["s", ""][..]),
        ("CLEARML__secure__login__sso__a", &["v", "{k: 1}"][..]),
    ] {
        if r.below(10) != 0 {
            env.push((name.into(), r.pick(values).to_string()));
        }
    }
    for var in ["CLEARML_CONFIG_DIR", "TRAINS_CONFIG_DIR"] {
        if r.below(3) == 0 {
            let v = match r.below(11) {
                0 => String::new(),
                1 => format!("{root}/c1"),
                2 => format!("{root}/c1:{root}/c2"),
                3 => "$ROOTV/c1".to_string(),
                4 => "${ROOTV}/opt/clearml/config:$NOPE".to_string(),
                5 => "~/cfg".to_string(),
                6 => format!("{root}/c1:"),
                7 => "sub".to_string(),
                8 => format!("{root}/nonexistent:{root}/c2"),
                9 => format!("{root}/c1/../c2:{root}/c2"),
                _ => format!("{root}/opt/trains/config::{root}/c1"),
            };
            env.push((var.into(), v));
        }
    }
    for _ in 0..r.below(6) {
        let mut name = r.pick(PREFIXES).to_string();
        for i in 0..1 + r.below(5) {
            if i > 0 {
                name.push_str(["__", "__", "__", "___", "_"][r.below(5)]);
            }
            name.push_str(r.pick(PIECES));
        }
        if r.below(200) == 0 {
            // A capital whose lower case Python 3.9 does not know (Unicode 14).
            name.push('\u{2C2F}');
        }
        let v = match r.below(6) {
            0 => value(r),
            _ => r.pick(VALUES).to_string(),
        };
        // A process environment holds no NUL and no `=` in a name.
        if !env.iter().any(|(k, _)| *k == name) && !name.contains('=') && !v.contains('\0') {
            env.push((name, v));
        }
    }
    Case { env, files }
}

fn input(case: &Case, root: &str) -> Input {
    let mut i = Input::new(case.env.clone(), case.files.clone());
    i.cwd = format!("{root}{}", clearml_loader::IMAGE_WORKDIR);
    i.default_folder = format!("{root}{}", clearml_loader::DEFAULT_FOLDER);
    i.extra_config_paths = clearml_loader::EXTRA_CONFIG_PATHS
        .iter()
        .map(|p| format!("{root}{p}"))
        .collect();
    i
}

/// Objects with their entries sorted by key, floats as bits.
fn canonical(j: &Json) -> Json {
    let j = normalize(j);
    fn sort(j: &Json) -> Json {
        match j {
            Json::Object(m) => {
                if let Some(Json::Array(items)) = m.get("object") {
                    let mut items: Vec<Json> = items
                        .iter()
                        .map(|kv| json!([kv[0].clone(), sort(&kv[1])]))
                        .collect();
                    items.sort_by(|a, b| a[0].as_str().cmp(&b[0].as_str()));
                    return json!({ "object": items });
                }
                Json::Object(m.iter().map(|(k, v)| (k.clone(), sort(v))).collect())
            }
            Json::Array(a) => Json::Array(a.iter().map(sort).collect()),
            j => j.clone(),
        }
    }
    sort(&j)
}

enum Verdict {
    Same,
    BothFail,
    Unknown,
    Disagree(String),
}

fn judge(case: &Case, root: &str, oracle: &Json) -> (Verdict, bool) {
    let mut inp = input(case, root);
    let mine = clearml_loader::load(&inp);
    let mut replayed = false;
    let mine = match mine {
        Ok(l) if !l.order_dependent.is_empty() => {
            if let Some(Json::Object(listing)) = oracle.get("listing") {
                for (folder, files) in listing {
                    let folder = if folder.starts_with('/') {
                        folder.clone()
                    } else {
                        format!("{}/{folder}", inp.cwd)
                    };
                    let list = files
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|f| f.as_str())
                        .map(|f| {
                            if f.starts_with('/') {
                                f.to_string()
                            } else {
                                format!("{}/{f}", inp.cwd)
                            }
                        })
                        .collect();
                    inp.listing_order.insert(normalize_path(&folder), list);
                }
                replayed = true;
                clearml_loader::load(&inp)
            } else {
                Ok(l)
            }
        }
        m => m,
    };
    // Where the default folder is like the image's (secure.conf, services/), the same case
    // with its files not given (`default_folder_is_image`): the SSO subtrees must be the
    // oracle's.
    let default_like_image = ["secure.conf", "services/"].iter().all(|f| {
        let p = format!("{}/{f}", inp.default_folder);
        inp.files.keys().any(|k| k.starts_with(&p))
    });
    if let (Some(cfg), true) = (oracle.get("config"), default_like_image) {
        let mut inp = inp.clone();
        inp.files
            .retain(|k, _| !k.starts_with(&format!("{}/", inp.default_folder)));
        inp.default_folder_is_image = true;
        let kept = inp.files.clone();
        for list in inp.listing_order.values_mut() {
            list.retain(|f| kept.contains_key(f));
        }
        let sso = |j: &Json| {
            let mut out = Vec::new();
            for top in ["secure", "services"] {
                let mut cur = Some(j.clone());
                for k in [top, "login", "sso"] {
                    cur = cur.and_then(|c| {
                        c.get("object")?
                            .as_array()?
                            .iter()
                            .find(|kv| kv[0] == k)
                            .map(|kv| kv[1].clone())
                    });
                }
                out.push(cur.map(|c| canonical(&c)));
            }
            out
        };
        match clearml_loader::load(&inp) {
            Ok(l) if sso(&tag(&l.config)) != sso(cfg) => {
                return (
                    Verdict::Disagree(format!(
                        "without the default folder's files: mine {:?}\noracle {:?}",
                        sso(&tag(&l.config)),
                        sso(cfg)
                    )),
                    replayed,
                )
            }
            Err(e) if !matches!(e, Failure::Unknown(_) | Failure::SetOutside { .. }) => {
                return (
                    Verdict::Disagree(format!("without the default folder's files: mine {e:?}")),
                    replayed,
                )
            }
            _ => {}
        }
    }
    let oracle_fails = oracle.get("error").is_some();
    let v = match (&mine, oracle_fails) {
        (Err(Failure::Unknown(_) | Failure::SetOutside { .. }), _) => Verdict::Unknown,
        (Err(_), true)
            if !oracle["error"]
                .as_str()
                .unwrap_or("")
                .starts_with("oracle:") =>
        {
            Verdict::BothFail
        }
        (Ok(l), false) => {
            let a = canonical(&tag(&l.config));
            let b = canonical(&oracle["config"]);
            if a == b {
                Verdict::Same
            } else {
                Verdict::Disagree(format!("mine {a}\noracle {b}"))
            }
        }
        (m, _) => Verdict::Disagree(format!("mine {m:?}\noracle {oracle}")),
    };
    (v, replayed)
}

fn normalize_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

fn request(case: &Case, root: &str) -> String {
    json!({
        "env": case.env.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        "files": case.files,
        "cwd": format!("{root}{}", clearml_loader::IMAGE_WORKDIR),
    })
    .to_string()
}

fn oracle_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/clearml_loader_oracle.py")
}

fn run_oracle(root: &str, lines: Vec<String>) -> Vec<Json> {
    let mut command = Command::new(python());
    command.arg(oracle_script()).arg(root);
    super::run_oracle("ClearML loader oracle", command, lines)
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn loader_differential() {
    let seed: u64 = std::env::var("ORACLE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let count: usize = std::env::var("ORACLE_LOADER_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_COUNT);
    let start = Instant::now();
    // Each case recreates a directory tree: on tmpfs where there is one (on a disk, removing
    // the trees takes most of the run).
    let shm = PathBuf::from("/dev/shm");
    let tmp = if shm.is_dir() {
        shm
    } else {
        std::env::temp_dir()
    };
    let base = tmp.join(format!("clearml-loader-oracle-{}", std::process::id()));
    let workers = 2;
    let results: Vec<(Vec<Case>, Vec<Json>, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let root = base.join(format!("w{w}")).to_string_lossy().into_owned();
                s.spawn(move || {
                    let mut r = Rng(seed.wrapping_mul(2).wrapping_add(w as u64));
                    let n = count / workers + usize::from(w < count % workers);
                    let cases: Vec<Case> = (0..n).map(|_| gen_case(&mut r, &root)).collect();
                    let lines: Vec<String> = cases.iter().map(|c| request(c, &root)).collect();
                    if let Ok(dump) = std::env::var("ORACLE_LOADER_DUMP") {
                        let _ = std::fs::write(format!("{dump}.{w}"), lines.join("\n") + "\n");
                    }
                    let answers = run_oracle(&root, lines);
                    (cases, answers, root)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    let _ = std::fs::remove_dir_all(&base);
    let oracle_time = start.elapsed().as_secs_f64();
    let (mut same, mut both_fail, mut unknown, mut replayed_n) = (0, 0, 0, 0);
    let mut disagreements = Vec::new();
    for (cases, answers, root) in &results {
        for (case, oracle) in cases.iter().zip(answers) {
            let (v, replayed) = judge(case, root, oracle);
            replayed_n += usize::from(replayed);
            match v {
                Verdict::Same => same += 1,
                Verdict::BothFail => both_fail += 1,
                Verdict::Unknown => unknown += 1,
                Verdict::Disagree(why) => {
                    disagreements.push((case, root.clone(), oracle.clone(), why))
                }
            }
        }
    }
    println!(
        "clearml loader differential: {count} cases, {same} same config, {both_fail} both fail, \
         {} disagree (seed {seed}); {unknown} unknown to the model, {replayed_n} replayed in the \
         filesystem's order; {:.1}s, {oracle_time:.1}s of it generating and running the oracles",
        disagreements.len(),
        start.elapsed().as_secs_f64()
    );
    if !disagreements.is_empty() {
        let dir =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/clearml-loader-disagreements");
        let _ = std::fs::create_dir_all(&dir);
        for (i, (case, root, oracle, why)) in disagreements.iter().take(5).enumerate() {
            let fixture = json!({
                "env": case.env.iter().map(|(k, v)| json!([k.replace(root.as_str(), ROOT_MARK), v.replace(root.as_str(), ROOT_MARK)])).collect::<Vec<_>>(),
                "files": case.files.iter().map(|(k, v)| (k.replace(root.as_str(), ROOT_MARK), json!(v))).collect::<serde_json::Map<_, _>>(),
                "oracle": oracle.to_string().replace(root.as_str(), ROOT_MARK),
            });
            let _ = std::fs::write(
                dir.join(format!("{i}.json")),
                serde_json::to_string_pretty(&fixture).unwrap_or_default(),
            );
            eprintln!("--- disagreement {i}\n{}\n{why}", request(case, root));
        }
        panic!(
            "{} disagreements (written to {})",
            disagreements.len(),
            dir.display()
        );
    }
    assert!(same > count / 3, "too few cases load: {same}");
    assert!(
        both_fail > count / 50,
        "too few failures exercised: {both_fail}"
    );
    assert!(
        unknown < count / 10,
        "too many cases unknown to the model: {unknown}"
    );
}

/// Every disagreement ever found, replayed without Python: the model gives the oracle's answer.
#[test]
fn loader_fixtures_replay() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clearml_loader/found");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("tests/fixtures/clearml_loader/found") {
        let p = e.expect("entry").path();
        if p.extension().and_then(|x| x.to_str()) != Some("json") {
            continue;
        }
        let root = "/tmp/replay-root";
        let f: Json =
            serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("JSON");
        let sub = |s: &str| s.replace(ROOT_MARK, root);
        let case = Case {
            env: f["env"]
                .as_array()
                .expect("env")
                .iter()
                .map(|kv| {
                    (
                        sub(kv[0].as_str().unwrap_or("")),
                        sub(kv[1].as_str().unwrap_or("")),
                    )
                })
                .collect(),
            files: f["files"]
                .as_object()
                .expect("files")
                .iter()
                .map(|(k, v)| (sub(k), v.as_str().unwrap_or("").to_string()))
                .collect(),
        };
        let oracle: Json =
            serde_json::from_str(&sub(f["oracle"].as_str().expect("oracle"))).expect("oracle JSON");
        let (v, _) = judge(&case, root, &oracle);
        if let Verdict::Disagree(why) = v {
            panic!("{}: {why}", p.display());
        }
        n += 1;
    }
    assert!(n > 0, "no fixture replayed");
}
