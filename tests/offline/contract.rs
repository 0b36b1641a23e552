//! The CLI contract on every exit path, through the binary: exit 0, 1 (a violation), 2 (a
//! usage error, a policy error, a command line clap refuses) and 3 (unreadable input), each
//! for `render`, `diff` and `check` in every format. On failure `render` and `diff` keep stdout
//! empty; `--report` is written on every exit as valid JSON naming the error's code; `check`
//! prints a valid document in its format (parsed here: JSON with serde_json, JUnit with
//! roxmltree, SARIF and GitLab as JSON with their required fields); no output carries a
//! secret value. Also: document numbers agree across formats, `--chart-root`, and GitHub
//! annotations of a healthy render.

use crate::harness::*;
use std::path::Path;

const FORMATS: &[&str] = &["text", "json", "github", "gitlab", "sarif", "junit"];
/// A value that must never appear: planted in the policy, the input and a Secret.
const SECRET: &str = "Zq8vKx3mP0sW7nLr2TyB5cHd";
const EXAMPLE: &str = "examples/rendered/clearml.yaml";

/// One exit path: its policy, stdin (empty: an input file that does not exist is named
/// instead), expected exit code and the code every report must name (`None` for exit 0).
struct Case {
    name: &'static str,
    policy: String,
    input: Vec<u8>,
    code: i32,
    finding: Option<&'static str>,
}

fn cases(dir: &Path) -> Vec<Case> {
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let example = std::fs::read(root().join(EXAMPLE)).unwrap();
    let good = root().join("policies/keycloak.toml").display().to_string();
    let broken_policy = write(
        "broken.toml",
        &format!(
            "version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[providers.keycloak]\nclient_id = \"x\"\nclient_secret = \"{SECRET}\"\nclientsecret = \"{SECRET}\"\n"
        ),
    );
    // A violation: the policy reads Secret `keycloak-idp`, which the stream lacks.
    let violation_policy = root()
        .join("tests/fixtures/policies/keycloak-idp.toml")
        .display()
        .to_string();
    let broken_input = std::fs::read(root().join("tests/fixtures/check-broken.yaml")).unwrap();
    let mut not_yaml =
        format!("apiVersion: v1\nkind: Secret\nstringData:\n  k: {SECRET}\n").into_bytes();
    not_yaml.extend_from_slice(b"---\nkey: [unclosed\n");
    vec![
        Case {
            name: "ok",
            policy: good.clone(),
            input: example.clone(),
            code: 0,
            finding: None,
        },
        Case {
            name: "violation",
            policy: violation_policy,
            input: broken_input,
            code: 1,
            finding: Some("missing-secret"),
        },
        Case {
            name: "policy error",
            policy: broken_policy,
            input: example.clone(),
            code: 2,
            finding: Some("policy-error"),
        },
        Case {
            name: "missing policy file",
            policy: dir.join("absent.toml").display().to_string(),
            input: example,
            code: 2,
            finding: Some("policy-error"),
        },
        Case {
            name: "unreadable input",
            policy: good.clone(),
            input: not_yaml,
            code: 3,
            finding: Some("unreadable-input"),
        },
        Case {
            name: "input file missing",
            policy: good.clone(),
            input: Vec::new(),
            code: 3,
            finding: Some("unreadable-input"),
        },
        Case {
            name: "not UTF-8",
            policy: good,
            input: b"kind: \xff\xfe\n".to_vec(),
            code: 3,
            finding: Some("unreadable-input"),
        },
    ]
}

fn assert_no_secret(what: &str, out: &[u8]) {
    assert!(
        !text(out).contains(SECRET),
        "{what} printed the secret value"
    );
}

/// Reads a JSON report and checks what every one must hold.
fn assert_json_report(what: &str, json: &str, finding: Option<&str>) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{json}"));
    assert_eq!(v["version"], 1, "{what}");
    let findings = v["findings"].as_array().expect("findings");
    let errors = findings.iter().filter(|f| f["severity"] == "error").count();
    assert_eq!(v["errors"], errors, "{what}");
    match finding {
        Some(code) => assert!(
            findings
                .iter()
                .any(|f| f["code"] == code && f["severity"] == "error"),
            "{what}: no {code}:\n{json}"
        ),
        None => assert_eq!(errors, 0, "{what}:\n{json}"),
    }
    v
}

