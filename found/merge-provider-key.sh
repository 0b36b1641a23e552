#!/usr/bin/env bash
# values --merge-with kept a name ClearML reads as a provider key itself
# (`…__oauth_client__tenant_login`: the provider `tenant_login`) and exited 0; render and
# check --strict refuse the list ("ClearML's final configuration would hold the provider
# `tenant_login` … which the policy does not declare"). Expected: exit 1, nothing on stdout.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CLEARML_SSO_BIN:-$root/target/debug/clearml-sso}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
printf 'version = 1\n[providers.keycloak]\nclient_id = { secret = "s", key = "id" }\nclient_secret = { secret = "s", key = "secret" }\nurl = "https://login.acme-corp.io"\nrealm = "research"\n' >clearml-sso.toml
printf 'apiserver:\n  extraEnvs:\n    - name: TRAINS__services__login__sso__oauth_client__tenant_login\n      value: "[a, b]"\n' >user.yaml
"$bin" values --policy clearml-sso.toml --merge-with user.yaml >merged.yaml 2>err.txt
rc=$?
echo "exit $rc"; cat err.txt
if [ "$rc" = 1 ] && [ ! -s merged.yaml ]; then echo OK; exit 0; fi
echo "BUG: merged a list the render refuses"; exit 1
