//! Hostile inputs, each with its expected outcome written down. For every one: no panic
//! (exit 101), no hang (each run is killed after 20 s), and all-or-nothing output — stdout is
//! empty unless the exit code is 0.

use crate::harness::*;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const POLICY: &str = "--policy=tests/fixtures/policies/keycloak.toml";

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs `render` on `input` with a time limit.
fn render(input: &[u8]) -> Run {
    let mut child = Command::new(bin())
        .arg(POLICY)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let (tx, rx) = std::sync::mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            // SAFETY: signals the child this function started (libc, not the kill command:
            // plain `cargo test` needs nothing on PATH).
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!(
                "hang: no answer after 20 s on an input of {} bytes",
                input.len()
            );
        }
    };
    writer.join().unwrap();
    let code = out
        .status
        .code()
        .expect("exited by itself, not by a signal");
    let run = Run {
        code,
        stdout: out.stdout,
        stderr: text(&out.stderr),
    };
    assert_ne!(run.code, 101, "panic:\n{}", run.stderr);
    assert!(
        run.code == 0 || run.stdout.is_empty(),
        "exit {} with output",
        run.code
    );
    run
}

fn example() -> Vec<u8> {
    std::fs::read(root().join("examples/rendered/clearml.yaml")).unwrap()
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Expected: exit 0 (still valid YAML), 1 (e.g. the target or a Secret got damaged) or 3
/// (unreadable); never a panic, never output with a failure.
#[test]
fn byte_flips() {
    let base = example();
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut codes = [0usize; 4];
    for _ in 0..150 {
        let mut input = base.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(input.len());
            input[at] ^= 1 << rng.below(8);
        }
        let r = render(&input);
        assert!(matches!(r.code, 0 | 1 | 3), "exit {}: {}", r.code, r.stderr);
        codes[r.code as usize] += 1;
    }
    assert!(
        codes[0] > 0 && codes[3] > 0,
        "flips should both survive and break: {codes:?}"
    );
}