/// Checks `check`'s stdout in `format` is a valid document holding `finding`.
fn assert_document(what: &str, format: &str, out: &str, finding: Option<&str>) {
    match format {
        "json" => {
            assert_json_report(what, out, finding);
        }
        "sarif" => {
            let v: serde_json::Value = serde_json::from_str(out)
                .unwrap_or_else(|e| panic!("{what}: SARIF is not JSON ({e}):\n{out}"));
            assert_eq!(v["version"], "2.1.0", "{what}");
            assert!(v["$schema"].as_str().is_some(), "{what}");
            let run = &v["runs"][0];
            assert_eq!(run["tool"]["driver"]["name"], "clearml-sso", "{what}");
            let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
            let results = run["results"].as_array().expect("results");
            for r in results {
                assert!(r["message"]["text"].as_str().is_some(), "{what}");
                let index = r["ruleIndex"].as_u64().unwrap() as usize;
                assert_eq!(rules[index]["id"], r["ruleId"], "{what}");
            }
            if let Some(code) = finding {
                assert!(
                    results
                        .iter()
                        .any(|r| r["ruleId"] == code && r["level"] == "error"),
                    "{what}:\n{out}"
                );
            }
        }
        "gitlab" => {
            let v: serde_json::Value = serde_json::from_str(out)
                .unwrap_or_else(|e| panic!("{what}: GitLab report is not JSON ({e}):\n{out}"));
            let issues = v.as_array().expect("a JSON array");
            let mut prints: Vec<&str> = Vec::new();
            for i in issues {
                for field in ["description", "check_name", "fingerprint"] {
                    assert!(
                        i[field].as_str().is_some_and(|s| !s.is_empty()),
                        "{what}: {field}"
                    );
                }
                assert!(
                    ["info", "minor", "major", "critical", "blocker"]
                        .contains(&i["severity"].as_str().unwrap()),
                    "{what}"
                );
                assert!(i["location"]["path"].as_str().is_some(), "{what}");
                assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
                prints.push(i["fingerprint"].as_str().unwrap());
            }
            let n = prints.len();
            prints.sort();
            prints.dedup();
            assert_eq!(prints.len(), n, "{what}: fingerprints are unique");
            match finding {
                Some(code) => assert!(
                    issues
                        .iter()
                        .any(|i| i["check_name"] == format!("clearml-sso/{code}")
                            && i["severity"] == "critical"),
                    "{what}:\n{out}"
                ),
                None => assert!(issues.iter().all(|i| i["severity"] != "critical")),
            }
        }
        "junit" => {
            let doc = roxmltree::Document::parse(out)
                .unwrap_or_else(|e| panic!("{what}: JUnit is not XML ({e}):\n{out}"));
            let failures: Vec<_> = doc
                .descendants()
                .filter(|n| n.has_tag_name("failure"))
                .collect();
            match finding {
                Some(code) => assert!(
                    failures.iter().any(|f| f.attribute("type") == Some(code)),
                    "{what}:\n{out}"
                ),
                None => assert!(failures.is_empty(), "{what}:\n{out}"),
            }
            assert!(doc.descendants().any(|n| n.has_tag_name("testcase")));
        }
        "github" => {
            assert!(
                out.lines()
                    .all(|l| l.starts_with("::") || l.starts_with("clearml-sso: ")),
                "{what}:\n{out}"
            );
            if let Some(code) = finding {
                assert!(
                    out.lines().any(|l| l.starts_with("::error ")
                        && l.contains(&format!("title=clearml-sso {code}::"))),
                    "{what}:\n{out}"
                );
            }
        }
        "text" => {
            if let Some(code) = finding {
                assert!(out.contains(&format!("error[{code}]")), "{what}:\n{out}");
            }
        }
        other => panic!("no check for format {other}"),
    }
}

