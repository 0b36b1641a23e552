#!/usr/bin/env bash
# `clearml-sso values --merge-with user.yaml > user.yaml`: the shell empties user.yaml before
# the command reads it; an empty values file merged to the policy's list alone with exit 0,
# the user's TZ and allow-list gone without a word. Expected: exit 2, naming the file.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CLEARML_SSO_BIN:-$root/target/debug/clearml-sso}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
printf 'version = 1\n[providers.keycloak]\nclient_id = { secret = "s", key = "id" }\nclient_secret = { secret = "s", key = "secret" }\nurl = "https://login.acme-corp.io"\nrealm = "research"\n' >clearml-sso.toml
printf 'apiserver:\n  extraEnvs:\n    - name: TZ\n      value: Europe/Berlin\n' >user.yaml
"$bin" values --policy clearml-sso.toml --merge-with user.yaml >user.yaml
rc=$?
echo "exit $rc"
if [ "$rc" = 0 ]; then echo "BUG: exit 0, TZ kept: $(grep -c Europe/Berlin user.yaml)"; exit 1; fi
echo OK
