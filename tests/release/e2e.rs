//! The release, end to end with real parts: `scripts/release` builds the static binary and signs
//! the Helm 4 plugin with a throwaway gpg key; real Helm 4.1.4 installs it with verification on
//! from the file, from a local HTTP server and from a local OCI registry (Debian's
//! docker-registry, pushed to with `scripts/release --push`), and renders the example chart
//! through it; tampered, renamed and unaccompanied tarballs are refused; the static binary
//! renders inside an empty root; one `--post-renderer clearml-sso` line works in Helm 3 (PATH)
//! and Helm 4 (plugin); `scripts/install-plugin` installs and updates for both without Rust.
//! All ignored under plain `cargo test` (they need `scripts/fetch-test-deps`).

use crate::harness::gpg::GpgHome;
use crate::harness::helm::HelmHome;
use crate::harness::http::Server;
use crate::harness::registry::Registry;
use crate::harness::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const KEYCLOAK_SECRET: &str = "9yq2Xl0bF8tV3nRkC4sWmJ7eHdPaZu1G";
const KEY_UID: &str = "clearml-sso release test <release-test@example.invalid>";

fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// `scripts/release OUT` with the environment a release job has.
pub(crate) fn release_script(args: &[&str], gnupg: &Path, extra: &[(&str, &str)]) -> Output {
    let helm4 = tool("HELM4_BIN");
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("release-e2e/target");
    let mut env = vec![
        ("GNUPGHOME", gnupg.to_str().unwrap()),
        ("HELM_BIN", helm4.to_str().unwrap()),
        // Its own target directory: the static build must not wait on this test run's lock.
        ("CARGO_TARGET_DIR", target.to_str().unwrap()),
    ];
    env.extend_from_slice(extra);
    let script = root().join("scripts/release");
    run_in(&script, args, b"", None, &env)
}

/// What the container images of a release need: podman with the test settings and the sidecar's
/// static bash (its Helm is `HELM_BIN`, Helm 4).
pub(crate) fn image_env() -> Vec<(&'static str, String)> {
    [
        ("PODMAN_BIN", "PODMAN_BIN"),
        ("CONTAINERS_CONF", "CONTAINERS_CONF"),
        ("CONTAINERS_STORAGE_CONF", "CONTAINERS_STORAGE_CONF"),
        ("CLEARML_SSO_IMAGE_BASH", "BASH_STATIC_BIN"),
    ]
    .map(|(var, from)| (var, tool(from).display().to_string()))
    .to_vec()
}

/// The release every test installs: built and signed once per test run, with its images.
pub(crate) struct Release {
    pub(crate) out: PathBuf,
    keyring: PathBuf,
    stderr: String,
}

pub(crate) fn release() -> &'static Release {
    static RELEASE: OnceLock<Release> = OnceLock::new();
    RELEASE.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("release-e2e/out");
        let _ = std::fs::remove_dir_all(&out);
        let gnupg = GpgHome::with_key(KEY_UID);
        let images = image_env();
        let mut env: Vec<(&str, &str)> = images.iter().map(|(k, v)| (*k, v.as_str())).collect();
        env.push(("CLEARML_SSO_SIGN_KEY", "release-test@example.invalid"));
        let run = release_script(&[out.to_str().unwrap()], gnupg.path(), &env);
        let stderr = text(&run.stderr);
        assert!(run.status.success(), "scripts/release failed: {stderr}");
        Release {
            keyring: out.join("clearml-sso-signing-key.gpg"),
            out,
            stderr,
        }
    })
}

impl Release {
    fn file(&self, name: &str) -> PathBuf {
        self.out.join(name)
    }
    fn tgz(&self) -> PathBuf {
        self.file(&format!("clearml-sso-{}.tgz", version()))
    }
}