#[test]
fn every_exit_path_keeps_the_contract_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for case in cases(dir.path()) {
        let policy = format!("--policy={}", case.policy);
        let missing = case
            .input
            .is_empty()
            .then(|| dir.path().join("no-such-input.yaml").display().to_string());
        // render and diff: stdout empty on failure, the report written and valid.
        for cmd in ["render", "diff"] {
            let report = dir.path().join(format!("{cmd}.json"));
            let _ = std::fs::remove_file(&report);
            let mut args = vec![cmd, &policy, "--report", report.to_str().unwrap()];
            args.extend(missing.as_deref());
            let out = run(&args, &case.input);
            let what = format!("{cmd} / {}", case.name);
            assert_eq!(
                out.status.code(),
                Some(case.code),
                "{what}: {}",
                text(&out.stderr)
            );
            if case.code != 0 {
                assert!(out.stdout.is_empty(), "{what}: stdout must stay empty");
            }
            assert_no_secret(&what, &out.stdout);
            assert_no_secret(&what, &out.stderr);
            let json = std::fs::read_to_string(&report)
                .unwrap_or_else(|e| panic!("{what}: no report ({e})"));
            assert_no_secret(&what, json.as_bytes());
            assert_json_report(&what, &json, case.finding);
        }
        // check: stdout is a valid document in every format, also on exit 2 and 3.
        for format in FORMATS {
            let report = dir.path().join(format!("check-{format}.json"));
            let _ = std::fs::remove_file(&report);
            let mut args = vec![
                "check",
                &policy,
                "--format",
                format,
                "--report",
                report.to_str().unwrap(),
            ];
            args.extend(missing.as_deref());
            let out = run(&args, &case.input);
            let what = format!("check --format {format} / {}", case.name);
            assert_eq!(
                out.status.code(),
                Some(case.code),
                "{what}: {}",
                text(&out.stderr)
            );
            assert_no_secret(&what, &out.stdout);
            assert_no_secret(&what, &out.stderr);
            let stdout = text(&out.stdout);
            if *format == "text" && case.code >= 2 {
                assert!(stdout.is_empty(), "{what}: the error is on stderr only");
            } else {
                assert!(!stdout.is_empty(), "{what}: never an empty document");
                assert_document(&what, format, &stdout, case.finding);
            }
            let json = std::fs::read_to_string(&report)
                .unwrap_or_else(|e| panic!("{what}: no report ({e})"));
            assert_json_report(&what, &json, case.finding);
        }
    }
}

