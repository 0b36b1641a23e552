//! The container images (images/clearml-sso and images/argocd-cmp), built, pushed, pulled and
//! run for real without a daemon: `scripts/release --no-build --push` builds both from the
//! static release binary with podman (runc, vfs, the settings `scripts/fetch-test-deps` writes)
//! and pushes them to the local docker-registry; a fresh podman storage pulls them back by tag
//! and runs them: the binary image renders and checks through stdin, the Argo CD sidecar runs
//! the plugin's `generate` as uid 999 with a read-only root, no network and only Argo CD's
//! environment, once with Helm 4 and once with Helm 3 inside; docs/ci.md's GitLab job runs in the
//! sidecar image. Where podman cannot run, the test fails saying why. Ignored under plain
//! `cargo test` (it needs `scripts/fetch-test-deps`), except the check that the sidecar's
//! plugin.yaml is the documented one.

use crate::e2e::{assert_rendered, image_env, release, release_script};
use crate::harness::gpg::GpgHome;
use crate::harness::registry::Registry;
use crate::harness::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const CLI: &str = "clearml-sso-cli";
const SIDECAR: &str = "argocd-cmp-clearml-sso";

/// A podman storage of its own (removed on drop), run with the test settings.
struct Podman {
    dir: tempfile::TempDir,
}

impl Podman {
    fn new() -> Podman {
        Podman {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str], stdin: &[u8]) -> Output {
        let root = self.dir.path().join("storage");
        let runroot = self.dir.path().join("run");
        let mut all = vec![
            "--root",
            root.to_str().unwrap(),
            "--runroot",
            runroot.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        let env = image_env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_in(&tool("PODMAN_BIN"), &all, stdin, None, &env)
    }

    /// `run`, asserting success.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, b"");
        assert!(
            out.status.success(),
            "podman {}: {}",
            args.join(" "),
            text(&out.stderr)
        );
        text(&out.stdout)
    }
}

/// Podman can run a container here: a probe image (the static bash alone) runs as uid 999.
/// Otherwise the failure says what podman said.
fn assert_podman_runs() {
    let podman = Podman::new();
    let ctx = tempfile::tempdir().unwrap();
    std::fs::copy(tool("BASH_STATIC_BIN"), ctx.path().join("bash")).unwrap();
    std::fs::write(
        ctx.path().join("Containerfile"),
        "FROM scratch\nCOPY bash /bash\n",
    )
    .unwrap();
    let built = podman.run(
        &[
            "build",
            "--quiet",
            "-t",
            "localhost/probe",
            ctx.path().to_str().unwrap(),
        ],
        b"",
    );
    assert!(
        built.status.success(),
        "podman cannot build an image on this machine (scripts/fetch-test-deps sets it up: runc, vfs, \
         CONTAINERS_CONF): {}",
        text(&built.stderr)
    );
    let ran = podman.run(
        &[
            "run",
            "--rm",
            "--user",
            "999",
            "localhost/probe",
            "/bash",
            "-c",
            "echo $UID",
        ],
        b"",
    );
    assert!(
        ran.status.success() && text(&ran.stdout) == "999\n",
        "podman cannot run a container on this machine (runc, cgroupfs, netns none from \
         CONTAINERS_CONF): {}{}",
        text(&ran.stdout),
        text(&ran.stderr)
    );
}

/// The images as users get them: pushed by `scripts/release --push` (one release per Helm in the
/// sidecar), pulled back from the registry into a fresh storage.
struct Pulled {
    podman: Podman,
    registry: Registry,
    /// The release directory of the Helm 4 build (its SHA256SUMS and signature).
    out: tempfile::TempDir,
}

impl Pulled {
    /// `HOST:PORT/<helm>/<image>:<tag>`.
    fn image(&self, helm: &str, image: &str, tag: &str) -> String {
        format!("127.0.0.1:{}/{helm}/{image}:{tag}", self.registry.port)
    }
}

