//! The README's first screen, run as a new user runs it, on Helm 3 and on Helm 4: the block
//! after `<!-- test:first-steps -->` is read from README.md and each command runs as written,
//! by bash, as a user with nothing but a fresh HOME, the system's tools, helm and kubectl. What
//! a machine without network or cluster cannot run is replaced, and only that: the install
//! line downloads from the harness's signed release on 127.0.0.1 instead of GitHub (the
//! published install-plugin, its key pinned); `allegroai/clearml` is a copy of the bundled
//! example chart with its `kubeVersion` capped as the public chart caps it (`helm repo add` and
//! `helm repo update` are checked, not run); `$EDITOR` fills in the starter as a user would;
//! kubectl runs with `--dry-run=client`; `helm install` runs with `--dry-run=client` on Helm 4
//! (Helm 3.17 asks a cluster even then, so there its line is compared with the template line).

use crate::harness::release::*;
use crate::harness::*;
use std::path::Path;
use std::process::{Command, Output};

const GITHUB: &str = "https://github.com/clearml-sso/clearml-sso/releases/latest/download";
const CHART: &str = "allegroai/clearml";

/// The README's first-steps block as logical lines (continuations joined), comments dropped.
fn first_steps() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let marker = "<!-- test:first-steps -->\n```sh\n";
    let start = readme
        .find(marker)
        .expect("README has the first-steps block")
        + marker.len();
    let block = &readme[start..start + readme[start..].find("\n```").unwrap()];
    block
        .replace("\\\n", "")
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The one line of `lines` that starts with `prefix`.
fn line<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    let found: Vec<&String> = lines.iter().filter(|l| l.starts_with(prefix)).collect();
    assert_eq!(found.len(), 1, "one `{prefix}` line in {lines:#?}");
    found[0]
}