#[test]
fn a_usage_error_is_reported_too() {
    let dir = tempfile::tempdir().unwrap();
    // No policy anywhere: exit 2, `usage-error`.
    let report = dir.path().join("r.json");
    let out = run_in(
        &bin(),
        &[
            "check",
            "--format",
            "sarif",
            "--report",
            report.to_str().unwrap(),
        ],
        b"",
        Some(dir.path()),
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_document(
        "no policy",
        "sarif",
        &text(&out.stdout),
        Some("usage-error"),
    );
    assert_json_report(
        "no policy",
        &std::fs::read_to_string(&report).unwrap(),
        Some("usage-error"),
    );
    // A command line clap refuses: the report and the document hold its error.
    for format in FORMATS {
        let report = dir.path().join(format!("clap-{format}.json"));
        let out = run(
            &[
                "check",
                "--bogus",
                &format!("--format={format}"),
                "--report",
                report.to_str().unwrap(),
            ],
            b"",
        );
        let what = format!("clap error, {format}");
        assert_eq!(out.status.code(), Some(2), "{what}");
        assert!(text(&out.stderr).contains("--bogus"), "{what}");
        if *format == "text" {
            assert!(out.stdout.is_empty(), "{what}");
        } else {
            assert_document(&what, format, &text(&out.stdout), Some("usage-error"));
        }
        let json = std::fs::read_to_string(&report).unwrap();
        let v = assert_json_report(&what, &json, Some("usage-error"));
        assert!(
            v["findings"][0]["message"]
                .as_str()
                .unwrap()
                .contains("--bogus"),
            "{json}"
        );
    }
    // render under a clap error: the report, nothing on stdout.
    let report = dir.path().join("render.json");
    let out = run(&["--bogus", "--report", report.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_json_report(
        "render",
        &std::fs::read_to_string(&report).unwrap(),
        Some("usage-error"),
    );
    // A report that cannot be written: exit 2, and check's document says why.
    let unwritable = dir.path().join("no-such-dir/r.json");
    for (policy, finding) in [
        ("--policy=policies/keycloak.toml", None),
        ("--policy=no-such-policy.toml", Some("policy-error")),
    ] {
        for format in FORMATS.iter().filter(|f| **f != "text") {
            let out = run(
                &[
                    "check",
                    policy,
                    "--format",
                    format,
                    "--report",
                    unwritable.to_str().unwrap(),
                    EXAMPLE,
                ],
                b"",
            );
            let what = format!("unwritable report, {policy}, {format}");
            assert_eq!(out.status.code(), Some(2), "{what}");
            let stdout = text(&out.stdout);
            assert_document(&what, format, &stdout, Some("usage-error"));
            if let Some(code) = finding {
                assert_document(&what, format, &stdout, Some(code));
            }
            assert!(
                text(&out.stderr).contains("cannot write the report"),
                "{what}"
            );
        }
    }
    // A --report that names another argument's file is never written over.
    let policy = dir.path().join("p.toml");
    std::fs::copy(root().join("policies/keycloak.toml"), &policy).unwrap();
    let before = std::fs::read(&policy).unwrap();
    let p = policy.to_str().unwrap();
    let out = run(&["--policy", p, "--report", p, "--bogus"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read(&policy).unwrap(),
        before,
        "the policy is intact"
    );
}

#[test]
fn a_policy_error_is_located_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(
        &p,
        "version = 1\n[providers.keycloak]\nclient_id = \"x\"\n  clientsecret = \"y\"\n",
    )
    .unwrap();
    let p = p.to_str().unwrap();
    let check = |format: &str| {
        let out = run(&["check", "--policy", p, "--format", format], b"");
        assert_eq!(out.status.code(), Some(2), "{format}");
        text(&out.stdout)
    };
    let github = check("github");
    let line = github.lines().next().unwrap();
    assert!(
        line.starts_with(&format!("::error file={p},line=4,col=3,")),
        "{github}"
    );
    assert!(line.contains("unknown key `clientsecret`"), "{github}");
    let json: serde_json::Value = serde_json::from_str(&check("json")).unwrap();
    let file = &json["findings"][0]["file"];
    assert_eq!(
        (
            file["path"].as_str(),
            file["line"].as_u64(),
            file["column"].as_u64()
        ),
        (Some(p), Some(4), Some(3))
    );
    assert_eq!(json["findings"][0]["help"], "did you mean `client_secret`?");
    let sarif: serde_json::Value = serde_json::from_str(&check("sarif")).unwrap();
    let physical = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], p);
    assert_eq!(physical["region"]["startLine"], 4);
    assert_eq!(physical["region"]["startColumn"], 3);
    let gitlab: serde_json::Value = serde_json::from_str(&check("gitlab")).unwrap();
    assert_eq!(gitlab[0]["location"]["path"], p);
    assert_eq!(gitlab[0]["location"]["lines"]["begin"], 4);
    let junit = check("junit");
    assert!(junit.contains(&format!("{p}:4:3")), "{junit}");
}

/// The apiserver of the example is its 6th document: every format says 6.
#[test]
fn document_numbers_agree_across_formats() {
    let policy = "--policy=policies/keycloak.toml";
    let run_format =
        |format: &str| text(&run(&["check", policy, "--format", format, EXAMPLE], b"").stdout);
    let json: serde_json::Value = serde_json::from_str(&run_format("json")).unwrap();
    let f = &json["findings"][0];
    let n = f["location"]["document"].as_u64().unwrap();
    let source = f["location"]["source"].as_str().unwrap();
    let described = format!("({source}, document {n})");
    assert_eq!(
        n, 6,
        "1-based: the apiserver Deployment is the 6th document"
    );
    assert!(run_format("text").contains(&described), "text");
    assert!(run_format("junit").contains(&described), "junit");
    let sarif: serde_json::Value = serde_json::from_str(&run_format("sarif")).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["properties"]["document"],
        n
    );
    // The render's own stderr says the same.
    let render = run(&[policy, EXAMPLE], b"");
    assert!(text(&render.stderr).contains(&described));
    // Input errors count documents the same way: the 2nd document is `document 2`.
    let bad = run(&["check", policy, "--format", "json"], b"a: 1\n---\nb: [\n");
    let v: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("(document 2)"),
        "{v}"
    );
}