fn pulled() -> Pulled {
    assert_podman_runs();
    let r = release();
    let staged = r.out.join("bin").join(plugin_platform());
    let registry = Registry::start();
    let oras = tool("CLEARML_SSO_ORAS_PYTHON");
    let mut outs = Vec::new();
    for (helm, var) in [("helm4", "HELM4_BIN"), ("helm3", "HELM3_BIN")] {
        // The release job's layout: the binary and the sidecar's bash and Helm under bin/.
        let out = tempfile::tempdir().unwrap();
        let bin_dir = out.path().join("bin").join(plugin_platform());
        std::fs::create_dir_all(&bin_dir).unwrap();
        std::fs::copy(staged.join("clearml-sso"), bin_dir.join("clearml-sso")).unwrap();
        for file in ["bash", "bash.copyright", "bash.GPL-3", "bash.SOURCE"] {
            std::fs::copy(staged.join(file), bin_dir.join(file)).unwrap();
        }
        std::fs::copy(tool(var), bin_dir.join("helm")).unwrap();
        let version = run_in(&tool(var), &["version", "--short"], b"", None, &[]);
        assert!(version.status.success());
        std::fs::write(bin_dir.join("helm.version"), &version.stdout).unwrap();
        let gnupg = GpgHome::with_key("clearml-sso image test <images@example.invalid>");
        let repo = format!("127.0.0.1:{}/{helm}/clearml-sso", registry.port);
        let mut env = image_env();
        env.push((
            "CLEARML_SSO_ORAS_PYTHON",
            oras.to_str().unwrap().to_string(),
        ));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let pushed = release_script(
            &[
                "--no-build",
                "--push",
                &repo,
                "--plain-http",
                out.path().to_str().unwrap(),
            ],
            gnupg.path(),
            &env,
        );
        assert!(
            pushed.status.success(),
            "scripts/release --push ({helm}): {}",
            text(&pushed.stderr)
        );
        for image in [CLI, SIDECAR] {
            assert!(
                text(&pushed.stderr).contains(&format!(
                    "pushed 127.0.0.1:{}/{helm}/{image}:latest",
                    registry.port
                )),
                "{}",
                text(&pushed.stderr)
            );
        }
        outs.push(out);
    }
    let podman = Podman::new();
    let port = registry.port;
    for helm in ["helm4", "helm3"] {
        for image in [CLI, SIDECAR] {
            let mut ids = Vec::new();
            for tag in [VERSION, "latest"] {
                let name = format!("127.0.0.1:{port}/{helm}/{image}:{tag}");
                podman.ok(&["pull", "--quiet", "--tls-verify=false", &name]);
                ids.push(podman.ok(&["image", "inspect", "--format", "{{.Id}}", &name]));
            }
            assert_eq!(
                ids[0], ids[1],
                "{helm}/{image}: {VERSION} and latest differ"
            );
        }
    }
    Pulled {
        podman,
        registry,
        out: outs.swap_remove(0),
    }
}

/// The image's configuration: `podman image inspect --format FORMAT`.
fn inspect(p: &Pulled, image: &str, format: &str) -> String {
    p.podman
        .ok(&["image", "inspect", "--format", format, image])
        .trim_end()
        .to_string()
}

/// The regular files of an image, with their modes (tar's listing of `podman export`).
fn files_of(p: &Pulled, image: &str) -> Vec<String> {
    let p = &p.podman;
    // A command for the sidecar, which has none of its own (never run: only created).
    let id = p.ok(&["create", image, "true"]).trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("fs.tar");
    p.ok(&["export", "-o", tar.to_str().unwrap(), &id]);
    p.ok(&["rm", &id]);
    let listing = run_in(
        &system_tool("tar"),
        &["-tvf", tar.to_str().unwrap()],
        b"",
        None,
        &[],
    );
    assert!(listing.status.success());
    let mut files: Vec<String> = text(&listing.stdout)
        .lines()
        .filter(|l| l.starts_with('-'))
        .map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            format!("{} {}", fields[0], fields.last().unwrap())
        })
        .collect();
    files.sort();
    files
}