/// What the release tests do with a private Helm home (tests/harness/helm.rs).
impl HelmHome {
    fn helm(&self, helm: &Path, args: &[&str]) -> Output {
        self.run(helm, args)
    }
    /// `helm plugin install SOURCE --keyring KEYRING [extra]`, verification on (the default).
    fn install(&self, source: &str, keyring: &Path, extra: &[&str]) -> Output {
        let mut args = vec![
            "plugin",
            "install",
            source,
            "--keyring",
            keyring.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        self.helm(&tool("HELM4_BIN"), &args)
    }
    fn has_plugin(&self) -> bool {
        let list = self.helm(&tool("HELM4_BIN"), &["plugin", "list"]);
        assert!(list.status.success(), "{}", text(&list.stderr));
        text(&list.stdout)
            .lines()
            .any(|l| l.split_whitespace().next() == Some("clearml-sso"))
    }
    /// The example chart through `--post-renderer clearml-sso` (the plugin for Helm 4; for
    /// Helm 3 the executable found on `path`).
    fn render(&self, helm: &Path, path: Option<&str>) -> Output {
        let mut env = self.env();
        if let Some(path) = path {
            env.push(("PATH".into(), path.into()));
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run_in(helm, &render_args(), b"", None, &env)
    }
}

fn render_args() -> Vec<&'static str> {
    vec![
        "template",
        "clearml",
        "examples/chart/clearml",
        "-f",
        "examples/values-sso-secret.yaml",
        "--post-renderer",
        "clearml-sso",
        "--post-renderer-args",
        "--policy=policies/keycloak.toml",
    ]
}

fn both(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

/// The apiserver gets the Keycloak policy's settings, read back as ClearML reads them.
pub(crate) fn assert_rendered(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: render failed: {}",
        text(&out.stderr)
    );
    let config = clearml_config(&text(&out.stdout), "clearml-apiserver", "clearml-apiserver");
    assert_eq!(
        sso(&config, "secure", "keycloak"),
        &json!({"client_id": "clearml", "client_secret": KEYCLOAK_SECRET}),
        "{what}"
    );
    assert_eq!(
        sso(&config, "services", "keycloak")["base_url"],
        "https://sso.acme.test/realms/clearml/",
        "{what}"
    );
}

fn assert_verified_install(out: &Output, what: &str) {
    let all = both(out);
    assert!(out.status.success(), "{what}: install failed: {all}");
    assert!(
        all.contains("Plugin Hash Verified") && all.contains(KEY_UID),
        "{what}: Helm did not verify the signature: {all}"
    );
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn release_makes_every_artifact_with_a_static_binary() {
    let r = release();
    let v = version();
    let sums = std::fs::read_to_string(r.file("SHA256SUMS")).unwrap();
    let mut listed: Vec<&str> = sums
        .lines()
        .map(|l| l.split_once("  ").expect("sha256sum format").1)
        .collect();
    listed.sort();
    let mut expected = vec![
        format!("clearml-sso-{v}.tgz"),
        format!("clearml-sso-{v}.tgz.prov"),
        "clearml-sso-signing-key.gpg".to_string(),
        format!("clearml-sso-{v}-{}.tar.gz", plugin_platform()),
        "install-binary".to_string(),
        "install-plugin".to_string(),
        "clearml-sso.1".to_string(),
        "clearml-sso.bash".to_string(),
        "_clearml-sso".to_string(),
        "clearml-sso.fish".to_string(),
        format!("clearml-sso-cli-{v}-{}.oci.tar", plugin_platform()),
        format!("argocd-cmp-clearml-sso-{v}-{}.oci.tar", plugin_platform()),
    ];
    expected.sort();
    assert_eq!(listed, expected, "SHA256SUMS lists exactly the artifacts");
    let check = Command::new(system_tool("sha256sum"))
        .args(["-c", "SHA256SUMS"])
        .current_dir(&r.out)
        .output()
        .unwrap();
    assert!(check.status.success(), "sha256sum -c: {}", both(&check));

    // The plugin tarball: plugin.yaml, LICENSE and the binary, regular files only.
    let tar = system_tool("tar");
    let listing = Command::new(&tar)
        .arg("-tvzf")
        .arg(r.tgz())
        .output()
        .unwrap();
    let listing = text(&listing.stdout);
    let mut files: Vec<&str> = listing
        .lines()
        .filter(|l| l.starts_with('-'))
        .map(|l| l.split_whitespace().last().unwrap())
        .collect();
    files.sort();
    let binary_entry = format!("clearml-sso/bin/{}/clearml-sso", plugin_platform());
    let mut want = vec![
        "clearml-sso/LICENSE",
        &binary_entry,
        "clearml-sso/plugin.yaml",
    ];
    want.sort();
    assert_eq!(files, want, "{listing}");
    assert!(
        listing
            .lines()
            .all(|l| l.starts_with('-') || l.starts_with('d')),
        "no symlinks or other entries: {listing}"
    );

    // The bare binary tarball: clearml-sso and LICENSE at the top.
    let bare = Command::new(&tar)
        .arg("-tzf")
        .arg(r.file(&format!("clearml-sso-{v}-{}.tar.gz", plugin_platform())))
        .output()
        .unwrap();
    let mut bare: Vec<String> = text(&bare.stdout).lines().map(str::to_string).collect();
    bare.sort();
    assert_eq!(bare, ["LICENSE", "clearml-sso"]);

    // Static: no program interpreter (PT_INTERP) and no dynamic section (PT_DYNAMIC is there
    // for static-pie too, so the interpreter is what counts), and ldd agrees.
    let binary = r
        .out
        .join("bin")
        .join(plugin_platform())
        .join("clearml-sso");
    let elf = std::fs::read(&binary).unwrap();
    assert_eq!(&elf[..4], b"\x7fELF");
    let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
    let phentsize = u16::from_le_bytes(elf[0x36..0x38].try_into().unwrap()) as usize;
    let phnum = u16::from_le_bytes(elf[0x38..0x3a].try_into().unwrap()) as usize;
    let interp = (0..phnum).any(|i| {
        let at = phoff + i * phentsize;
        u32::from_le_bytes(elf[at..at + 4].try_into().unwrap()) == 3
    });
    assert!(
        !interp,
        "{} has a program interpreter: not static",
        binary.display()
    );
    let ldd = Command::new(system_tool("ldd"))
        .arg(&binary)
        .output()
        .unwrap();
    assert!(
        both(&ldd).contains("statically linked") || both(&ldd).contains("not a dynamic executable"),
        "ldd: {}",
        both(&ldd)
    );
    assert!(r.stderr.contains("Successfully signed"), "{}", r.stderr);
    for f in expected
        .iter()
        .chain([&format!("bin/{}/clearml-sso", plugin_platform())])
    {
        eprintln!(
            "artifact {f}: {} bytes",
            std::fs::metadata(r.file(f)).unwrap().len()
        );
    }
}

/// The man page the release ships is the static binary's `clearml-sso man`: roff that groff
/// formats without a warning, naming every subcommand `--help` lists; the completions are the
/// binary's too. All are covered by the signed SHA256SUMS (checked above).
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn release_ships_the_man_page_and_completions() {
    let r = release();
    let binary = r
        .out
        .join("bin")
        .join(plugin_platform())
        .join("clearml-sso");
    let page = std::fs::read_to_string(r.file("clearml-sso.1")).unwrap();
    let made = Command::new(&binary).arg("man").output().unwrap();
    assert!(made.status.success());
    assert_eq!(page, text(&made.stdout), "the shipped page is the binary's");
    assert!(
        page.lines().any(|l| l.starts_with(".TH clearml-sso 1 ")),
        "{page}"
    );
    // groff: -ww all warnings, -z no output; a malformed page warns or fails.
    let groff = Command::new(system_tool("groff"))
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(r.file("clearml-sso.1"))
        .output()
        .unwrap();
    assert!(
        groff.status.success() && groff.stderr.is_empty(),
        "groff: {}",
        both(&groff)
    );
    let shown = Command::new(system_tool("groff"))
        .args(["-man", "-Tutf8", "-P", "-c"])
        .arg(r.file("clearml-sso.1"))
        .env("GROFF_NO_SGR", "1")
        .output()
        .unwrap();
    assert!(shown.status.success(), "{}", both(&shown));
    // Formatted text: hyphenation and overstrikes aside, each subcommand is named.
    let shown: String = text(&shown.stdout)
        .replace("\u{2010}", "-")
        .replace("\u{2011}", "-");
    let help = Command::new(&binary).arg("--help").output().unwrap();
    let help = text(&help.stdout);
    let commands: Vec<&str> = help
        .split_once("Commands:\n")
        .expect("a Commands: section")
        .1
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(commands.len() >= 7, "{commands:?}");
    for c in &commands {
        assert!(
            shown.contains(&format!("clearml-sso-{c}(1)")),
            "the man page names {c}:\n{shown}"
        );
    }
    for (file, shell) in [
        ("clearml-sso.bash", "bash"),
        ("_clearml-sso", "zsh"),
        ("clearml-sso.fish", "fish"),
    ] {
        let script = std::fs::read(r.file(file)).unwrap();
        let made = Command::new(&binary)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(made.status.success() && !script.is_empty());
        assert_eq!(
            script, made.stdout,
            "{file} is the binary's {shell} completion"
        );
    }
    let bash_n = Command::new(bash())
        .arg("-n")
        .arg(r.file("clearml-sso.bash"))
        .output()
        .unwrap();
    assert!(bash_n.status.success(), "bash -n: {}", both(&bash_n));
}

/// The release workflow's `gh release create` uploads every file this signed release holds
/// besides `bin/`, and each file it uploads is one of them (its `*` covers the other platforms).
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn the_release_workflow_uploads_every_file_scripts_release_made() {
    use crate::harness::release::{glob_matches, workflow_uploads};
    let r = release();
    let uploads = workflow_uploads(&version());
    let made: Vec<String> = std::fs::read_dir(&r.out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != "bin")
        .collect();
    assert!(made.len() >= 5, "{made:?}");
    for file in &made {
        assert!(
            uploads.iter().any(|p| glob_matches(p, file)),
            "release.yml does not upload {file} (uploads: {uploads:?})"
        );
    }
    for pattern in &uploads {
        assert!(
            made.iter().any(|f| glob_matches(pattern, f)),
            "release.yml uploads {pattern}, which scripts/release did not make ({made:?})"
        );
    }
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_installs_the_signed_plugin_from_the_file_and_renders() {
    let r = release();
    let home = HelmHome::new();
    let out = home.install(r.tgz().to_str().unwrap(), &r.keyring, &[]);
    assert_verified_install(&out, "file");
    assert!(home.has_plugin());
    assert_rendered(&home.render(&tool("HELM4_BIN"), None), "plugin from file");
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_installs_the_signed_plugin_over_http_and_renders() {
    let r = release();
    let port = Server::serve(&r.out).port;
    let home = HelmHome::new();
    let url = format!("http://127.0.0.1:{port}/clearml-sso-{}.tgz", version());
    let out = home.install(&url, &r.keyring, &[]);
    assert_verified_install(&out, "http");
    assert_rendered(&home.render(&tool("HELM4_BIN"), None), "plugin over http");
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn release_pushes_to_an_oci_registry_and_helm4_installs_from_it() {
    let r = release();
    let registry = Registry::start();
    // The release job's steps: binaries already under OUT/bin, then package, sign with the
    // default key of a fresh keyring, and push.
    let out = tempfile::tempdir().unwrap();
    let bin_dir = out.path().join("bin").join(plugin_platform());
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::fs::copy(
        r.out
            .join("bin")
            .join(plugin_platform())
            .join("clearml-sso"),
        bin_dir.join("clearml-sso"),
    )
    .unwrap();
    let gnupg = GpgHome::with_key(KEY_UID);
    let repo = format!("127.0.0.1:{}/e2e/clearml-sso", registry.port);
    let oras = tool("CLEARML_SSO_ORAS_PYTHON");
    let pushed = release_script(
        &[
            "--no-build",
            "--no-images",
            "--push",
            &repo,
            "--plain-http",
            out.path().to_str().unwrap(),
        ],
        gnupg.path(),
        &[("CLEARML_SSO_ORAS_PYTHON", oras.to_str().unwrap())],
    );
    assert!(pushed.status.success(), "release --push: {}", both(&pushed));
    let keyring = out.path().join("clearml-sso-signing-key.gpg");
    for tag in [version().as_str(), "latest"] {
        let home = HelmHome::new();
        let source = format!("oci://{repo}:{tag}");
        let installed = home.install(&source, &keyring, &["--plain-http"]);
        assert_verified_install(&installed, &source);
        assert_rendered(&home.render(&tool("HELM4_BIN"), None), &source);
    }
    // Signed by this key, not the shared release's: the other keyring must not verify it.
    let home = HelmHome::new();
    let wrong = home.install(
        &format!("oci://{repo}:latest"),
        &r.keyring,
        &["--plain-http"],
    );
    assert!(
        !wrong.status.success(),
        "a foreign key verified it: {}",
        both(&wrong)
    );
    assert!(!home.has_plugin());
    drop(registry);
}

/// The plugin files copied under `names` (tgz name, prov name or None) into a fresh dir.
fn copy_release(names: (&str, Option<&str>)) -> (tempfile::TempDir, PathBuf) {
    let r = release();
    let dir = tempfile::tempdir().unwrap();
    let tgz = dir.path().join(names.0);
    std::fs::copy(r.tgz(), &tgz).unwrap();
    if let Some(prov) = names.1 {
        let mut source = r.tgz().into_os_string();
        source.push(".prov");
        std::fs::copy(source, dir.path().join(prov)).unwrap();
    }
    (dir, tgz)
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_refuses_a_tampered_tarball() {
    let v = version();
    let tgz_name = format!("clearml-sso-{v}.tgz");
    let (_dir, tgz) = copy_release((&tgz_name, Some(&format!("{tgz_name}.prov"))));
    let mut bytes = std::fs::read(&tgz).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&tgz, bytes).unwrap();
    let home = HelmHome::new();
    let out = home.install(tgz.to_str().unwrap(), &release().keyring, &[]);
    assert!(
        !out.status.success(),
        "tampered tarball installed: {}",
        both(&out)
    );
    assert!(
        both(&out).contains("sha256 sum does not match"),
        "{}",
        both(&out)
    );
    assert!(!home.has_plugin());
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_refuses_a_tarball_without_its_prov() {
    let (_dir, tgz) = copy_release((&format!("clearml-sso-{}.tgz", version()), None));
    let home = HelmHome::new();
    let out = home.install(tgz.to_str().unwrap(), &release().keyring, &[]);
    assert!(
        !out.status.success(),
        "unsigned tarball installed: {}",
        both(&out)
    );
    assert!(both(&out).contains("no provenance file"), "{}", both(&out));
    assert!(!home.has_plugin());
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_refuses_a_renamed_tarball() {
    // The .prov names the file it signs: a renamed tarball (with its .prov renamed alike) fails.
    let (_dir, tgz) = copy_release(("clearml-sso.tgz", Some("clearml-sso.tgz.prov")));
    let home = HelmHome::new();
    let out = home.install(tgz.to_str().unwrap(), &release().keyring, &[]);
    assert!(
        !out.status.success(),
        "renamed tarball installed: {}",
        both(&out)
    );
    assert!(!home.has_plugin());
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn static_binary_renders_in_an_empty_root_with_helm4() {
    let r = release();
    // Only the static Helm 4, the signed plugin, its key and the inputs: no libc, no /proc,
    // no /dev, no shell.
    let empty = tempfile::tempdir().unwrap();
    let root_dir = empty.path();
    let input = root_dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::create_dir_all(root_dir.join("tmp")).unwrap();
    std::fs::copy(tool("HELM4_BIN"), root_dir.join("helm")).unwrap();
    let tgz_name = format!("clearml-sso-{}.tgz", version());
    std::fs::copy(r.tgz(), input.join(&tgz_name)).unwrap();
    std::fs::copy(
        r.file(&format!("{tgz_name}.prov")),
        input.join(format!("{tgz_name}.prov")),
    )
    .unwrap();
    std::fs::copy(&r.keyring, input.join("key.gpg")).unwrap();
    std::fs::copy(
        root().join("examples/values-sso-secret.yaml"),
        input.join("values.yaml"),
    )
    .unwrap();
    std::fs::copy(
        root().join("policies/keycloak.toml"),
        input.join("keycloak.toml"),
    )
    .unwrap();
    let cp = Command::new(system_tool("cp"))
        .arg("-r")
        .arg(root().join("examples/chart/clearml"))
        .arg(input.join("chart"))
        .status()
        .unwrap();
    assert!(cp.success());
    assert!(!root_dir.join("proc").exists() && !root_dir.join("lib").exists());

    let chroot = |args: &[&str]| -> Output {
        // As root (CI) a plain chroot; otherwise inside a user namespace that maps us to root.
        let is_root = std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"));
        let mut cmd = if is_root {
            Command::new(system_tool("chroot"))
        } else {
            let mut c = Command::new(system_tool("unshare"));
            c.arg("-r").arg(system_tool("chroot"));
            c
        };
        cmd.arg(root_dir).arg("/helm").args(args).env_clear().envs([
            ("HOME", "/"),
            ("HELM_CACHE_HOME", "/h/cache"),
            ("HELM_CONFIG_HOME", "/h/config"),
            ("HELM_DATA_HOME", "/h/data"),
            ("HELM_PLUGINS", "/h/data/plugins"),
        ]);
        cmd.output().unwrap()
    };
    let installed = chroot(&[
        "plugin",
        "install",
        &format!("/in/{tgz_name}"),
        "--keyring",
        "/in/key.gpg",
    ]);
    assert_verified_install(&installed, "empty root");
    let rendered = chroot(&[
        "template",
        "clearml",
        "/in/chart",
        "-f",
        "/in/values.yaml",
        "--post-renderer",
        "clearml-sso",
        "--post-renderer-args",
        "--policy=/in/keycloak.toml",
    ]);
    assert_rendered(&rendered, "empty root");
    assert!(!root_dir.join("proc").exists(), "nothing mounted /proc");
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn one_command_line_works_in_helm3_through_path_and_helm4_as_the_plugin() {
    let r = release();
    // Helm 3: the released bare binary on PATH, nothing else there.
    let bare = tempfile::tempdir().unwrap();
    let untar = Command::new(system_tool("tar"))
        .arg("-xzf")
        .arg(r.file(&format!(
            "clearml-sso-{}-{}.tar.gz",
            version(),
            plugin_platform()
        )))
        .arg("-C")
        .arg(bare.path())
        .status()
        .unwrap();
    assert!(untar.success());
    let helm3 = HelmHome::new();
    let out3 = helm3.render(&tool("HELM3_BIN"), Some(bare.path().to_str().unwrap()));
    assert_rendered(&out3, "Helm 3, clearml-sso on PATH");
    // Without it on PATH, Helm 3 cannot find the same name: PATH is what resolved it.
    let empty = tempfile::tempdir().unwrap();
    let missing = helm3.render(&tool("HELM3_BIN"), Some(empty.path().to_str().unwrap()));
    assert!(!missing.status.success(), "{}", both(&missing));

    // Helm 4: the same arguments, resolved as the installed plugin (PATH has no clearml-sso).
    let helm4 = HelmHome::new();
    assert_verified_install(
        &helm4.install(r.tgz().to_str().unwrap(), &r.keyring, &[]),
        "file",
    );
    let out4 = helm4.render(&tool("HELM4_BIN"), Some(empty.path().to_str().unwrap()));
    assert_rendered(&out4, "Helm 4, the plugin");
}

/// A PATH directory with only the tools scripts/install-plugin uses (no cargo, no rustc, no
/// helm): links to the system's.
fn tools_only_path() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "bash",
        "env",
        "uname",
        "mktemp",
        "rm",
        "mkdir",
        "cp",
        "chmod",
        "mv",
        "awk",
        "sed",
        "head",
        "tar",
        "gzip",
        "sha256sum",
        "curl",
        "grep",
        "cat",
        "dirname",
        "ls",
        "tr",
        "gpgv",
    ] {
        std::os::unix::fs::symlink(system_tool(name), dir.path().join(name)).unwrap();
    }
    dir
}

fn install_plugin_script(
    home: &Path,
    path: &str,
    helm: &Path,
    base: &str,
    extra: &[(&str, String)],
) -> Output {
    // The copy the release published, the release key pinned in it.
    let mut cmd = Command::new(system_tool("bash"));
    cmd.arg(release().file("install-plugin"))
        .env_clear()
        .env("HOME", home)
        .env("PATH", path)
        .env("HELM_BIN", helm)
        .env("CLEARML_SSO_RELEASES", base)
        .current_dir(home)
        .stdin(Stdio::null());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn install_plugin_installs_and_updates_for_helm4_and_helm3_without_rust() {
    let r = release();
    let port = Server::serve(&r.out).port;
    let base = format!("http://127.0.0.1:{port}/");
    let tools = tools_only_path();
    let user = tempfile::tempdir().unwrap();
    let bin_dir = user.path().join(".local/bin");
    let path = format!("{}:{}", bin_dir.display(), tools.path().display());
    assert!(!tools.path().join("cargo").exists() && !bin_dir.join("cargo").exists());
    // Helm 4 with its default locations under this HOME; Helm 3 with its own plugin directory,
    // as docs/install.md advises, so the Helm 4 plugin cannot break it.
    let data = user.path().join(".local/share/helm");
    let helm3_plugins = user.path().join(".local/share/helm3/plugins");
    let helm3_extra = [("HELM_PLUGINS", helm3_plugins.display().to_string())];

    for round in ["install", "update"] {
        let out = install_plugin_script(user.path(), &path, &tool("HELM4_BIN"), &base, &[]);
        let all = both(&out);
        assert!(out.status.success(), "Helm 4 {round}: {all}");
        assert!(
            all.contains("Plugin Hash Verified"),
            "Helm 4 {round}: {all}"
        );
        if round == "update" {
            assert!(
                all.contains("removing the installed clearml-sso plugin first"),
                "{all}"
            );
        }
        assert!(
            data.join("plugins/clearml-sso/plugin.yaml").exists(),
            "{all}"
        );

        let out =
            install_plugin_script(user.path(), &path, &tool("HELM3_BIN"), &base, &helm3_extra);
        let all = both(&out);
        assert!(out.status.success(), "Helm 3 {round}: {all}");
        assert!(
            all.contains("Helm 3") && all.contains("cannot load the Helm 4 plugin"),
            "{all}"
        );
        assert!(
            all.contains(&format!(
                "installed clearml-sso {} at {}",
                version(),
                bin_dir.join("clearml-sso").display()
            )),
            "{all}"
        );
    }

    // Piped into bash, as `curl -fsSL …/scripts/install-plugin | bash -s -- --bin-dir DIR`:
    // no file, no checkout around it.
    let piped_dir = user.path().join("piped-bin");
    let mut piped = Command::new(system_tool("bash"));
    piped
        .args(["-s", "--", "--bin-dir", piped_dir.to_str().unwrap()])
        .env_clear()
        .env("HOME", user.path())
        .env("PATH", &path)
        .env("HELM_BIN", tool("HELM3_BIN"))
        .env("CLEARML_SSO_RELEASES", &base)
        .current_dir(user.path())
        .stdin(std::fs::File::open(r.file("install-plugin")).unwrap());
    let piped = piped.output().unwrap();
    assert!(piped.status.success(), "piped: {}", both(&piped));
    let installed = Command::new(piped_dir.join("clearml-sso"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        text(&installed.stdout).trim(),
        format!("clearml-sso {}", version())
    );

    // Render with each, the same command line, as this user (HOME) with PATH as installed.
    let render = |helm: &Path, extra: &[(&str, String)]| -> Output {
        let mut cmd = Command::new(helm);
        cmd.args(render_args())
            .current_dir(root())
            .env_clear()
            .env("HOME", user.path())
            .env("PATH", &path);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    assert_rendered(
        &render(&tool("HELM4_BIN"), &[]),
        "Helm 4 after install-plugin",
    );
    let out3 = render(&tool("HELM3_BIN"), &helm3_extra);
    assert_rendered(&out3, "Helm 3 after install-plugin");
    assert!(
        !text(&out3.stderr).contains("failed to load plugins"),
        "{}",
        text(&out3.stderr)
    );

    // The hazard the docs describe: on the shared default plugin directory, every Helm 3
    // command complains about the Helm 4 plugin and `helm plugin` commands fail.
    let shared = render(&tool("HELM3_BIN"), &[]);
    assert!(
        text(&shared.stderr).contains("failed to load plugins")
            && text(&shared.stderr).contains("unknown field \"apiVersion\""),
        "{}",
        both(&shared)
    );
    let warned = install_plugin_script(user.path(), &path, &tool("HELM3_BIN"), &base, &[]);
    assert!(warned.status.success(), "{}", both(&warned));
    assert!(
        text(&warned.stderr).contains("WARNING: Helm 3's plugin directory"),
        "install-plugin points out the Helm 4 plugin in Helm 3's directory: {}",
        both(&warned)
    );
    let mut list = Command::new(tool("HELM3_BIN"));
    list.args(["plugin", "list"])
        .env_clear()
        .env("HOME", user.path())
        .env("PATH", &path);
    let list = list.output().unwrap();
    assert!(!list.status.success(), "{}", both(&list));
    assert!(
        text(&list.stderr).contains("unknown field"),
        "{}",
        both(&list)
    );
}

/// An update from a release whose plugin fails verification (here: repacked with another
/// binary that claims the version, SHA256SUMS rewritten to match, the .prov and key left as signed) keeps the installed
/// plugin: install-plugin verifies the new tarball before it uninstalls the old one. And
/// `--binary` with Helm 4 installs the binary but says Helm 4 will not run it from PATH.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn install_plugin_keeps_the_installed_plugin_when_an_update_fails_verification() {
    let r = release();
    let v = version();
    let tgz_name = format!("clearml-sso-{v}.tgz");
    let good = format!("http://127.0.0.1:{}/", Server::serve(&r.out).port);
    let tools = tools_only_path();
    let user = tempfile::tempdir().unwrap();
    let path = format!(
        "{}:{}",
        user.path().join(".local/bin").display(),
        tools.path().display()
    );
    let helm4 = tool("HELM4_BIN");
    let out = install_plugin_script(user.path(), &path, &helm4, &good, &[]);
    assert!(out.status.success(), "{}", both(&out));
    let installed = user
        .path()
        .join(".local/share/helm/plugins/clearml-sso/bin")
        .join(plugin_platform())
        .join("clearml-sso");
    let before = std::fs::read(&installed).unwrap();

    // The bad release: the same files, the plugin tarball repacked with a script as its binary.
    let bad = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&r.out).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), bad.path().join(entry.file_name())).unwrap();
        }
    }
    let unpacked = tempfile::tempdir().unwrap();
    let tar = system_tool("tar");
    let x = run_in(
        &tar,
        &[
            "-xzf",
            r.tgz().to_str().unwrap(),
            "-C",
            unpacked.path().to_str().unwrap(),
        ],
        b"",
        None,
        &[],
    );
    assert!(x.status.success(), "{}", both(&x));
    let binary = unpacked
        .path()
        .join("clearml-sso/bin")
        .join(plugin_platform())
        .join("clearml-sso");
    // It claims the release's version (install-plugin asks the binary before it installs), so
    // that only Helm's .prov check can tell it from the real one.
    std::fs::write(&binary, format!("#!/bin/sh\necho clearml-sso {v}\n")).unwrap();
    let c = run_in(
        &tar,
        &[
            "-czf",
            bad.path().join(&tgz_name).to_str().unwrap(),
            "-C",
            unpacked.path().to_str().unwrap(),
            "clearml-sso",
        ],
        b"",
        None,
        &[],
    );
    assert!(c.status.success(), "{}", both(&c));
    let sum = run_in(
        &system_tool("sha256sum"),
        &[&tgz_name],
        b"",
        Some(bad.path()),
        &[],
    );
    let sum = text(&sum.stdout);
    let sums = std::fs::read_to_string(bad.path().join("SHA256SUMS")).unwrap();
    let sums: String = sums
        .lines()
        .map(|l| if l.ends_with(&format!("  {tgz_name}")) { sum.trim_end().to_string() } else { l.to_string() } + "\n")
        .collect();
    assert!(sums.contains(sum.trim_end()), "{sums}");
    std::fs::write(bad.path().join("SHA256SUMS"), sums).unwrap();
    // SHA256SUMS is signed: to get as far as Helm's own check, the rewritten sums are signed by
    // a second key that the user's --keyring also holds (with the release key, which signed
    // the .prov).
    let second = GpgHome::with_key("second key <second@example.invalid>");
    let asc = bad.path().join("SHA256SUMS.asc");
    second.detach_sign(&bad.path().join("SHA256SUMS"), &asc);
    let mut both_keys = std::fs::read(&r.keyring).unwrap();
    both_keys.extend(second.gpg(&["--batch", "--export"]).stdout);
    let keyring = user.path().join("both-keys.gpg");
    std::fs::write(&keyring, both_keys).unwrap();
    let bad_url = format!("http://127.0.0.1:{}/", Server::serve(bad.path()).port);

    let out = install_plugin_script(user.path(), &path, &helm4, &bad_url, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(
        both(&out).contains("not a valid signature by the pinned release key"),
        "without --keyring the second key is refused: {}",
        both(&out)
    );
    let mut cmd = Command::new(system_tool("bash"));
    cmd.arg(r.file("install-plugin"))
        .args(["--keyring", keyring.to_str().unwrap()])
        .env_clear()
        .env("HOME", user.path())
        .env("PATH", &path)
        .env("HELM_BIN", &helm4)
        .env("CLEARML_SSO_RELEASES", &bad_url)
        .current_dir(user.path())
        .stdin(Stdio::null());
    let out = cmd.output().unwrap();
    let all = both(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("sha256 sum does not match")
            && all
                .contains("failed verification (above); the installed clearml-sso plugin is kept"),
        "{all}"
    );
    assert!(!all.contains("Uninstalled plugin"), "{all}");
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        before,
        "the plugin was replaced"
    );
    let render = Command::new(&helm4)
        .args(render_args())
        .current_dir(root())
        .env_clear()
        .env("HOME", user.path())
        .env("PATH", &path)
        .output()
        .unwrap();
    assert_rendered(&render, "Helm 4 after a refused update");

    // --binary with Helm 4: installed, and told that Helm 4 runs plugins, not PATH.
    let bin_dir = user.path().join("binary-only");
    let out = Command::new(system_tool("bash"))
        .arg(r.file("install-plugin"))
        .args(["--binary", "--bin-dir", bin_dir.to_str().unwrap()])
        .env_clear()
        .env("HOME", user.path())
        .env("PATH", &path)
        .env("HELM_BIN", &helm4)
        .env("CLEARML_SSO_RELEASES", &good)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let all = both(&out);
    assert!(out.status.success(), "{all}");
    assert!(bin_dir.join("clearml-sso").is_file(), "{all}");
    assert!(
        all.contains("Helm 4") && all.contains("does not run a post-renderer from PATH"),
        "{all}"
    );
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn release_without_a_key_is_unsigned_with_a_warning_and_a_named_missing_key_fails() {
    let r = release();
    let out = tempfile::tempdir().unwrap();
    let bin_dir = out.path().join("bin").join(plugin_platform());
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::fs::copy(
        r.out
            .join("bin")
            .join(plugin_platform())
            .join("clearml-sso"),
        bin_dir.join("clearml-sso"),
    )
    .unwrap();
    let no_keys = GpgHome::empty();
    let unsigned = release_script(
        &["--no-build", "--no-images", out.path().to_str().unwrap()],
        no_keys.path(),
        &[],
    );
    assert!(unsigned.status.success(), "{}", both(&unsigned));
    assert!(
        text(&unsigned.stderr).contains("is NOT signed"),
        "{}",
        both(&unsigned)
    );
    let tgz = out.path().join(format!("clearml-sso-{}.tgz", version()));
    assert!(tgz.exists());
    assert!(!out
        .path()
        .join(format!("clearml-sso-{}.tgz.prov", version()))
        .exists());
    let sums = std::fs::read_to_string(out.path().join("SHA256SUMS")).unwrap();
    assert!(!sums.contains(".prov"), "{sums}");
    // Nothing signs SHA256SUMS, and the published install scripts pin no key: they refuse it.
    assert!(!out.path().join("SHA256SUMS.asc").exists());
    for script in ["install-plugin", "install-binary"] {
        let published = std::fs::read_to_string(out.path().join(script)).unwrap();
        assert!(
            published.lines().any(|l| l == "release_key_fpr=\"\""),
            "{script}"
        );
    }

    // The release workflow's --require-pin: never unsigned.
    let pinned = release_script(
        &[
            "--no-build",
            "--no-images",
            "--require-pin",
            out.path().to_str().unwrap(),
        ],
        no_keys.path(),
        &[],
    );
    assert!(!pinned.status.success(), "{}", both(&pinned));
    assert!(
        text(&pinned.stderr).contains("--require-pin: no signing key"),
        "{}",
        both(&pinned)
    );

    let named = release_script(
        &["--no-build", "--no-images", out.path().to_str().unwrap()],
        no_keys.path(),
        &[("CLEARML_SSO_SIGN_KEY", "nobody@example.invalid")],
    );
    assert!(!named.status.success(), "{}", both(&named));
    assert!(
        text(&named.stderr).contains("no secret gpg key 'nobody@example.invalid'"),
        "{}",
        both(&named)
    );
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_reads_an_exported_keyring_not_gpgs_keybox() {
    // The quirk docs/install.md describes: the key imported into a modern gpg (pubring.kbx)
    // does not let Helm verify with its default ~/.gnupg/pubring.gpg; `gpg --export` into that
    // file does.
    let r = release();
    let user = GpgHome::in_user_home();
    let gnupg = user.path();
    let home = HelmHome::new();
    let mut env = home.env();
    env.push(("HOME".into(), user.user_home().display().to_string()));
    env.push(("GNUPGHOME".into(), gnupg.display().to_string()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let gpg = tool("GPG_BIN");
    let imported = run_in(
        &gpg,
        &["--batch", "--import", r.keyring.to_str().unwrap()],
        b"",
        None,
        &env,
    );
    assert!(imported.status.success(), "{}", both(&imported));
    assert!(
        gnupg.join("pubring.kbx").exists(),
        "modern gpg keeps a keybox"
    );
    let tgz = r.tgz();
    let install = |env: &[(&str, &str)]| {
        run_in(
            &tool("HELM4_BIN"),
            &["plugin", "install", tgz.to_str().unwrap()],
            b"",
            None,
            env,
        )
    };
    let refused = install(&env);
    assert!(!refused.status.success(), "{}", both(&refused));
    assert!(both(&refused).contains("pubring.gpg"), "{}", both(&refused));
    let exported = run_in(&gpg, &["--batch", "--export"], b"", None, &env);
    assert!(exported.status.success() && !exported.stdout.is_empty());
    std::fs::write(gnupg.join("pubring.gpg"), &exported.stdout).unwrap();
    assert_verified_install(&install(&env), "default keyring after gpg --export");
}

/// The release workflow's signing path: an ASCII-armored private key with a passphrase (the
/// secret CLEARML_SSO_SIGNING_KEY) imported into an empty GNUPGHOME with `gpg --batch --import`,
/// named by fingerprint in CLEARML_SSO_SIGN_KEY, its passphrase in the file
/// CLEARML_SSO_SIGN_PASSPHRASE_FILE. scripts/release signs with it, never prints the
/// passphrase, and Helm 4 verifies the result with the public key it wrote.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn release_signs_with_an_imported_key_and_its_passphrase_file() {
    const UID: &str = "clearml-sso passphrase test <passphrase-test@example.invalid>";
    const PASSPHRASE: &str = "Wq8-correct-horse-7Zr";
    let r = release();
    // Where the key was made (a maintainer's machine), and the release job's empty home.
    let (maker, job) = (GpgHome::empty(), GpgHome::empty());
    let in_maker = |args: &[&str]| maker.gpg(args);
    let made = in_maker(&[
        "--batch",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        PASSPHRASE,
        "--quick-generate-key",
        UID,
        "rsa3072",
        "sign",
        "never",
    ]);
    assert!(made.status.success(), "{}", both(&made));
    let armored = in_maker(&[
        "--batch",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        PASSPHRASE,
        "--armor",
        "--export-secret-keys",
        UID,
    ]);
    assert!(armored.status.success(), "{}", both(&armored));
    assert!(text(&armored.stdout).starts_with("-----BEGIN PGP PRIVATE KEY BLOCK-----"));

    let imported = job.gpg_with_stdin(&["--batch", "--import"], &armored.stdout);
    assert!(imported.status.success(), "{}", both(&imported));
    let listed = job.gpg(&["--batch", "--with-colons", "--list-secret-keys"]);
    let fpr = text(&listed.stdout)
        .lines()
        .find(|l| l.starts_with("fpr:"))
        .and_then(|l| l.split(':').nth(9))
        .expect("the imported key's fingerprint")
        .to_string();
    let pass_file = job.path().join("sign-passphrase");
    std::fs::write(&pass_file, format!("{PASSPHRASE}\n")).unwrap();

    let out = tempfile::tempdir().unwrap();
    let bin_dir = out.path().join("bin").join(plugin_platform());
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::fs::copy(
        r.out
            .join("bin")
            .join(plugin_platform())
            .join("clearml-sso"),
        bin_dir.join("clearml-sso"),
    )
    .unwrap();
    let signed = release_script(
        &["--no-build", "--no-images", out.path().to_str().unwrap()],
        job.path(),
        &[
            ("CLEARML_SSO_SIGN_KEY", &fpr),
            (
                "CLEARML_SSO_SIGN_PASSPHRASE_FILE",
                pass_file.to_str().unwrap(),
            ),
        ],
    );
    assert!(signed.status.success(), "{}", both(&signed));
    assert!(
        !both(&signed).contains(PASSPHRASE),
        "the passphrase was printed"
    );
    assert!(
        !text(&signed.stderr).contains("NOT signed"),
        "{}",
        both(&signed)
    );
    let tgz = out.path().join(format!("clearml-sso-{}.tgz", version()));
    assert!(out
        .path()
        .join(format!("clearml-sso-{}.tgz.prov", version()))
        .is_file());
    // SHA256SUMS is signed by this key, and the published scripts pin it; the repository's
    // copies do not, which --require-pin (the release workflow's) refuses, saying what to set.
    assert!(out.path().join("SHA256SUMS.asc").is_file());
    for script in ["install-plugin", "install-binary"] {
        let published = std::fs::read_to_string(out.path().join(script)).unwrap();
        assert!(
            published
                .lines()
                .any(|l| l == format!("release_key_fpr=\"{fpr}\"")),
            "{script} pins {fpr}"
        );
    }
    let required = release_script(
        &[
            "--no-build",
            "--no-images",
            "--require-pin",
            out.path().to_str().unwrap(),
        ],
        job.path(),
        &[
            ("CLEARML_SSO_SIGN_KEY", &fpr),
            (
                "CLEARML_SSO_SIGN_PASSPHRASE_FILE",
                pass_file.to_str().unwrap(),
            ),
        ],
    );
    assert!(!required.status.success(), "{}", both(&required));
    assert!(
        text(&required.stderr).contains(&format!("set release_key_fpr=\"{fpr}\" in both")),
        "{}",
        both(&required)
    );
    let home = HelmHome::new();
    let keyring = out.path().join("clearml-sso-signing-key.gpg");
    let installed = home.install(tgz.to_str().unwrap(), &keyring, &[]);
    let all = both(&installed);
    assert!(installed.status.success(), "{all}");
    assert!(
        all.contains("Plugin Hash Verified") && all.contains(UID),
        "Helm did not verify the signature: {all}"
    );
    // The key the test release signed with does not verify this one.
    let home = HelmHome::new();
    let refused = home.install(tgz.to_str().unwrap(), &r.keyring, &[]);
    assert!(!refused.status.success(), "{}", both(&refused));
}