/// The example chart as `allegroai/clearml` stands for it: capped or not.
fn chart(dir: &Path, capped: bool) -> String {
    let chart = dir.join(if capped { "capped/clearml" } else { "clearml" });
    copy_dir(&root().join("examples/chart/clearml"), &chart);
    if capped {
        let yaml = chart.join("Chart.yaml");
        let mut text = std::fs::read_to_string(&yaml).unwrap();
        assert!(!text.contains("kubeVersion"));
        text.push_str("kubeVersion: \">= 1.21.0-0 < 1.32.0-0\"\n");
        std::fs::write(yaml, text).unwrap();
    }
    chart.display().to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

struct User {
    home: tempfile::TempDir,
    path: String,
    /// What the user runs first in every new shell, once install-plugin said so.
    profile: String,
}

impl User {
    fn new(helm: &Path) -> User {
        let home = tempfile::tempdir().unwrap();
        let tools = home.path().join("tools");
        std::fs::create_dir(&tools).unwrap();
        std::os::unix::fs::symlink(helm, tools.join("helm")).unwrap();
        std::os::unix::fs::symlink(tool("KUBECTL_BIN"), tools.join("kubectl")).unwrap();
        let path = format!("{}:/usr/bin:/bin", tools.display());
        User {
            home,
            path,
            profile: String::new(),
        }
    }

    /// `script` in bash with pipefail, in the user's home, as the user.
    fn sh(&self, script: &str, env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(bash());
        cmd.args([
            "-o",
            "pipefail",
            "-ec",
            &format!("{}{script}", self.profile),
        ])
        .env_clear()
        .env("HOME", self.home.path())
        .env("PATH", &self.path)
        .current_dir(self.home.path())
        .stdin(std::process::Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }
}

fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn follow_the_first_steps(helm_var: &str) {
    let helm = tool(helm_var);
    let steps = first_steps();
    let (_release, server) = served_release();
    let user = User::new(&helm);
    let mut user = user;
    let charts = tempfile::tempdir().unwrap();

    // 1. Install, piped from the release.
    let install = line(&steps, "curl ");
    assert_eq!(
        install,
        format!("curl -fsSL {GITHUB}/install-plugin | bash"),
        "{helm_var}"
    );
    let out = user.sh(
        &install.replace(GITHUB, &server.url),
        &[("CLEARML_SSO_RELEASES", &server.url)],
    );
    let err = text(&out.stderr);
    ok(&out, &format!("{helm_var}: {install}"));
    assert!(err.contains(&made().fpr), "{helm_var}: verified: {err}");
    let bin = user.home.path().join(".local/bin");
    assert!(bin.join("clearml-sso").is_file(), "{helm_var}: {err}");
    // It said how to put the command on PATH; the user does so.
    let export = err
        .lines()
        .find_map(|l| l.strip_prefix("install-plugin:     export PATH="))
        .unwrap_or_else(|| panic!("{helm_var}: no PATH line in {err}"));
    assert_eq!(export, format!("\"{}:$PATH\"", bin.display()));
    user.profile = format!("export PATH={export}\n");

    // 2. init.
    let init = line(&steps, "clearml-sso init ");
    ok(&user.sh(init, &[]), init);
    let policy = user.home.path().join("clearml-sso.toml");

    // 3. The user's editor fills in what init marks: the Keycloak server and realm.
    let edit = line(&steps, "$EDITOR ");
    let editor = user.home.path().join("fill-in");
    std::fs::write(
        &editor,
        "#!/bin/sh\nsed -i -e 's|^url *=.*|url = \"https://sso.acme.test\"|' \
         -e 's|^realm *=.*|realm = \"clearml\"|' \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    ok(
        &user.sh(edit, &[("EDITOR", editor.to_str().unwrap())]),
        edit,
    );
    let edited = std::fs::read_to_string(&policy).unwrap();
    let unfilled: Vec<&str> = edited
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter(|l| l.split('#').next().unwrap().contains('<'))
        .collect();
    assert!(
        unfilled.is_empty(),
        "the README's edit step leaves placeholders: {unfilled:?}"
    );

    // 4. explain, and the Secret (kubectl without a cluster: --dry-run=client).
    let explain = line(&steps, "clearml-sso explain ");
    let explained = ok(&user.sh(explain, &[]), explain);
    let secret = line(&steps, "kubectl create secret ");
    assert!(
        explained.contains(&secret.replace("-n clearml", "-n <namespace>")),
        "{helm_var}: explain prints the README's line:\n{explained}"
    );
    for kubectl in [line(&steps, "kubectl create namespace "), secret] {
        let filled = kubectl
            .replace("<keycloak.client_id>", "clearml")
            .replace("<keycloak.client_secret>", "a+b=c#d");
        ok(
            &user.sh(&format!("{filled} --dry-run=client -o yaml"), &[]),
            kubectl,
        );
    }

    // 5. The client-side render, through the post-renderer, of a chart capped like the
    // public chart; without --kube-version Helm's default is refused.
    line(
        &steps,
        "helm repo add allegroai https://allegroai.github.io/clearml-helm-charts",
    );
    line(&steps, "helm repo update");
    let template = line(&steps, "helm template ");
    let capped = chart(charts.path(), true);
    let out = user.sh(&template.replace(CHART, &capped), &[]);
    ok(&out, &format!("{helm_var}: {template}"));
    let rendered = std::fs::read_to_string(user.home.path().join("clearml.yaml")).unwrap();
    let config = clearml_config(&rendered, "clearml-apiserver", "clearml-apiserver");
    assert_eq!(
        sso(&config, "services", "keycloak")["base_url"],
        "https://sso.acme.test/realms/clearml/",
        "{helm_var}"
    );
    let kube_version = template
        .split(" --kube-version ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .expect("the template line gives --kube-version");
    let out = user.sh(
        &template
            .replace(CHART, &capped)
            .replace(&format!(" --kube-version {kube_version}"), ""),
        &[],
    );
    assert!(
        !out.status.success() && text(&out.stderr).contains("chart requires kubeVersion"),
        "{helm_var}: {}",
        text(&out.stderr)
    );

    // 6. helm install: the same post-renderer line as the template line.
    let install = line(&steps, "helm install ");
    let post_renderer = |l: &str| l[l.find(" --post-renderer ").unwrap()..].to_string();
    assert_eq!(
        post_renderer(install),
        post_renderer(template).replace(" >clearml.yaml", "")
    );
    if helm_var == "HELM4_BIN" {
        let out = user.sh(
            &format!(
                "{} --dry-run=client",
                install.replace(CHART, &chart(charts.path(), false))
            ),
            &[],
        );
        let shown = ok(&out, &format!("{helm_var}: {install}"));
        assert!(
            shown.contains("CLEARML__services__login__sso__oauth_client__keycloak__base_url"),
            "{shown}"
        );
    }
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn readme_first_steps_work_on_helm3() {
    follow_the_first_steps("HELM3_BIN");
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn readme_first_steps_work_on_helm4() {
    follow_the_first_steps("HELM4_BIN");
}