fn the_release_lists_and_signs_the_image_archives(p: &Pulled) {
    let sums = std::fs::read_to_string(p.out.path().join("SHA256SUMS")).unwrap();
    for image in [CLI, SIDECAR] {
        let archive = format!("{image}-{VERSION}-{}.oci.tar", plugin_platform());
        assert!(
            sums.lines().any(|l| l.ends_with(&format!("  {archive}"))),
            "SHA256SUMS lists {archive}: {sums}"
        );
    }
    let check = run_in(
        &system_tool("sha256sum"),
        &["--check", "--strict", "SHA256SUMS"],
        b"",
        Some(p.out.path()),
        &[],
    );
    assert!(check.status.success(), "{}", text(&check.stdout));
    let gpgv = run_in(
        &system_tool("gpgv"),
        &[
            "--keyring",
            p.out
                .path()
                .join("clearml-sso-signing-key.gpg")
                .to_str()
                .unwrap(),
            "SHA256SUMS.asc",
            "SHA256SUMS",
        ],
        b"",
        Some(p.out.path()),
        &[],
    );
    assert!(gpgv.status.success(), "{}", text(&gpgv.stderr));
    // The archive is the image that was pushed: loaded, it has the pulled image's ID.
    let loader = Podman::new();
    let archive = p
        .out
        .path()
        .join(format!("{CLI}-{VERSION}-{}.oci.tar", plugin_platform()));
    loader.ok(&["load", "--quiet", "-i", archive.to_str().unwrap()]);
    let loaded = loader.ok(&[
        "image",
        "inspect",
        "--format",
        "{{.Id}}",
        &format!("localhost/{CLI}:{VERSION}-{}", plugin_platform()),
    ]);
    assert_eq!(
        loaded.trim(),
        inspect(p, &p.image("helm4", CLI, VERSION), "{{.Id}}")
    );
}

fn the_images_are_from_scratch_non_root_and_labelled(p: &Pulled) {
    let revision =
        text(&run_in(&system_tool("git"), &["rev-parse", "HEAD"], b"", None, &[]).stdout);
    // The sidecar ships GNU bash (GPL-3.0-or-later) next to the Apache-2.0 binary and Helm.
    for (image, user, entrypoint, licenses) in [
        (
            p.image("helm4", CLI, VERSION),
            "65532:65532",
            "[/clearml-sso]",
            "Apache-2.0",
        ),
        (
            p.image("helm4", SIDECAR, VERSION),
            "999:999",
            "[]",
            "Apache-2.0 AND GPL-3.0-or-later",
        ),
    ] {
        assert_eq!(inspect(p, &image, "{{.Config.User}}"), user, "{image}");
        assert_eq!(
            inspect(p, &image, "{{.Config.Entrypoint}}"),
            entrypoint,
            "{image}"
        );
        assert_eq!(
            inspect(p, &image, "{{.Os}}/{{.Architecture}}"),
            "linux/amd64"
        );
        for (label, want) in [
            (
                "org.opencontainers.image.source",
                "https://github.com/clearml-sso/clearml-sso",
            ),
            ("org.opencontainers.image.version", VERSION),
            ("org.opencontainers.image.revision", revision.trim()),
            ("org.opencontainers.image.licenses", licenses),
        ] {
            assert_eq!(
                inspect(
                    p,
                    &image,
                    &format!("{{{{index .Config.Labels \"{label}\"}}}}")
                ),
                want,
                "{image}: {label}"
            );
        }
    }
    // Nothing but what the Containerfiles copy.
    assert_eq!(
        files_of(p, &p.image("helm4", CLI, VERSION)),
        ["-rw-r--r-- LICENSE", "-rwxr-xr-x clearml-sso"]
    );
    assert_eq!(
        files_of(p, &p.image("helm4", SIDECAR, VERSION)),
        [
            "-rw-r--r-- LICENSE",
            "-rw-r--r-- home/argocd/cmp-server/config/plugin.yaml",
            "-rw-r--r-- usr/share/doc/bash/GPL-3",
            "-rw-r--r-- usr/share/doc/bash/SOURCE",
            "-rw-r--r-- usr/share/doc/bash/copyright",
            "-rwxr-xr-x bin/bash",
            "-rwxr-xr-x bin/sh",
            "-rwxr-xr-x usr/local/bin/clearml-sso",
            "-rwxr-xr-x usr/local/bin/helm",
        ]
    );
}

