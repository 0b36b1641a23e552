#!/usr/bin/env bash
# values --merge-with kept another provider's literal client_secret (policy default
# plaintext_secrets = "deny") and exited 0; render and check --strict refuse that list
# (error[plaintext-secret]). Expected: exit 1, nothing on stdout, the value never shown.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CLEARML_SSO_BIN:-$root/target/debug/clearml-sso}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
printf 'version = 1\n[providers.keycloak]\nclient_id = { secret = "s", key = "id" }\nclient_secret = { secret = "s", key = "secret" }\nurl = "https://login.acme-corp.io"\nrealm = "research"\n' >clearml-sso.toml
printf 'apiserver:\n  extraEnvs:\n    - name: CLEARML__secure__login__sso__oauth_client__okta__client_secret\n      value: s3cr3t\n' >user.yaml
"$bin" values --policy clearml-sso.toml --merge-with user.yaml >merged.yaml 2>err.txt
rc=$?
echo "exit $rc"; cat err.txt
if [ "$rc" = 1 ] && [ ! -s merged.yaml ] && ! grep -q s3cr3t err.txt; then echo OK; exit 0; fi
echo "BUG: merged a list the render refuses"; exit 1