#[test]
fn check_of_a_healthy_render_annotates_nothing_and_says_would() {
    let policy = "--policy=policies/keycloak.toml";
    let out = run(&["check", policy, "--format", "github", EXAMPLE], b"");
    assert_eq!(out.status.code(), Some(0));
    let github = text(&out.stdout);
    assert!(
        !github.lines().any(|l| l.starts_with("::")),
        "no annotation for settings render merely adds:\n{github}"
    );
    assert!(
        github.contains("notes"),
        "the summary still counts them: {github}"
    );
    let gitlab: serde_json::Value =
        serde_json::from_slice(&run(&["check", policy, "--format", "gitlab", EXAMPLE], b"").stdout)
            .unwrap();
    assert_eq!(gitlab, serde_json::json!([]));
    let text_out = text(&run(&["check", policy, EXAMPLE], b"").stdout);
    assert!(
        text_out.contains("would add keycloak.client_id"),
        "{text_out}"
    );
    assert!(
        !text_out.contains("(fixed)") && !text_out.contains(": added "),
        "{text_out}"
    );
    // `diff` did not change anything either.
    let diff = run(&["diff", policy, EXAMPLE], b"");
    assert!(text(&diff.stderr).contains("would add keycloak.client_id"));
    // render did: it says so.
    let render = run(&[policy, EXAMPLE], b"");
    assert!(
        text(&render.stderr).contains("note[missing-variable]: added keycloak.client_id (fixed)")
    );
}

#[test]
fn a_refused_render_lists_its_errors_not_corrections_that_did_not_happen() {
    let out = run(
        &[
            "--policy=tests/fixtures/policies/keycloak-idp.toml",
            "tests/fixtures/check-broken.yaml",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("error[missing-secret]"), "{err}");
    assert!(!err.contains("(fixed)"), "{err}");
    assert!(!err.contains("missing-variable"), "{err}");
    assert!(!err.contains("wrong-section"), "{err}");
    // What render reports without correcting stays (the unknown option is kept as is).
    assert!(err.contains("warning[unknown-option]"), "{err}");
    assert!(
        err.contains("clearml-sso: 1 error, 1 warning, 0 notes"),
        "{err}"
    );
    assert!(
        err.contains("render refused; nothing was written (5 corrections it would also make: `clearml-sso check` lists them)"),
        "{err}"
    );
}

#[test]
fn chart_root_attaches_findings_to_the_users_files() {
    let args = |format: &'static str| {
        [
            "check",
            "--policy=tests/fixtures/policies/keycloak-idp.toml",
            "--chart-root",
            "deploy/charts/",
            "--format",
            format,
            "tests/fixtures/check-broken.yaml",
        ]
    };
    let path = "deploy/charts/clearml/templates/apiserver-deployment.yaml";
    let github = text(&run(&args("github"), b"").stdout);
    assert!(
        github
            .lines()
            .any(|l| l.starts_with(&format!("::error file={path},"))),
        "{github}"
    );
    let sarif: serde_json::Value =
        serde_json::from_slice(&run(&args("sarif"), b"").stdout).unwrap();
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        !uris.is_empty() && uris.iter().all(|u| *u == path),
        "{uris:?}"
    );
    let gitlab: serde_json::Value =
        serde_json::from_slice(&run(&args("gitlab"), b"").stdout).unwrap();
    let issues = gitlab.as_array().unwrap();
    assert!(!issues.is_empty());
    assert!(
        issues.iter().all(|i| i["location"]["path"] == path),
        "{gitlab}"
    );
    // On the bundled chart's own render, every path is a file of this repository.
    let out = run(
        &[
            "check",
            "--policy=tests/fixtures/policies/keycloak-idp.toml",
            "--chart-root=examples/chart",
            "--format=gitlab",
            EXAMPLE,
        ],
        b"",
    );
    let gitlab: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let issues = gitlab.as_array().unwrap();
    assert!(!issues.is_empty());
    for i in issues {
        let path = i["location"]["path"].as_str().unwrap();
        assert!(root().join(path).is_file(), "{path} is not a file here");
    }
    // The JSON report keeps the template path as Helm wrote it.
    let json: serde_json::Value = serde_json::from_slice(&run(&args("json"), b"").stdout).unwrap();
    assert_eq!(
        json["findings"][0]["location"]["source"],
        "clearml/templates/apiserver-deployment.yaml"
    );
}

