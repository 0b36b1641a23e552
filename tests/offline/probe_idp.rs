//! `clearml-sso probe` against a real OpenID provider: npm oidc-provider 9.13.3
//! (tests/probe/oidc_server.mjs), started and stopped by each test on 127.0.0.1, in Keycloak's
//! URL layout over http (loopback) and in Auth0's flat layout over https with a test CA given
//! by `--ca-file`. Right settings exit 0; each wrong setting exits 1 and names the option; the
//! secret appears in no output. Debian's LemonLDAP::NG 2.16 portal (plackup) shows the
//! callback check's inconclusive path. Needs NODE_BIN, OIDC_PROVIDER_DIR and PLACKUP_BIN from
//! scripts/fetch-test-deps (a missing one fails the test); the SAML metadata test needs nothing.

use crate::harness;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// A running oidc-provider; killed when dropped.
struct Idp {
    child: Child,
    port: u16,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const CALLBACKS: &str =
    "https://app.example.com/callback_keycloak,https://app.example.com/callback_auth0";

fn start(layout: &str, realm: &str, tls: Option<(&Path, &Path)>) -> Idp {
    let node = harness::tool("NODE_BIN");
    let dir = harness::tool("OIDC_PROVIDER_DIR");
    let mut cmd = Command::new(node);
    cmd.arg(harness::root().join("tests/probe/oidc_server.mjs"))
        .arg(dir)
        .args([layout, realm, CALLBACKS])
        // Its two clients only: the extra ones are for hand-run attacks.
        .env_remove("OIDC_EXTRA_CLIENTS");
    if let Some((cert, key)) = tls {
        cmd.arg(cert).arg(key);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .strip_prefix("listening ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| {
            let _ = child.kill();
            panic!("oidc_server.mjs did not start (first line {line:?}); is OIDC_PROVIDER_DIR complete?")
        });
    Idp { child, port }
}

/// Runs `probe` with `policy` (and `args`), no proxy from the test's environment.
fn probe(dir: &Path, policy: &str, args: &[&str]) -> Output {
    let path = dir.join("policy.toml");
    std::fs::write(&path, policy).unwrap();
    Command::new(harness::bin())
        .arg("probe")
        .arg("--policy")
        .arg(&path)
        .args(args)
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .unwrap()
}

fn keycloak_policy(port: u16, realm: &str, client: &str, secret: &str, webapp: &str) -> String {
    format!(
        "version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[sso]\nwebapp = \"{webapp}\"\n[providers.keycloak]\nurl = \"http://127.0.0.1:{port}\"\nrealm = \"{realm}\"\nclient_id = \"{client}\"\nclient_secret = \"{secret}\"\n"
    )
}

const APP: &str = "https://app.example.com";
const BASIC: &str = "basic-secret-c0rrect";
const POST: &str = "post-secret-c0rrect";

/// The exit code, stdout; asserts no secret on either channel.
fn run(dir: &Path, policy: &str, args: &[&str]) -> (i32, String) {
    let out = probe(dir, policy, args);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    for secret in [BASIC, POST, "wrong-secret-value"] {
        assert!(!stdout.contains(secret), "{stdout}");
        assert!(!stderr.contains(secret), "{stderr}");
    }
    (out.status.code().unwrap(), stdout)
}

fn line<'a>(stdout: &'a str, start: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start:?} in:\n{stdout}"))
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn keycloak_layout_right_settings_pass_with_either_client_auth_method() {
    let idp = start("keycloak", "clearml", None);
    let dir = tempfile::tempdir().unwrap();
    for (client, secret) in [("clearml-basic", BASIC), ("clearml-post", POST)] {
        let policy = keycloak_policy(idp.port, "clearml", client, secret, APP);
        let (code, stdout) = run(dir.path(), &policy, &[]);
        assert_eq!(code, 0, "{stdout}");
        assert!(
            stdout
                .contains("probe: 4 passed, 0 problem(s), 0 inconclusive, 0 skipped, 0 warning(s)"),
            "{stdout}"
        );
        let (code, json) = run(dir.path(), &policy, &["--format", "json"]);
        assert_eq!(code, 0, "{json}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["exit"], 0);
        let outcomes: Vec<&str> = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["outcome"].as_str().unwrap())
            .collect();
        assert_eq!(outcomes, ["pass", "pass", "pass", "pass"]);
    }
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn keycloak_layout_wrong_settings_exit_1_naming_the_option() {
    let idp = start("keycloak", "clearml", None);
    let dir = tempfile::tempdir().unwrap();
    let p = idp.port;
    let cases = [
        (
            keycloak_policy(p, "clearml", "clearml-basic", "wrong-secret-value", APP),
            "keycloak client-secret: problem",
            "providers.keycloak.client_secret",
        ),
        (
            keycloak_policy(p, "clearm1", "clearml-basic", BASIC, APP),
            "keycloak discovery: problem",
            "providers.keycloak.realm",
        ),
        (
            keycloak_policy(
                p,
                "clearml",
                "clearml-basic",
                BASIC,
                "https://other.example.com",
            ),
            "keycloak callback: problem",
            "sso.webapp",
        ),
        (
            keycloak_policy(p, "clearml", "clearml-nobody", BASIC, APP),
            "keycloak callback: problem",
            "providers.keycloak.client_id",
        ),
    ];
    for (policy, problem, option) in cases {
        let (code, stdout) = run(dir.path(), &policy, &[]);
        assert_eq!(code, 1, "{stdout}");
        line(&stdout, problem);
        assert!(
            stdout.contains(&format!("  check: {option}"))
                || stdout.contains(&format!(", {option}")),
            "{option} not named:\n{stdout}"
        );
    }
    // The realm typo: the secret is never sent to an endpoint discovery did not confirm.
    let policy = keycloak_policy(p, "clearm1", "clearml-basic", BASIC, APP);
    let (_, stdout) = run(dir.path(), &policy, &[]);
    assert!(
        line(&stdout, "keycloak client-secret:").contains("skipped"),
        "{stdout}"
    );
    assert!(!stdout.contains("POST"), "{stdout}");
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn keycloak_layout_secret_from_a_kubectl_secret_file() {
    let idp = start("keycloak", "clearml", None);
    let dir = tempfile::tempdir().unwrap();
    // As `kubectl get secret -o yaml` prints it; the value is HOCON text, quoted as a user may.
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(format!("\"{BASIC}\""));
    let secret = format!(
        "apiVersion: v1\ndata:\n  client_secret: {data}\nkind: Secret\nmetadata:\n  name: keycloak-sso\n  namespace: clearml\ntype: Opaque\n"
    );
    let secret_file = dir.path().join("secret.yaml");
    std::fs::write(&secret_file, secret).unwrap();
    let policy = format!(
        "version = 1\n[sso]\nwebapp = \"{APP}\"\n[providers.keycloak]\nurl = \"http://127.0.0.1:{}\"\nrealm = \"clearml\"\nclient_id = \"clearml-basic\"\nclient_secret = {{ secret = \"keycloak-sso\", key = \"client_secret\" }}\n",
        idp.port
    );
    let file = secret_file.to_str().unwrap();
    let (code, stdout) = run(dir.path(), &policy, &["--secrets", file]);
    assert_eq!(code, 0, "{stdout}");
    // Without the file: the secret check is skipped, and said; exit 4.
    let (code, stdout) = run(dir.path(), &policy, &[]);
    assert_eq!(code, 4, "{stdout}");
    assert!(
        line(&stdout, "keycloak client-secret: skipped").contains("--secrets"),
        "{stdout}"
    );
}

/// A test CA and a server certificate for 127.0.0.1 it signed, made with openssl.
fn test_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let openssl = harness::system_tool("openssl");
    let ok = |args: &[&str]| {
        let out = Command::new(&openssl)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    ok(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=clearml-sso probe test CA",
        ],
    ]
    .concat());
    ok(&[
        &["req"][..],
        &ec,
        &[
            "-keyout",
            "srv.key",
            "-out",
            "srv.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    ]
    .concat());
    std::fs::write(
        dir.join("ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    ok(&[
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "srv.pem",
        "-days",
        "2",
        "-extfile",
        "ext",
    ]);
    (dir.join("ca.pem"), dir.join("srv.pem"), dir.join("srv.key"))
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn flat_layout_over_https_with_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = test_ca(dir.path());
    let idp = start("auth0", "", Some((&cert, &key)));
    let policy = |secret: &str| {
        format!(
            "version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[sso]\nwebapp = \"{APP}\"\n[providers.auth0]\ndomain = \"127.0.0.1:{}\"\naudience = \"https://api.acme.test\"\nclient_id = \"clearml-post\"\nclient_secret = \"{secret}\"\n",
            idp.port
        )
    };
    let ca = ca.to_str().unwrap();
    let (code, stdout) = run(dir.path(), &policy(POST), &["--ca-file", ca]);
    assert_eq!(code, 0, "{stdout}");
    let (code, stdout) = run(
        dir.path(),
        &policy("wrong-secret-value"),
        &["--ca-file", ca],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("providers.auth0.client_secret"), "{stdout}");
    // Without the CA the server is not trusted: nothing decided, nothing sent but the two GETs.
    let (code, stdout) = run(dir.path(), &policy(POST), &[]);
    assert_eq!(code, 4, "{stdout}");
    assert!(!stdout.contains("POST"), "{stdout}");
    // A file with no certificate is a usage error.
    let (code, stdout) = run(dir.path(), &policy(POST), &["--ca-file", "/dev/null"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
}

/// SAML metadata needs no provider running: plain `cargo test` runs this one.
#[test]
fn saml_metadata_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let policy = "version = 1\n[providers.duo]\nentity_id = \"clearml\"\nidp_metadata_file = \"/opt/clearml/idp.xml\"\n";
    let xxe = dir.path().join("idp.xml");
    std::fs::write(
        &xxe,
        "<?xml version=\"1.0\"?>\n<!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>\n<m>&x;</m>\n",
    )
    .unwrap();
    let file = xxe.to_str().unwrap();
    let (code, stdout) = run(dir.path(), policy, &["--metadata", file]);
    assert_eq!(code, 1, "{stdout}");
    let result = line(&stdout, "duo saml-metadata: problem");
    assert!(result.contains("DTD"), "{stdout}");
    assert!(
        stdout.contains("check: providers.duo.idp_metadata_file"),
        "{stdout}"
    );
    let (code, _) = run(dir.path(), policy, &["--metadata", &format!("duo={file}")]);
    assert_eq!(code, 1);
    // Without metadata: skipped, exit 4.
    let (code, stdout) = run(dir.path(), policy, &[]);
    assert_eq!(code, 4, "{stdout}");
    assert!(line(&stdout, "duo saml-metadata: skipped").contains("--metadata duo=FILE"));
    // A provider the policy does not declare: usage error, nothing on stdout.
    let (code, stdout) = run(
        dir.path(),
        policy,
        &["--metadata", &format!("google_saml={file}")],
    );
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
}

/// A running LemonLDAP::NG portal (plackup); killed when dropped.
struct Llng {
    child: Child,
    port: u16,
    _work: tempfile::TempDir,
}

impl Drop for Llng {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Debian's LemonLDAP::NG portal on 127.0.0.1, from its packaged demonstration configuration
/// with the OpenID Connect issuer on and one confidential client, `clearml`, whose callback is
/// ad_oauth's; its state in a temporary directory.
fn start_llng() -> Llng {
    let plackup = harness::tool("PLACKUP_BIN");
    let psgi = Path::new("/usr/share/lemonldap-ng/portal/htdocs/index.psgi");
    let demo = Path::new("/var/lib/lemonldap-ng/conf/lmConf-1.json");
    assert!(
        psgi.exists() && demo.exists(),
        "LemonLDAP::NG is not installed: run scripts/fetch-test-deps"
    );
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    for d in [
        "conf",
        "sessions/lock",
        "psessions/lock",
        "notifications",
        "cache",
    ] {
        std::fs::create_dir_all(w.join(d)).unwrap();
    }
    let openssl = harness::system_tool("openssl");
    let ok = |args: &[&str]| {
        let out = Command::new(&openssl)
            .args(args)
            .current_dir(w)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl {args:?}");
    };
    ok(&["genrsa", "-out", "oidc.key", "2048"]);
    ok(&["rsa", "-in", "oidc.key", "-pubout", "-out", "oidc.pub"]);
    // The SAML IdP's signing certificate, valid for 10 days from now: its metadata must pass
    // with a warning that it expires soon.
    ok(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "saml.key",
        "-out",
        "saml.pem",
        "-days",
        "10",
        "-subj",
        "/CN=llng-saml",
    ]);
    // A free port for the portal URL the configuration names.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut conf: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo).unwrap()).unwrap();
    let dir = |d: &str| w.join(d).to_str().unwrap().to_string();
    conf["portal"] = format!("http://127.0.0.1:{port}/").into();
    conf["globalStorageOptions"]["Directory"] = dir("sessions").into();
    conf["globalStorageOptions"]["LockDirectory"] = dir("sessions/lock").into();
    conf["persistentStorageOptions"] =
        serde_json::json!({"Directory": dir("psessions"), "LockDirectory": dir("psessions/lock")});
    conf["notificationStorageOptions"] = serde_json::json!({"dirName": dir("notifications")});
    conf["localSessionStorageOptions"]["cache_root"] = dir("cache").into();
    conf["issuerDBOpenIDConnectActivation"] = 1.into();
    conf["oidcServicePrivateKeySig"] = std::fs::read_to_string(w.join("oidc.key")).unwrap().into();
    conf["oidcServicePublicKeySig"] = std::fs::read_to_string(w.join("oidc.pub")).unwrap().into();
    conf["oidcServiceKeyIdSig"] = "probe-test".into();
    conf["oidcRPMetaDataOptions"] = serde_json::json!({"clearml": {
        "oidcRPMetaDataOptionsClientID": "clearml",
        "oidcRPMetaDataOptionsClientSecret": "llng-secret-c0rrect",
        "oidcRPMetaDataOptionsRedirectUris": "https://app.example.com/callback_ad_oauth",
        "oidcRPMetaDataOptionsPublic": 0,
        "oidcRPMetaDataOptionsIDTokenSignAlg": "RS256",
    }});
    conf["oidcRPMetaDataExportedVars"] = serde_json::json!({"clearml": {"email": "mail"}});
    conf["issuerDBSAMLActivation"] = 1.into();
    conf["samlServicePrivateKeySig"] = std::fs::read_to_string(w.join("saml.key")).unwrap().into();
    conf["samlServicePublicKeySig"] = std::fs::read_to_string(w.join("saml.pem")).unwrap().into();
    std::fs::write(w.join("conf/lmConf-1.json"), conf.to_string()).unwrap();
    let ini = format!(
        "[all]\nlogLevel = warn\ncheckTime = 1\n[configuration]\ntype = File\ndirName = {}\n[portal]\nstaticPrefix = /static\ntemplateDir = /usr/share/lemonldap-ng/portal/templates\nlanguages = en\n[handler]\nstatus = 0\n",
        dir("conf")
    );
    std::fs::write(w.join("llng.ini"), ini).unwrap();
    let child = Command::new(plackup)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(psgi)
        .env("LLNG_DEFAULTCONFFILE", w.join("llng.ini"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(w.join("portal.log")).unwrap())
        .spawn()
        .expect("plackup starts");
    let llng = Llng {
        child,
        port,
        _work: work,
    };
    // The portal answers once its configuration is loaded (a few seconds).
    let started = std::time::Instant::now();
    loop {
        if let Some(answer) = get(port, "/.well-known/openid-configuration") {
            if answer.starts_with("HTTP/1.0 200") && answer.contains("authorization_endpoint") {
                return llng;
            }
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "LemonLDAP::NG did not serve its OpenID configuration within 60 s: see {}",
            llng._work.path().join("portal.log").display()
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

/// `GET path` on 127.0.0.1:`port`, HTTP/1.0: the whole answer, headers included.
fn get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes())
        .ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    Some(answer)
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn lemonldap_ng_saml_metadata_as_served() {
    let llng = start_llng();
    let dir = tempfile::tempdir().unwrap();
    let answer = get(llng.port, "/saml/metadata").unwrap();
    let (head, xml) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.0 200"), "{head}");
    let file = dir.path().join("idp.xml");
    std::fs::write(&file, xml).unwrap();
    let policy = "version = 1\n[providers.microsoft_ad]\nentity_id = \"clearml\"\nidp_metadata_file = \"/opt/clearml/idp.xml\"\n";
    let (code, stdout) = run(dir.path(), policy, &["--metadata", file.to_str().unwrap()]);
    // Every check passed; the certificate's near end is a warning only.
    assert_eq!(code, 0, "{stdout}");
    let result = line(&stdout, "microsoft_ad saml-metadata: warning");
    assert!(result.contains("within 30 days"), "{stdout}");
    assert!(
        result.contains(&format!(
            "IdP entity ID http://127.0.0.1:{}/saml/metadata",
            llng.port
        )),
        "{stdout}"
    );
    assert!(result.contains("HTTP-Redirect SSO at"), "{stdout}");
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn lemonldap_ng_checks_the_callback_after_login_only() {
    let llng = start_llng();
    let dir = tempfile::tempdir().unwrap();
    let p = llng.port;
    // LemonLDAP::NG is none of the catalogue's OAuth providers: its URLs are given as they are.
    let policy = |webapp: &str| {
        format!(
            "version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[sso]\nwebapp = \"{webapp}\"\n[providers.ad_oauth]\nauthorize_url = \"http://127.0.0.1:{p}/oauth2/authorize\"\naccess_token_url = \"http://127.0.0.1:{p}/oauth2/token\"\nclient_id = \"clearml\"\nclient_secret = \"llng-secret-c0rrect\"\n"
        )
    };
    // The registered callback and an unregistered one get the same login page: inconclusive.
    for webapp in [APP, "https://other.example.com"] {
        let (code, stdout) = run(dir.path(), &policy(webapp), &[]);
        assert_eq!(code, 4, "{stdout}");
        assert!(
            line(&stdout, "ad_oauth callback: inconclusive").contains("login page"),
            "{stdout}"
        );
        // No discovery document confirms the token endpoint: the secret is never sent.
        assert!(line(&stdout, "ad_oauth client-secret: skipped").contains("not sent"));
        assert!(!stdout.contains("llng-secret-c0rrect"));
    }
}