/// The example chart rendered by Helm 4 on the host, as a CI job's earlier step would.
fn rendered() -> Vec<u8> {
    let out = run_in(
        &tool("HELM4_BIN"),
        &[
            "template",
            "clearml",
            "examples/chart/clearml",
            "-f",
            "examples/values-sso-secret.yaml",
        ],
        b"",
        None,
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    out.stdout
}

/// A directory readable by every uid, holding `files`.
fn shared_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    for (name, body) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    dir
}

fn the_binary_image_renders_and_checks_through_stdin(p: &Pulled) {
    let image = p.image("helm4", CLI, VERSION);
    let good = std::fs::read_to_string(root().join("policies/keycloak.toml")).unwrap();
    let policies = shared_dir(&[("good.toml", &good), ("broken.toml", MISSING_SECRET_POLICY)]);
    let mount = |name: &str| format!("{}:/p.toml:ro", policies.path().join(name).display());
    let docker_run = |policy: &str, args: &[&str]| -> Output {
        let volume = mount(policy);
        let mut all = vec![
            "run",
            "--rm",
            "-i",
            "--network",
            "none",
            "--read-only",
            "-v",
            &volume,
            &image,
        ];
        all.extend_from_slice(args);
        p.podman.run(&all, &rendered())
    };
    let out = docker_run("good.toml", &["render", "--policy", "/p.toml"]);
    assert_rendered(&out, "docker run -i … render");
    let out = docker_run("good.toml", &["check", "--policy", "/p.toml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Its report (on stdout) says what a render would add.
    assert!(
        text(&out.stdout).contains("would add keycloak.client_id"),
        "check's report: {}",
        text(&out.stdout)
    );

    // check reports on stdout; render refuses with nothing on stdout and the reason on stderr.
    let out = docker_run("broken.toml", &["check", "--policy", "/p.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("not-there"),
        "the finding names the missing Secret: {}",
        text(&out.stdout)
    );
    let out = docker_run("broken.toml", &["render", "--policy", "/p.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("not-there"),
        "{}",
        text(&out.stderr)
    );
}

/// The plugin definition the sidecar carries, read out of the pulled image.
fn plugin_yaml(p: &Pulled, image: &str) -> String {
    let out = p.podman.run(
        &[
            "run",
            "--rm",
            "--network",
            "none",
            image,
            "bash",
            "-c",
            "printf '%s\\n' \"$(</home/argocd/cmp-server/config/plugin.yaml)\"",
        ],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// The fenced block after `<!-- test:argocd -->` in docs/integrations.md.
fn documented_plugin() -> String {
    let doc = std::fs::read_to_string(root().join("docs/integrations.md")).unwrap();
    let after = &doc[doc
        .find("<!-- test:argocd -->")
        .expect("docs/integrations.md has the argocd block")..];
    let body = &after[after.find("```").unwrap()..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("\n```").unwrap() + 1].to_string()
}

/// The image's plugin.yaml is the one the docs show (and tests/under_helm/integrations.rs runs).
#[test]
fn the_sidecar_plugin_yaml_is_the_documented_one() {
    assert_eq!(
        std::fs::read_to_string(root().join("images/argocd-cmp/plugin.yaml")).unwrap(),
        documented_plugin()
    );
}

/// Runs the sidecar's `generate` (command + args from the plugin.yaml inside the image) in an
/// Application source directory as Argo CD's repo-server would: uid 999, read-only root, no
/// network, stdin empty, an emptyDir on /tmp, only the environment Argo CD gives a plugin.
fn generate(p: &Pulled, image: &str, policy: &str) -> Output {
    let plugin: serde_yaml::Value = serde_yaml::from_str(&plugin_yaml(p, image)).unwrap();
    let generate = &plugin["spec"]["generate"];
    let mut argv: Vec<String> = serde_yaml::from_value(generate["command"].clone()).unwrap();
    argv.extend(serde_yaml::from_value::<Vec<String>>(generate["args"].clone()).unwrap());

    let app = tempfile::tempdir().unwrap();
    copy_readable(&root().join("examples/chart/clearml"), app.path());
    std::fs::copy(
        root().join("examples/values-sso-secret.yaml"),
        app.path().join("values-sso.yaml"),
    )
    .unwrap();
    std::fs::write(app.path().join("clearml-sso.toml"), policy).unwrap();
    for f in ["values-sso.yaml", "clearml-sso.toml"] {
        std::fs::set_permissions(app.path().join(f), std::fs::Permissions::from_mode(0o644))
            .unwrap();
    }
    let volume = format!("{}:/tmp/_cmp_server/app:ro", app.path().display());
    let mut args: Vec<String> = [
        "run",
        "--rm",
        "--user",
        "999",
        "--read-only",
        "--network",
        "none",
        "--tmpfs",
        "/tmp",
        "-v",
        &volume,
        "--workdir",
        "/tmp/_cmp_server/app",
    ]
    .map(String::from)
    .to_vec();
    for (k, v) in [
        ("ARGOCD_APP_NAME", "clearml"),
        ("ARGOCD_APP_NAMESPACE", "clearml"),
        (
            "ARGOCD_APP_REVISION",
            "0123456789abcdef0123456789abcdef01234567",
        ),
        ("KUBE_VERSION", "1.31.4"),
        (
            "KUBE_API_VERSIONS",
            "v1,apps/v1,batch/v1,apps/v1/Deployment",
        ),
        ("ARGOCD_ENV_VALUES_FILE", "values-sso.yaml"),
    ] {
        args.push("-e".into());
        args.push(format!("{k}={v}"));
    }
    args.push(image.into());
    args.extend(argv);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    p.podman.run(&args, b"")
}

fn copy_readable(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest: PathBuf = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_readable(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

fn the_sidecar_generates_as_uid_999_read_only_without_network_with_helm_3_and_4(p: &Pulled) {
    let good = std::fs::read_to_string(root().join("policies/keycloak.toml")).unwrap();
    for (helm, major) in [("helm4", "v4."), ("helm3", "v3.")] {
        let image = p.image(helm, SIDECAR, VERSION);
        // The Helm inside is the one this build carries.
        let version = p.podman.run(
            &[
                "run",
                "--rm",
                "--network",
                "none",
                &image,
                "helm",
                "version",
                "--short",
            ],
            b"",
        );
        assert!(
            text(&version.stdout).starts_with(major),
            "{helm}: {}{}",
            text(&version.stdout),
            text(&version.stderr)
        );
        assert_rendered(
            &generate(p, &image, &good),
            &format!("{helm} sidecar generate"),
        );
        let out = generate(p, &image, MISSING_SECRET_POLICY);
        assert_refused_missing_secret(&out, helm);
    }
}

/// One test, so the registry process and the podman storage (hundreds of MB with vfs) are
/// removed when it ends, which a shared static would never be.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn images_are_released_pushed_pulled_and_run() {
    let p = pulled();
    the_release_lists_and_signs_the_image_archives(&p);
    the_images_are_from_scratch_non_root_and_labelled(&p);
    the_binary_image_renders_and_checks_through_stdin(&p);
    the_sidecar_generates_as_uid_999_read_only_without_network_with_helm_3_and_4(&p);
    the_gitlab_job_runs_in_the_sidecar_image(&p);
    the_sidecar_home_is_writable_without_a_mount(&p);
}

/// Helm's home in the sidecar is /tmp: with nothing mounted there (a CI job in the image, which
/// `helm repo add`s the public chart's repository), Helm still writes its config, as uid 999 and
/// as an arbitrary uid with gid 0 (OpenShift). The add makes its config directory before it
/// downloads (which fails here: no network). The image had no /tmp (found by atk21).
fn the_sidecar_home_is_writable_without_a_mount(p: &Pulled) {
    for helm in ["helm4", "helm3"] {
        for user in ["999", "1000680000:0"] {
            let out = p.podman.run(
                &[
                    "run",
                    "--rm",
                    "--network",
                    "none",
                    "--user",
                    user,
                    &p.image(helm, SIDECAR, VERSION),
                    "bash",
                    "-c",
                    "helm repo add allegroai https://allegroai.github.io/clearml-helm-charts; \
                     [[ -k /tmp && -d /tmp/.config/helm ]] && echo helm-home-written",
                ],
                b"",
            );
            assert!(
                text(&out.stdout).contains("helm-home-written"),
                "{helm} as {user}: {}{}",
                text(&out.stdout),
                text(&out.stderr)
            );
        }
    }
}

/// The YAML block after `<!-- ci:NAME -->` in docs/ci.md.
fn ci_block(name: &str) -> serde_yaml::Value {
    let doc = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    let marker = format!("<!-- ci:{name} -->");
    let after = &doc[doc
        .find(&marker)
        .unwrap_or_else(|| panic!("docs/ci.md has no {marker}"))..];
    let block = after.split("```yaml\n").nth(1).unwrap();
    serde_yaml::from_str(block.split("\n```").next().unwrap()).unwrap()
}

/// docs/ci.md's GitLab job in the sidecar image (the release's, with Helm 3): its variables and
/// script lines run with `sh -e` as the image's user, without network, in a copy of this
/// repository writable by that user (GitLab's docker executor checks out with umask 0000).
fn the_gitlab_job_runs_in_the_sidecar_image(p: &Pulled) {
    let job = &ci_block("gitlab-image")["clearml-sso"];
    assert_eq!(
        job["image"]["name"].as_str(),
        Some(format!("ghcr.io/clearml-sso/argocd-cmp-clearml-sso:{VERSION}").as_str())
    );
    let script: Vec<String> = serde_yaml::from_value(job["script"].clone()).unwrap();
    let variables = job["variables"].as_mapping().expect("the job's variables");
    assert_eq!(job["artifacts"]["reports"]["junit"], "clearml-sso.xml");
    let image = p.image("helm3", SIDECAR, VERSION);
    let good = std::fs::read_to_string(root().join("policies/keycloak.toml")).unwrap();
    for (policy, passes) in [(good.as_str(), true), (MISSING_SECRET_POLICY, false)] {
        let project = tempfile::tempdir().unwrap();
        for dir in ["examples", "policies"] {
            copy_readable(&root().join(dir), &project.path().join(dir));
        }
        std::fs::write(project.path().join("policies/keycloak.toml"), policy).unwrap();
        std::fs::set_permissions(project.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let volume = format!("{}:/builds/project", project.path().display());
        let mut args: Vec<String> = [
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            &volume,
            "--workdir",
            "/builds/project",
        ]
        .map(String::from)
        .to_vec();
        for (k, v) in variables {
            args.push("-e".into());
            args.push(format!("{}={}", k.as_str().unwrap(), v.as_str().unwrap()));
        }
        args.extend([image.clone(), "sh".into(), "-e".into(), "-c".into()]);
        args.push(script.join("\n"));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = p.podman.run(&args, b"");
        let junit = std::fs::read_to_string(project.path().join("clearml-sso.xml"))
            .unwrap_or_else(|e| panic!("no clearml-sso.xml ({e}): {}", text(&out.stderr)));
        assert!(junit.contains("<testsuite"), "{junit}");
        if passes {
            assert!(out.status.success(), "{}", text(&out.stderr));
            assert!(!junit.contains("<failure"), "{junit}");
        } else {
            assert!(!out.status.success(), "the broken policy passed");
            assert!(junit.contains("not-there"), "{junit}");
        }
    }
}