/// SARIF's `uri` is a URI reference: a chart root or policy path with a space, `%`, `#`, `,`
/// or a `:` in its first segment is percent-encoded (before, it was written as it is: `my
/// charts/…` is not a URI, and `a:b/…` reads as scheme `a`), and decodes to the path GitHub
/// and GitLab are given.
#[test]
fn sarif_uris_are_percent_encoded_paths() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("my policy #1.toml");
    std::fs::write(&policy, "version = 1\n[providers.keycloak]\nclientid = 1\n").unwrap();
    let uri_of = |sarif: &serde_json::Value| {
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let decode = |uri: &str| {
        let (mut out, mut bytes) = (Vec::new(), uri.bytes());
        while let Some(b) = bytes.next() {
            if b == b'%' {
                let hex: String = [bytes.next().unwrap(), bytes.next().unwrap()]
                    .iter()
                    .map(|&c| c as char)
                    .collect();
                out.push(u8::from_str_radix(&hex, 16).unwrap());
            } else {
                out.push(b);
            }
        }
        String::from_utf8(out).unwrap()
    };
    let is_uri_reference = |uri: &str| {
        uri.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b))
    };
    // A policy error, at the policy file.
    let out = run(
        &[
            "check",
            "--format",
            "sarif",
            "--policy",
            policy.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    let uri = uri_of(&serde_json::from_slice(&out.stdout).unwrap());
    assert!(is_uri_reference(&uri), "{uri}");
    assert_eq!(decode(&uri), policy.to_str().unwrap());
    // A finding at a template under a chart root with a space, `%` and `:`.
    let root_dir = "de:ploy/my charts,100%";
    let out = run(
        &[
            "check",
            "--policy=tests/fixtures/policies/keycloak-idp.toml",
            "--chart-root",
            root_dir,
            "--format=sarif",
            "tests/fixtures/check-broken.yaml",
        ],
        b"",
    );
    let uri = uri_of(&serde_json::from_slice(&out.stdout).unwrap());
    assert!(is_uri_reference(&uri), "{uri}");
    assert_eq!(
        decode(&uri),
        format!("{root_dir}/clearml/templates/apiserver-deployment.yaml")
    );
}

/// A CLEARML__ variable the correction does not own (not an SSO setting) whose value sets other
/// keys, or a prefix of the policy's settings (`CLEARML__services`), is refused by the proof;
/// its help says what is wrong with it, not the YAML advice (anchors, `<<` merges) the proof's
/// other failures get — the chart has no YAML trick in it.
#[test]
fn a_refused_hocon_value_or_prefix_variable_gets_help_that_fits() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.toml");
    std::fs::write(
        &policy,
        "version = 1\n[secrets]\nexternal = [\"sso\"]\n[providers.google]\nclient_id = \"abc\"\nclient_secret = { secret = \"sso\", key = \"google_client_secret\" }\n",
    )
    .unwrap();
    let p = policy.to_str().unwrap();
    let chart = |name: &str, value: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      containers:\n      - name: clearml-apiserver\n        env:\n        - name: {name}\n          value: {value}\n")
    };
    for (name, value, help) in [
        (
            "CLEARML__zzz",
            r#""1\nsecure.login.sso.oauth_client.google.client_id: evil""#,
            "ClearML parses every CLEARML__ variable as HOCON `path: value`",
        ),
        (
            "CLEARML__secure",
            r#"'{login.sso.oauth_client.google.client_id: evil}'"#,
            "ClearML merges every CLEARML__ variable into one configuration",
        ),
    ] {
        let out = run(&["--policy", p], chart(name, value).as_bytes());
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(out.stdout.is_empty());
        assert!(err.contains("error[unverified-output]"), "{name}: {err}");
        assert!(err.contains(help), "{name}: {err}");
        assert!(!err.contains("anchors and aliases"), "{name}: {err}");
        assert!(!err.contains("evil"), "{name}: a value is shown: {err}");
    }
}