/// Expected: exit 0, 1 or 3 whatever the cut; a cut inside a UTF-8 sequence is exit 3.
#[test]
fn cuts_at_random_offsets() {
    let base = example();
    let mut rng = Rng(0x2545f4914f6cdd1d);
    for _ in 0..100 {
        let cut = rng.below(base.len());
        let r = render(&base[..cut]);
        assert!(
            matches!(r.code, 0 | 1 | 3),
            "cut at {cut}: exit {}: {}",
            r.code,
            r.stderr
        );
    }
    let r = render(
        "kind: ConfigMap\ndata: {a: \"é"
            .as_bytes()
            .split_last()
            .unwrap()
            .1,
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
}

/// Expected: exit 3 naming the line — YAML forbids tabs for indentation.
#[test]
fn tab_indentation() {
    let r = render(b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n");
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("line 4"), "{}", r.stderr);
}

/// Expected: Kubernetes keeps the last of a key given twice. In the target, which the tool's
/// parser refuses so, exit 0 with the document corrected in canonical form, holding only what
/// Kubernetes reads; in a document it only passes through, exit 0 and the bytes unchanged.
#[test]
fn duplicate_keys() {
    let target = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      containers:\n        - name: clearml-apiserver\n          image: a\n          image: b\n";
    let r = render(target.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("note[canonical-form]") && r.stderr.contains("duplicate key `image`"),
        "{}",
        r.stderr
    );
    let out = text(&r.stdout);
    assert!(
        out.contains("image: b\n") && !out.contains("image: a"),
        "{out}"
    );
    let passthrough = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec: {}\nspec: {}\n";
    let input = format!("{}---\n{passthrough}", text(&example()));
    let r = render(input.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(text(&r.stdout).ends_with(&format!("---\n{passthrough}")));
}

/// Expected: a "billion laughs" document costs nothing and is refused wherever it is, as
/// Kubernetes' reader refuses it ("excessive aliasing"): exit 3 at once, stdout empty — also in
/// a kind the tool never reads and a ConfigMap nothing refers to (the tool's own parser would
/// pass those; Kubernetes' reader decides). Inside the target document, anchors and aliases
/// outside the container survive the rewrite unexpanded.
#[test]
fn anchors_and_an_alias_bomb() {
    let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let indented = bomb
        .lines()
        .map(|l| format!("    {l}\n"))
        .collect::<String>();
    // A kind the tool never reads (a Service is read: its link variables reach the apiserver).
    let service = format!(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: bomb\n  annotations:\n{indented}"
    );
    let input = format!("{}---\n{service}", text(&example()));
    let start = Instant::now();
    let r = render(input.as_bytes());
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("excessive aliasing"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(start.elapsed() < Duration::from_secs(5));
    let configmap = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n{}",
        &indented.replace("    ", "  ")
    );
    // A ConfigMap no target refers to is only validated, by Kubernetes' reader: refused.
    let r = render(format!("{}---\n{configmap}", text(&example())).as_bytes());
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("excessive aliasing"), "{}", r.stderr);
    // One the apiserver reads (envFrom) must be read as Kubernetes does: refused at once.
    let reading = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      containers:\n        - name: clearml-apiserver\n          image: a\n          envFrom:\n            - configMapRef: {{name: bomb}}\n---\n{configmap}"
    );
    let start = Instant::now();
    let r = render(reading.as_bytes());
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("excessive aliasing"), "{}", r.stderr);
    assert!(start.elapsed() < Duration::from_secs(5));
    // So is a Service: Kubernetes refuses it too, and the release with it.
    let r = render(
        format!(
            "{}---\n{}",
            text(&example()),
            service.replace("kind: ServiceAccount", "kind: Service")
        )
        .as_bytes(),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("excessive aliasing"), "{}", r.stderr);
    let target = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\n  annotations: {x: &x [a, b], y: *x}\nspec:\n  template:\n    spec:\n      containers:\n        - name: clearml-apiserver\n          image: a\n";
    let r = render(target.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = text(&r.stdout);
    assert!(
        out.contains("  annotations: {x: &x [a, b], y: *x}\n"),
        "the anchor and alias outside the container are kept as written: {out}"
    );
}

/// Expected: exit 3 ("nesting"/"recursion limit"), no stack overflow.
#[test]
fn two_hundred_thousand_levels_of_nesting() {
    for (open, close) in [("[", "]"), ("{a: ", "}")] {
        let input = format!(
            "kind: ConfigMap\ndata: {}{}\n",
            open.repeat(200_000),
            close.repeat(200_000)
        );
        let r = render(input.as_bytes());
        assert_eq!(r.code, 3, "{}", r.stderr);
        let deep = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec: {}\n", open.repeat(200_000));
        assert_eq!(render(deep.as_bytes()).code, 3);
    }
}

/// Expected: exit 3, "not UTF-8" with the line.
#[test]
fn not_utf8() {
    let mut input = example();
    input.extend_from_slice(b"\n# \xff\xfe\n");
    let r = render(&input);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("not UTF-8"), "{}", r.stderr);
}

/// Expected: exit 3, "NUL byte" with the line.
#[test]
fn nul_bytes() {
    let mut input = example();
    input.splice(10..10, [0u8]);
    let r = render(&input);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("line 2: NUL byte in the input"),
        "{}",
        r.stderr
    );
}

