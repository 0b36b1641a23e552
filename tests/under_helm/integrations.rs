//! The recipes of docs/integrations.md, run as far as this machine allows (no cluster, no
//! network): helmfile with real helmfile and Helm 3; the Terraform block read with python-hcl2
//! and its post-renderer settings given to real Helm as the provider gives them; the Argo CD
//! plugin's `generate` command as an unprivileged user without a terminal, with the
//! environment Argo CD sets (its KUBE_VERSION and KUBE_API_VERSIONS reaching Helm); the Flux values plus `check --strict` in CI.

use crate::harness::*;
use serde_yaml::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The fenced block after `<!-- test:NAME -->` in docs/integrations.md.
fn block(name: &str) -> String {
    let doc = std::fs::read_to_string(root().join("docs/integrations.md")).unwrap();
    let marker = format!("<!-- test:{name} -->");
    let after = &doc[doc
        .find(&marker)
        .unwrap_or_else(|| panic!("docs/integrations.md has no {marker}"))..];
    let body = &after[after.find("```").unwrap()..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("\n```").unwrap()].to_string()
}

/// The env value the apiserver gets for `name` (literal or `secretKeyRef` name/key).
fn apiserver_env(stream: &str, name: &str) -> Option<String> {
    pod_env(stream, "clearml-apiserver", "clearml-apiserver")
        .get(name)
        .cloned()
}

const KEYCLOAK_AUTHORIZE: &str =
    "CLEARML__services__login__sso__oauth_client__keycloak__authorize_url";
const KEYCLOAK_AUTHORIZE_URL: &str =
    "https://sso.acme.test/realms/clearml/protocol/openid-connect/auth";

/// The policy's settings reached the apiserver: the derived URL and the Secret's client id.
fn assert_corrected(stream: &str) {
    assert_eq!(
        apiserver_env(stream, KEYCLOAK_AUTHORIZE).as_deref(),
        Some(KEYCLOAK_AUTHORIZE_URL),
        "{stream}"
    );
    assert_eq!(
        apiserver_env(
            stream,
            "CLEARML__secure__login__sso__oauth_client__keycloak__client_id"
        )
        .as_deref(),
        Some("clearml")
    );
}

/// A directory with `helm` (Helm 3) and `clearml-sso` (this build), for PATH.
fn tools_dir(dir: &Path) -> PathBuf {
    let tools = dir.join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    std::os::unix::fs::symlink(tool("HELM3_BIN"), tools.join("helm")).unwrap();
    std::os::unix::fs::symlink(bin(), tools.join("clearml-sso")).unwrap();
    tools
}

fn with_path(tools: &Path) -> String {
    format!("{}:/usr/bin:/bin", tools.display())
}

/// Writes the recipe `helmfile`, its release's chart made the example chart, and the Keycloak
/// example policy as `clearml-sso.toml` into `dir`.
fn write_helmfile(dir: &Path, mut helmfile: Value) {
    helmfile["releases"][0]["chart"] = root()
        .join("examples/chart/clearml")
        .display()
        .to_string()
        .into();
    std::fs::write(
        dir.join("helmfile.yaml"),
        serde_yaml::to_string(&helmfile).unwrap(),
    )
    .unwrap();
    std::fs::copy(
        root().join("policies/keycloak.toml"),
        dir.join("clearml-sso.toml"),
    )
    .unwrap();
}