#[test]
fn explain_refuses_what_render_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(root().join("policies/keycloak.toml")).unwrap();
    let p = dir.path().join("p.toml");
    // A value matching the policy's own `[secrets] placeholders`: render, explain and values
    // all refuse it. (The built-in placeholders, `<…>` and the documentation's examples, are
    // policy errors instead: `placeholders_in_a_policy_are_refused_where_they_are`.)
    std::fs::write(
        &p,
        base.replace(
            "[providers.keycloak]",
            "[providers.keycloak]\ndefault_company = \"dummy-company\"",
        )
        .replace("[secrets]", "[secrets]\nplaceholders = [\"dummy*\"]"),
    )
    .unwrap();
    let p = p.to_str().unwrap();
    let render = run(&["--policy", p, EXAMPLE], b"");
    assert_eq!(render.status.code(), Some(1), "{}", text(&render.stderr));
    assert!(text(&render.stderr)
        .contains("error[placeholder-value]: keycloak.default_company in the policy"));
    for cmd in ["explain", "values"] {
        let out = run(&[cmd, "--policy", p], b"");
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        assert!(out.stdout.is_empty(), "{cmd}");
        assert!(
            text(&out.stderr).contains("error[placeholder-value]"),
            "{cmd}"
        );
    }
    // The same policy without it: all three accept it.
    let ok = run(&["explain", "--policy=policies/keycloak.toml"], b"");
    assert_eq!(ok.status.code(), Some(0));
}

/// Every correction any fixture draws, under any bundled or fixture policy, reads as what
/// `render` would do once put in the conditional (`check`, `diff`, a refused render, audit):
/// no past-tense claim of a change that did not happen.
#[test]
fn every_correction_message_has_a_conditional_form() {
    const PAST: &[&str] = &[
        "added ",
        "renamed",
        "trimmed",
        "removed",
        "written",
        "quoted so",
        "remains",
        "kept the last",
        "entries become",
        "made required",
        "bracketed",
        "replaced",
        "corrected",
    ];
    let mut policies = Vec::new();
    for dir in ["policies", "tests/fixtures/policies"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                if let Ok(p) = clearml_sso::policy::parse(&text, &path.display().to_string()) {
                    policies.push(p);
                }
            }
        }
    }
    let mut inputs = Vec::new();
    for dir in [
        "tests/fixtures",
        "tests/fixtures/traps",
        "tests/fixtures/saml",
    ] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                inputs.push(std::fs::read(&path).unwrap());
            }
        }
    }
    let mut seen = 0;
    for policy in &policies {
        for input in &inputs {
            let Ok(outcome) = clearml_sso::render(input, policy) else {
                continue;
            };
            for f in outcome.findings.iter().filter(|f| f.fixed) {
                seen += 1;
                let proposed = clearml_sso::report::would(&f.message);
                let unclaimed = PAST.iter().all(|p| {
                    proposed.matches(p).count()
                        == proposed.matches(&format!("would be {p}")).count()
                            + proposed.matches(&format!("would {p}")).count()
                });
                assert!(
                    unclaimed,
                    "{}: `{}` still claims a change: {proposed}",
                    f.code.id, f.message
                );
            }
        }
    }
    assert!(seen > 50, "the fixtures draw corrections: {seen}");
}