/// Expected: a 5 MB line in a ConfigMap passes through (exit 0, byte for byte) quickly.
#[test]
fn a_five_megabyte_line() {
    let long = "x".repeat(5 * 1024 * 1024);
    let configmap =
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: {long}\n");
    let input = format!("{}---\n{configmap}", text(&example()));
    let start = Instant::now();
    let r = render(input.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(text(&r.stdout).ends_with(&configmap));
    assert!(start.elapsed() < Duration::from_secs(10));
}

/// Expected: empty and comment-only input have no target: exit 1 (`no-target`), no output.
#[test]
fn empty_and_comment_only_input() {
    for input in ["", "# just a comment\n", "---\n# Source: x.yaml\n---\n"] {
        let r = render(input.as_bytes());
        assert_eq!(r.code, 1, "{input:?}: {}", r.stderr);
        assert!(r.stderr.contains("error[no-target]"), "{}", r.stderr);
    }
}

/// Expected: a BOM and CRLF line ends are kept: exit 0, output starts with the BOM, every
/// line still ends in CRLF, untouched documents byte for byte.
#[test]
fn bom_and_crlf() {
    let crlf = text(&example()).replace('\n', "\r\n");
    let input = format!("\u{feff}{crlf}");
    let r = render(input.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = text(&r.stdout);
    assert!(out.starts_with('\u{feff}'));
    assert!(
        out.split_inclusive('\n').all(|l| l.ends_with("\r\n")),
        "every line ends in CRLF"
    );
    let docs_in = clearml_sso::stream::split(&input);
    let docs_out = clearml_sso::stream::split(&out);
    let same = docs_in
        .iter()
        .zip(&docs_out)
        .filter(|(a, b)| a.raw == b.raw)
        .count();
    assert_eq!(same, docs_in.len() - 1, "only the apiserver changes");
}

/// JSON-form documents: a JSON Secret, an untouched JSON Service, the target as JSON.
const JSON_FORM: &str = r#"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "clearml-sso"}, "stringData": {"keycloak_client_id": "id", "keycloak_client_secret": "s3cr3t-value"}}
---
{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}, "spec": {"ports": [{"port": 80}]}}
---
{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "clearml-apiserver"}, "spec": {"template": {"spec": {"containers": [{"name": "clearml-apiserver", "image": "a", "env": [{"name": "A", "value": "on"}]}]}}}}
"#;