/// `helmfile template` in `dir`, with `tools` ([`tools_dir`]) first on PATH.
fn helmfile_template(dir: &Path, tools: &Path) -> Output {
    run_in(
        &tool("HELMFILE_BIN"),
        &["--helm-binary", "helm", "template", "--skip-deps"],
        b"",
        Some(dir),
        &[("PATH", &with_path(tools)), ("HOME", dir.to_str().unwrap())],
    )
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helmfile_renders_through_clearml_sso() {
    let dir = tempfile::tempdir().unwrap();
    let tools = tools_dir(dir.path());
    // The recipe, with the example chart and values in place of the chart repository.
    let mut helmfile: Value = serde_yaml::from_str(&block("helmfile")).unwrap();
    let release = &mut helmfile["releases"][0];
    assert_eq!(release["postRenderer"], "clearml-sso");
    assert_eq!(
        release["postRendererArgs"],
        serde_yaml::from_str::<Value>("[--policy=clearml-sso.toml]").unwrap()
    );
    release["values"] = vec![Value::from(
        root()
            .join("examples/values-sso-secret.yaml")
            .display()
            .to_string(),
    )]
    .into();
    helmfile.as_mapping_mut().unwrap().remove("repositories");
    write_helmfile(dir.path(), helmfile);
    let out = helmfile_template(dir.path(), &tools);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_corrected(&text(&out.stdout));

    // A policy whose Secret is missing: helmfile fails, with clearml-sso's reason.
    std::fs::write(dir.path().join("clearml-sso.toml"), MISSING_SECRET_POLICY).unwrap();
    let out = helmfile_template(dir.path(), &tools);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not-there"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stdout).contains("kind: Deployment"));
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helmfile_without_a_post_renderer_takes_the_merged_values() {
    let dir = tempfile::tempdir().unwrap();
    let tools = tools_dir(dir.path());
    let mut helmfile: Value = serde_yaml::from_str(&block("helmfile-values")).unwrap();
    let release = &mut helmfile["releases"][0];
    assert!(release.get("postRenderer").is_none());
    assert_eq!(
        release["values"],
        serde_yaml::from_str::<Value>("[clearml-values.yaml, clearml-sso-values.yaml.gotmpl]")
            .unwrap()
    );
    write_helmfile(dir.path(), helmfile);
    let gotmpl = block("helmfile-values-gotmpl");
    assert!(
        gotmpl.contains(r#""--merge-with" "clearml-values.yaml""#),
        "{gotmpl}"
    );
    std::fs::write(dir.path().join("clearml-sso-values.yaml.gotmpl"), gotmpl).unwrap();
    let secret = std::fs::read_to_string(root().join("examples/values-sso-secret.yaml")).unwrap();
    std::fs::write(
        dir.path().join("clearml-values.yaml"),
        format!("{secret}apiserver:\n  extraEnvs:\n    - name: TZ\n      value: Europe/Berlin\n"),
    )
    .unwrap();
    let out = helmfile_template(dir.path(), &tools);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stream = text(&out.stdout);
    assert_eq!(
        apiserver_env(&stream, "TZ").as_deref(),
        Some("Europe/Berlin"),
        "{stream}"
    );
    assert_corrected(&stream);
    let strict = run_in(
        &bin(),
        &["check", "--strict", "--policy", "clearml-sso.toml"],
        stream.as_bytes(),
        Some(dir.path()),
        &[],
    );
    assert!(strict.status.success(), "{}", text(&strict.stdout));

    // A policy render refuses: helmfile fails with the tool's message.
    std::fs::write(
        dir.path().join("clearml-sso.toml"),
        "version = 1\n[providers.keycloak]\nclient_id = \"id\"\nclient_secret = \"literal-secret\"\nurl = \"https://sso.acme.test\"\nrealm = \"clearml\"\n",
    )
    .unwrap();
    let out = helmfile_template(dir.path(), &tools);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("plaintext-secret"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stdout).contains("kind: Deployment"));
}

/// The `postrender` block's `binary_path` and `args`, read by python-hcl2 as Terraform would
/// read them (string values; `${path.module}` left to the caller).
fn terraform_postrender() -> (String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("main.tf");
    std::fs::write(&tf, block("terraform")).unwrap();
    let script = r#"
import hcl2, json, sys
doc = hcl2.load(open(sys.argv[1]))
unq = lambda s: s[1:-1] if s.startswith('"') and s.endswith('"') else s
release = doc["resource"][0]['"helm_release"']['"clearml"']
pr = release["postrender"][0]
print(json.dumps({"binary_path": unq(pr["binary_path"]), "args": [unq(a) for a in pr["args"]]}))
"#;
    let out = run_in(
        &tool("HCL2_PYTHON"),
        &["-c", script, tf.to_str().unwrap()],
        b"",
        None,
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        v["binary_path"].as_str().unwrap().to_string(),
        v["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect(),
    )
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn terraform_postrender_settings_render_through_helm() {
    let (binary, args) = terraform_postrender();
    assert_eq!(binary, "clearml-sso");
    assert_eq!(args, ["--policy=${path.module}/clearml-sso.toml"]);
    // The module directory, and Helm run elsewhere (Terraform does not run it in the module).
    let module = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("policies/keycloak.toml"),
        module.path().join("clearml-sso.toml"),
    )
    .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let tools = tools_dir(elsewhere.path());
    let chart = root().join("examples/chart/clearml");
    let values = root().join("examples/values-sso-secret.yaml");
    let mut helm_args = vec![
        "template".to_string(),
        "clearml".into(),
        chart.display().to_string(),
        "-f".into(),
        values.display().to_string(),
        "--post-renderer".into(),
        binary,
    ];
    for a in &args {
        helm_args.push("--post-renderer-args".into());
        helm_args.push(a.replace("${path.module}", module.path().to_str().unwrap()));
    }
    let helm_args: Vec<&str> = helm_args.iter().map(String::as_str).collect();
    let out = run_in(
        &tool("HELM3_BIN"),
        &helm_args,
        b"",
        Some(elsewhere.path()),
        &[("PATH", &with_path(&tools))],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_corrected(&text(&out.stdout));
}

/// The Argo CD plugin's `generate` command (command + args) from the recipe.
fn argocd_generate() -> Vec<String> {
    let plugin: Value = serde_yaml::from_str(&block("argocd")).unwrap();
    assert_eq!(plugin["kind"], "ConfigManagementPlugin");
    assert_eq!(plugin["apiVersion"], "argoproj.io/v1alpha1");
    let generate = &plugin["spec"]["generate"];
    let mut argv: Vec<String> = serde_yaml::from_value(generate["command"].clone()).unwrap();
    let args: Vec<String> = serde_yaml::from_value(generate["args"].clone()).unwrap();
    argv.extend(args);
    argv
}

/// Copies `from` into `to` (files and directories), readable by everyone.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

/// The destination cluster as Argo CD's repo-server describes it to a plugin: KUBE_VERSION
/// (the server version as semver) and KUBE_API_VERSIONS (the discovered group/versions and
/// group/version/kinds, joined with commas). 1.31 is below the cap the public chart puts on
/// `kubeVersion` (see [`cap_like_the_public_chart`]) and below both Helms' defaults (v1.32.0,
/// v1.35.0); `example.com/v1alpha1` is no API Helm knows by itself.
const KUBE_VERSION: &str = "1.31.4";
const KUBE_API_VERSIONS: &str =
    "v1,apps/v1,batch/v1,example.com/v1alpha1,apps/v1/Deployment,example.com/v1alpha1/Widget";

/// The Application's chart made like the public chart where Helm's capabilities matter: its
/// `kubeVersion` capped as the public chart caps it (refusing Helm's default Kubernetes
/// versions, so a `helm template` without `--kube-version` fails), and a ConfigMap showing the
/// capabilities Helm rendered with (a document clearml-sso passes through untouched).
fn cap_like_the_public_chart(chart: &Path) {
    let chart_yaml = chart.join("Chart.yaml");
    let mut text = std::fs::read_to_string(&chart_yaml).unwrap();
    assert!(!text.contains("kubeVersion"), "{text}");
    text.push_str("kubeVersion: \">= 1.21.0-0 < 1.32.0-0\"\n");
    std::fs::write(&chart_yaml, text).unwrap();
    std::fs::write(
        chart.join("templates/capabilities-probe.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: capabilities-probe\ndata:\n  \
         kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}\n  \
         widgets: {{ .Capabilities.APIVersions.Has \"example.com/v1alpha1/Widget\" | quote }}\n",
    )
    .unwrap();
}

/// Runs the plugin's generate command in an Application source directory as uid/gid 65534 with
/// no supplementary groups, in a new session (no controlling terminal), stdin /dev/null, and
/// only the environment Argo CD gives a plugin, its KUBE_VERSION being `kube_version`.
fn run_generate(helm: &str, policy: &str, kube_version: &str) -> Output {
    run_generate_as(helm, policy, kube_version, &Source::default())
}

/// What an Application may differ in from the common case.
struct Source {
    /// `ARGOCD_APP_NAME`: `<namespace>_<name>` for an Application outside Argo CD's namespace
    /// ("applications in any namespace").
    app_name: &'static str,
    /// `plugin.env` VALUES_FILE, if set.
    values_file: Option<&'static str>,
    /// A wrapper chart without values.yaml whose dependency (in `charts/`) is the chart.
    wrapper: bool,
}

impl Default for Source {
    fn default() -> Source {
        Source {
            app_name: "clearml",
            values_file: Some("values-sso.yaml"),
            wrapper: false,
        }
    }
}

fn run_generate_as(helm: &str, policy: &str, kube_version: &str, source: &Source) -> Output {
    let base = tempfile::tempdir().unwrap();
    std::fs::set_permissions(base.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // Tools the unprivileged user can execute (the cache they come from is root's).
    let tools = base.path().join("tools");
    std::fs::create_dir(&tools).unwrap();
    std::fs::set_permissions(&tools, std::fs::Permissions::from_mode(0o755)).unwrap();
    for (from, name) in [(tool(helm), "helm"), (bin(), "clearml-sso")] {
        std::fs::copy(from, tools.join(name)).unwrap();
        std::fs::set_permissions(tools.join(name), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // The Application's source: the chart, its values, the policy.
    let app = base.path().join("repo/apps/clearml");
    if source.wrapper {
        let chart = app.join("charts/clearml");
        copy_tree(&root().join("examples/chart/clearml"), &chart);
        cap_like_the_public_chart(&chart);
        std::fs::set_permissions(app.join("charts"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        std::fs::write(
            app.join("Chart.yaml"),
            "apiVersion: v2\nname: wrapper\nversion: 0.1.0\ndependencies:\n  - name: clearml\n    version: 7.14.0\n",
        )
        .unwrap();
        std::fs::set_permissions(
            app.join("Chart.yaml"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
    } else {
        copy_tree(&root().join("examples/chart/clearml"), &app);
        cap_like_the_public_chart(&app);
    }
    for d in [base.path().join("repo"), base.path().join("repo/apps")] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::copy(
        root().join("examples/values-sso-secret.yaml"),
        app.join("values-sso.yaml"),
    )
    .unwrap();
    std::fs::write(app.join("clearml-sso.toml"), policy).unwrap();
    for f in ["values-sso.yaml", "clearml-sso.toml"] {
        std::fs::set_permissions(app.join(f), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    // The plugin's home (Helm's cache and config), writable by the plugin's user.
    let home = base.path().join("home");
    std::fs::create_dir(&home).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o777)).unwrap();

    let mut env = vec![
        ("PATH", format!("{}:/usr/bin:/bin", tools.display())),
        ("HOME", home.display().to_string()),
        ("ARGOCD_APP_NAME", source.app_name.into()),
        ("ARGOCD_APP_NAMESPACE", "clearml".into()),
        (
            "ARGOCD_APP_REVISION",
            "0123456789abcdef0123456789abcdef01234567".into(),
        ),
        (
            "ARGOCD_APP_SOURCE_REPO_URL",
            "https://git.acme.test/platform/deploy.git".into(),
        ),
        ("ARGOCD_APP_SOURCE_PATH", "apps/clearml".into()),
        ("ARGOCD_APP_SOURCE_TARGET_REVISION", "main".into()),
        ("KUBE_VERSION", kube_version.into()),
        ("KUBE_API_VERSIONS", KUBE_API_VERSIONS.into()),
    ];
    if let Some(file) = source.values_file {
        env.push(("ARGOCD_ENV_VALUES_FILE", file.into()));
    }
    // Changing user needs root: as root directly (this project's CI), else through `sudo -n`
    // (a GitHub runner); the environment is set last, by `env -i`, so sudo cannot alter it.
    let root_user = std::fs::metadata("/proc/self").map(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid() == 0
    });
    let mut wrapper: Vec<String> = if root_user.unwrap_or(false) {
        vec![]
    } else {
        vec!["/usr/bin/sudo".into(), "-n".into()]
    };
    wrapper.extend(
        [
            "/usr/bin/setsid",
            "--wait",
            "/usr/bin/setpriv",
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            "--",
            "/usr/bin/env",
            "-i",
        ]
        .map(String::from),
    );
    wrapper.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
    let run = |argv: &[String]| -> Output {
        std::process::Command::new(&wrapper[0])
            .args(&wrapper[1..])
            .args(argv)
            .current_dir(&app)
            .env_clear()
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", wrapper[0]))
    };
    // The wrapping does what it says: uid and gid 65534, no groups, no controlling terminal.
    let probe = run(&[
        "/bin/sh".into(),
        "-c".into(),
        "id -u; id -G; if (exec 3</dev/tty) 2>/dev/null; then echo tty; else echo no-tty; fi"
            .into(),
    ]);
    assert_eq!(
        text(&probe.stdout),
        "65534\n65534\nno-tty\n",
        "{}",
        text(&probe.stderr)
    );
    run(&argocd_generate())
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn argocd_plugin_generate_runs_unprivileged_without_a_terminal() {
    let argv = argocd_generate();
    assert!(
        argv.last().unwrap().contains("| clearml-sso render"),
        "{argv:?}"
    );
    let policy = std::fs::read_to_string(root().join("policies/keycloak.toml")).unwrap();
    // Argo CD's repo-server ships Helm 3; a sidecar image may carry Helm 4.
    for helm in ["HELM3_BIN", "HELM4_BIN"] {
        let out = run_generate(helm, &policy, KUBE_VERSION);
        assert!(out.status.success(), "{helm}: {}", text(&out.stderr));
        let stream = text(&out.stdout);
        assert_corrected(&stream);
        let docs = documents(&stream);
        assert!(docs
            .iter()
            .any(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "clearml-apiserver"));
        // Argo CD's KUBE_VERSION and KUBE_API_VERSIONS reached Helm: the capabilities it
        // rendered with are the cluster's (the comma list read as several API versions).
        let probe = docs
            .iter()
            .find(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == "capabilities-probe")
            .unwrap_or_else(|| panic!("{helm}: no capabilities probe in {stream}"));
        assert_eq!(
            probe["data"]["kubeVersion"],
            format!("v{KUBE_VERSION}"),
            "{helm}"
        );
        assert_eq!(probe["data"]["widgets"], "true", "{helm}");
        // Without them Helm assumes its own default version, which the capped chart refuses;
        // and `pipefail` turns that into a failed generate with nothing to apply.
        let out = run_generate(helm, &policy, "");
        assert!(!out.status.success(), "{helm}: {}", text(&out.stdout));
        assert!(out.stdout.is_empty(), "{helm}");
        assert!(
            text(&out.stderr).contains("chart requires kubeVersion"),
            "{helm}: {}",
            text(&out.stderr)
        );

        // An Application outside Argo CD's namespace: ARGOCD_APP_NAME is `<namespace>_<name>`,
        // which Helm refuses as a release name; the release is the Application's own name, as
        // Argo CD's own Helm names it. And a wrapper chart without values.yaml and no
        // VALUES_FILE: no --values, the dependency's values (found by atk21).
        let out = run_generate_as(
            helm,
            &policy,
            KUBE_VERSION,
            &Source {
                app_name: "team-a_clearml",
                values_file: None,
                wrapper: true,
            },
        );
        assert!(out.status.success(), "{helm}: {}", text(&out.stderr));
        let stream = text(&out.stdout);
        // The dependency's own values (no values-sso.yaml): the derived URL is there, on the
        // Deployment the release `clearml` names.
        assert_eq!(
            apiserver_env(&stream, KEYCLOAK_AUTHORIZE).as_deref(),
            Some(KEYCLOAK_AUTHORIZE_URL),
            "{helm}: {stream}"
        );
        assert!(
            stream.contains("name: clearml-apiserver\n"),
            "{helm}: {stream}"
        );

        // A refusal reaches Argo CD as a failed generate with nothing to apply.
        let out = run_generate(helm, MISSING_SECRET_POLICY, KUBE_VERSION);
        assert_refused_missing_secret(&out, helm);
    }
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn flux_values_pass_the_ci_check_and_their_absence_fails_it() {
    let dir = tempfile::tempdir().unwrap();
    let tools = tools_dir(dir.path());
    std::fs::copy(
        root().join("policies/keycloak.toml"),
        dir.path().join("clearml-sso.toml"),
    )
    .unwrap();
    // The user's values set their own `apiserver.extraEnvs`, as the README tells them to.
    let secret = std::fs::read_to_string(root().join("examples/values-sso-secret.yaml")).unwrap();
    std::fs::write(
        dir.path().join("clearml-values.yaml"),
        format!("{secret}apiserver:\n  extraEnvs:\n    - name: TZ\n      value: Europe/Berlin\n"),
    )
    .unwrap();
    let path = with_path(&tools);
    let run = |script: &str| {
        run_in(
            Path::new("/bin/bash"),
            &["-eo", "pipefail", "-c", script],
            b"",
            Some(dir.path()),
            &[("PATH", &path)],
        )
    };
    // `clearml-sso values` as the recipe runs it.
    let values = block("flux-values");
    assert!(
        values.contains("--merge-with clearml-values.yaml > clearml-sso-values.yaml"),
        "{values}"
    );
    let out = run(&values);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The recipe's CI command, with the example chart for the chart repository.
    let ci = block("flux-ci");
    assert!(ci.contains("clearml-sso check --strict --policy clearml-sso.toml"));
    let chart = root().join("examples/chart/clearml");
    let ci = ci.replace("allegroai/clearml", chart.to_str().unwrap());
    let out = run(&ci);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // What the CI check read: the user's TZ survived the second values file.
    let template = &ci[..ci.find(" \\\n  |").expect("the recipe pipes helm template")];
    let out = run(template);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        apiserver_env(&text(&out.stdout), "TZ").as_deref(),
        Some("Europe/Berlin")
    );
    assert_corrected(&text(&out.stdout));
    // Without the policy's values, the same check fails: render would have to add them.
    let out = run(&ci.replace(" -f clearml-sso-values.yaml", ""));
    assert!(!out.status.success(), "{}", text(&out.stderr));
}
