#!/usr/bin/env bash
# Not fixed (documented as "not judged here" in docs/cli.md, but SSO-shaped): values
# --merge-with exits 0 on entries that render/check --strict then refuse:
#  a. a `${VAR}` the container does not define in a name under login.sso that the name parser
#     does not read as a provider option (`CLEARML__secure__login__sso__okta__groups__admins`,
#     the client type missing): ClearML's loader fails on it (pyhocon substitution);
#  b. an SSO entry whose value comes from a Secret in the stream holding what the option
#     cannot take (needs the stream: by design).
# Usage: eval "$(scripts/fetch-test-deps)"; found/merge-not-judged.sh  (exit 1: gap present)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CLEARML_SSO_BIN:-$root/target/debug/clearml-sso}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
printf 'version = 1\n[providers.keycloak]\nclient_id = { secret = "clearml-sso", key = "keycloak_client_id" }\nclient_secret = { secret = "clearml-sso", key = "keycloak_client_secret" }\nurl = "https://login.acme-corp.io"\nrealm = "research"\n' >clearml-sso.toml
printf 'apiserver:\n  extraEnvs:\n    - name: CLEARML__secure__login__sso__okta__groups__admins\n      value: "${HOME}"\n' >user.yaml
"$bin" values --policy clearml-sso.toml --merge-with user.yaml >merged.yaml
m=$?
"$HELM3_BIN" template clearml "$root/examples/chart/clearml" -f "$root/examples/values-sso-secret.yaml" \
  -f user.yaml -f merged.yaml | "$bin" check --strict --policy clearml-sso.toml | grep '^error'
c=${PIPESTATUS[1]}
echo "merge exit $m, check --strict exit $c"
[ "$m" != 0 ] || [ "$c" = 0 ]
