#!/usr/bin/env bash
# values --merge-with kept a user entry whose config path lies below (or above) one of the
# policy's settings and exited 0. ClearML sorts the names and merges
# `…__client_secret__x` after the policy's `…__client_secret`, so client_secret becomes
# the tree {x: …}; the render and `check --strict` refuse the merged list ("would also set
# keycloak.client_secret"). Expected: exit 1, nothing on stdout, the entry named, no value.
# Usage: found/merge-competing.sh  (from the worktree root; HELM4_BIN set shows check --strict)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CLEARML_SSO_BIN:-$root/target/debug/clearml-sso}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
cat >clearml-sso.toml <<'TOML'
version = 1
[providers.keycloak]
client_id     = { secret = "clearml-sso", key = "keycloak_client_id" }
client_secret = { secret = "clearml-sso", key = "keycloak_client_secret" }
url   = "https://login.acme-corp.io"
realm = "research"
TOML
printf 'apiserver:\n  extraEnvs:\n    - name: TZ\n      value: UTC\n    - name: CLEARML__secure__login__sso__oauth_client__keycloak__client_secret__x\n      value: s3cr3t\n' >user.yaml
"$bin" values --policy clearml-sso.toml --merge-with user.yaml >merged.yaml 2>err.txt
rc=$?
echo "values --merge-with: exit $rc"; cat err.txt
if [ "$rc" = 0 ] && [ -n "${HELM4_BIN:-}" ]; then
  "$HELM4_BIN" template x "$root/examples/chart/clearml" -f "$root/examples/values-sso-secret.yaml" \
    -f user.yaml -f merged.yaml | "$bin" check --strict --policy clearml-sso.toml
  echo "check --strict: exit $?"
fi
if [ "$rc" = 1 ] && [ ! -s merged.yaml ] && ! grep -q s3cr3t err.txt; then echo "OK: refused"; exit 0; fi
echo "BUG: printed a list the render refuses"; exit 1
