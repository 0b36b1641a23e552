//! Every fixture under tests/fixtures rendered with a policy from tests/fixtures/policies:
//! a snapshot of the findings, of each changed document and of what ClearML reads, plus the
//! properties that hold for every input: untouched documents byte for byte, document order,
//! idempotency, and ClearML's config (read back through YAML 1.1 and pyhocon) holding exactly
//! what the policy says.

mod common;
use clearml_sso::{policy, render, stream};
use common::*;

fn load_policy(name: &str) -> policy::Policy {
    let path = root().join("tests/fixtures/policies").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    policy::parse(&text, name).unwrap_or_else(|e| panic!("{e}"))
}

/// Renders a fixture and checks the properties every render must have; returns the snapshot.
fn check(fixture: &str, policy_name: &str) -> String {
    let input = std::fs::read(root().join("tests/fixtures").join(fixture)).unwrap();
    let policy = load_policy(policy_name);
    let outcome = render(&input, &policy).expect("fixtures are readable");
    let input = String::from_utf8(input).unwrap();
    let mut snap = format!(
        "policy: {policy_name}\nhas_errors: {}\n",
        outcome.has_errors()
    );
    snap.push_str("== findings ==\n");
    snap.push_str(&clearml_sso::report::text(&outcome.findings));
    let (a, b) = (stream::split(&input), stream::split(&outcome.output));
    assert_eq!(
        a.len(),
        b.len(),
        "{fixture}: document count and order are kept"
    );
    for (x, y) in a.iter().zip(&b) {
        if x.raw != y.raw {
            snap.push_str(&format!(
                "== document {} changed ==\n{}",
                x.index + 1,
                y.raw
            ));
        }
    }
    if outcome.has_errors() {
        return snap;
    }
    // Idempotent: the output renders to itself with nothing fixed.
    let again = render(outcome.output.as_bytes(), &policy).unwrap();
    assert_eq!(
        again.output, outcome.output,
        "{fixture}: second render changed the output"
    );
    assert!(
        again.findings.iter().all(|f| !f.fixed),
        "{fixture}: {:?}",
        again.findings
    );
    // What ClearML reads: every policy setting exactly; the snapshot shows the whole SSO tree.
    if outcome.output.contains("name: clearml-apiserver\n")
        && outcome.output.contains("kind: Deployment")
    {
        if let Some(config) =
            clearml_config(&outcome.output, "clearml-apiserver", "clearml-apiserver")
        {
            assert_policy_applied(&config, &policy, &outcome.output, fixture);
            snap.push_str("== what ClearML reads (login.sso) ==\n");
            for section in ["secure", "services"] {
                let sub = &config[section]["login"]["sso"];
                snap.push_str(&format!(
                    "{section}: {}\n",
                    serde_json::to_string_pretty(sub).unwrap()
                ));
            }
        }
    }
    snap
}

macro_rules! fixture {
    ($($test:ident => $file:literal with $policy:literal,)*) => {$(
        #[test]
        fn $test() {
            insta::assert_snapshot!(stringify!($test), check($file, $policy));
        }
    )*};
}

fixture! {
    wrong_section => "wrong-section.yaml" with "keycloak.toml",
    case_and_duplicates => "case-and-duplicates.yaml" with "keycloak.toml",
    lowercase_prefix => "lowercase-prefix.yaml" with "keycloak.toml",
    value_drift => "value-drift.yaml" with "keycloak.toml",
    optional_secret_ref => "optional-secret-ref.yaml" with "keycloak.toml",
    helm4_kyaml => "helm4-kyaml.yaml" with "keycloak.toml",
    yaml11_values => "yaml11-values.yaml" with "keycloak.toml",
    crlf_bom => "crlf-bom.yaml" with "keycloak.toml",
    stream_edges => "stream-edges.yaml" with "keycloak.toml",
    unknown_provider => "unknown-provider.yaml" with "keycloak.toml",
    no_target => "no-target.yaml" with "keycloak.toml",
    unset_options => "unset-options.yaml" with "keycloak.toml",
    trap_t01_azure_ad_key => "traps/t01-azure-ad-key.yaml" with "azure_ad.toml",
    trap_t02_compose_default_company => "traps/t02-compose-default-company.yaml" with "azure_ad.toml",
    trap_t04_ping_debug_backtick => "traps/t04-ping-debug-backtick.yaml" with "ping.toml",
    trap_t05_trailing_space => "traps/t05-trailing-space.yaml" with "ping.toml",
    trap_t07_jumpcloud_capitals => "traps/t07-jumpcloud-capitals.yaml" with "jumpcloudsaml.toml",
    trap_t09_allegro_prefix => "traps/t09-allegro-prefix.yaml" with "microsoft_ad.toml",
    trap_t10_saml_duplicates => "traps/t10-saml-duplicates.yaml" with "microsoft_ad.toml",
    trap_t11_unquoted_list => "traps/t11-unquoted-list.yaml" with "ping.toml",
    trap_t13_wrong_section => "traps/t13-wrong-section.yaml" with "ping.toml",
    trap_t17_compose_client_id => "traps/t17-compose-client-id.yaml" with "keycloak.toml",
    trap_t18_comment_tail => "traps/t18-comment-tail.yaml" with "cognito.toml",
    trap_t22_base_url_slash => "traps/t22-base-url-slash.yaml" with "keycloak.toml",
    trap_t25_bare_group_name => "traps/t25-bare-group-name.yaml" with "ping.toml",
    trap_t30_klique_prefix => "traps/t30-klique-prefix.yaml" with "keycloak.toml",
    trap_trains_shadowing => "traps/trains-shadowing.yaml" with "keycloak.toml",
    trap_saml_metadata_not_mounted => "traps/saml-metadata-not-mounted.yaml" with "microsoft_ad.toml",
    trap_quoted_boolean => "traps/quoted-boolean.yaml" with "ping.toml",
    global_switches => "global-switches.yaml" with "tenant.toml",
    secret_sources => "secret-sources.yaml" with "keycloak-sources.toml",
    check_all_references => "check-all.yaml" with "keycloak-check-all.toml",
    trap_t06_claimenv => "traps/t06-claimenv.yaml" with "microsoft_ad.toml",
    trap_t08_t23_names => "traps/t08-t23-names.yaml" with "keycloak.toml",
    trap_t26_numeric_company => "traps/t26-numeric-company.yaml" with "ping.toml",
}

#[test]
fn untouched_stream_is_byte_identical() {
    // A stream whose apiserver already matches the policy comes out unchanged, byte for byte.
    let input = std::fs::read(root().join("tests/fixtures/wrong-section.yaml")).unwrap();
    let policy = load_policy("keycloak.toml");
    let first = render(&input, &policy).unwrap();
    let second = render(first.output.as_bytes(), &policy).unwrap();
    assert_eq!(second.output.as_bytes(), first.output.as_bytes());
    assert!(!second.changed);
}