/// Expected: JSON-form documents are YAML: the target is found and rewritten (exit 0), a
/// JSON Secret is read, other JSON documents pass through unchanged.
#[test]
fn json_form_documents() {
    let r = render(JSON_FORM.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = text(&r.stdout);
    assert!(
        out.contains("{\"apiVersion\": \"v1\", \"kind\": \"Service\""),
        "untouched JSON document kept"
    );
    assert!(
        out.contains("CLEARML__secure__login__sso__oauth_client__keycloak__client_secret"),
        "{out}"
    );
}

/// Expected: what ClearML reads from the rewritten JSON-form target is the policy's settings.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn json_form_documents_read_back() {
    let r = render(JSON_FORM.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let config = clearml_config(&text(&r.stdout), "clearml-apiserver", "clearml-apiserver");
    assert_eq!(sso(&config, "services", "keycloak")["idp_logout"], true);
    assert_eq!(
        config["services"]["login"]["sso"]["oauth_client"]["keycloak"]["base_url"],
        "https://sso.acme.test/realms/clearml/"
    );
}

/// Expected: env names ClearML would read as a config path with HOCON syntax in it — ` #`
/// inside, `: yes` at the end, a BOM inside — are refused (exit 1, `hocon-in-name`), and never
/// printed: such a name could carry a credential into ClearML's config.
#[test]
fn names_with_hocon_syntax_are_refused_unprinted() {
    let input = std::fs::read(root().join("tests/fixtures/names-needing-quotes.yaml")).unwrap();
    let r = render(&input);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert_eq!(
        r.stderr.matches("error[hocon-in-name]").count(),
        3,
        "{}",
        r.stderr
    );
    for shown in ["a #b", "debug: yes", "\u{feff}", "x__debug"] {
        assert!(
            !r.stderr.contains(shown),
            "{shown:?} printed:\n{}",
            r.stderr
        );
    }
}

/// Expected (issue 8): a name the tool trims and writes back, and a key longer than an
/// implicit key may be once escaped: exit 0, both read back exactly, and rendering the output
/// again exits 0 with the same bytes (it used to exit 3).
#[test]
fn names_that_need_quotes_read_back() {
    let fixture =
        std::fs::read_to_string(root().join("tests/fixtures/names-needing-quotes.yaml")).unwrap();
    // Without the three names that are refused (see above): each is two lines.
    let mut lines: Vec<&str> = Vec::new();
    let mut skip = 0;
    for line in fixture.lines() {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        if line.contains("a #b") || line.contains("debug: yes") || line.contains("\\ufeffb") {
            skip = 1;
            continue;
        }
        lines.push(line);
    }
    let input = lines.join("\n") + "\n";
    let first = render(input.as_bytes());
    assert_eq!(first.code, 0, "{}", first.stderr);
    let out = text(&first.stdout);
    let second = render(&first.stdout);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(
        text(&second.stdout),
        out,
        "a second render changed the output"
    );
    let env = pod_env(&out, "clearml-apiserver", "clearml-apiserver");
    assert_eq!(
        env.get("CLEARML__services__login__sso__oauth_client__keycloak__display_name")
            .map(String::as_str),
        Some("Keycloak"),
        "the trimmed name in\n{out}"
    );
    let key = "\u{1}".repeat(300);
    assert_eq!(
        documents(&out)[0]["metadata"]["annotations"][key.as_str()],
        "control characters"
    );
}

/// Expected: a passed-through document Kubernetes' reader refuses and the tool's own parser
/// reads is refused (exit 3, naming the document, stdout empty). Found by an attack
/// (tests/fixtures/attack-found/session5): a tab after `-`, `\/` in a double-quoted scalar,
/// `.inf`, a null key and content after a `...` line (which Kubernetes drops), in a
/// Deployment the tool neither edits nor reads, exited 0.
#[test]
fn a_passed_through_document_kubernetes_refuses_is_refused() {
    for (file, why) in [
        (
            "tab-after-dash-in-unread-deployment.yaml",
            "found character that cannot start any token",
        ),
        (
            "dq-slash-escape-in-unread-deployment.yaml",
            "found unknown escape character",
        ),
        (
            "float-inf-in-unread-deployment.yaml",
            "a NaN or infinite number has no JSON form",
        ),
        (
            "null-key-in-unread-deployment.yaml",
            "Unsupported map key of type: nil",
        ),
        (
            "doc-end-inside-unread-deployment.yaml",
            "line 97, column 1 (document 5): Kubernetes' YAML reader would not read this document: content after this `...` line",
        ),
    ] {
        let input = std::fs::read(
            root()
                .join("tests/fixtures/attack-found/session5")
                .join(file),
        )
        .unwrap();
        let r = render(&input);
        assert_eq!(r.code, 3, "{file}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{file}");
        assert!(
            r.stderr
                .contains("Kubernetes' YAML reader would not read this document")
                && r.stderr.contains(why),
            "{file}: {}",
            r.stderr
        );
        // `diff` shows nothing and `check --format json` reports it as `unreadable-input`,
        // both with exit 3, as docs/cli.md says.
        let policy = root().join("bench/policy.toml");
        let policy = policy.to_str().unwrap();
        let diff = crate::harness::run(&["diff", "--policy", policy], &input);
        assert_eq!(diff.status.code(), Some(3), "{file}: diff");
        assert!(diff.stdout.is_empty(), "{file}: diff");
        let check = crate::harness::run(&["check", "--format", "json", "--policy", policy], &input);
        assert_eq!(check.status.code(), Some(3), "{file}: check");
        let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
        let finding = &report["findings"][0];
        assert_eq!(finding["code"], "unreadable-input", "{file}: {report}");
        assert!(
            finding["message"].as_str().unwrap_or_default().contains(why),
            "{file}: {report}"
        );
    }
}
