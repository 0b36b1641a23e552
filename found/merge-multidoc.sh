#!/usr/bin/env bash
# values --merge-with on a values file of two documents. Helm 3 reads only the first
# document of a -f file; Helm 4 reads them all, merging the later ones over the earlier (lists
# replaced). The merge read only the first, so on Helm 4 the merged list dropped the user's
# LANG (set in the second document) and brought back TZ, which Helm 4 had replaced.
# Expected: exit 2, nothing on stdout, naming the file and the second document's line.
# Usage: eval "$(scripts/fetch-test-deps)"; found/merge-multidoc.sh  (from the worktree root)
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
printf 'apiserver:\n  extraEnvs:\n    - name: TZ\n      value: Europe/Berlin\n---\napiserver:\n  extraEnvs:\n    - name: LANG\n      value: C.UTF-8\n' >user.yaml
"$bin" values --policy clearml-sso.toml --merge-with user.yaml >merged.yaml 2>err.txt
rc=$?
echo "values --merge-with: exit $rc"; cat err.txt
if [ "$rc" = 0 ] && [ -n "${HELM4_BIN:-}" ]; then
  echo "Helm 4 reads user.yaml alone as:"
  "$HELM4_BIN" template x "$root/examples/chart/clearml" -f user.yaml | grep -A1 -E 'name: (TZ|LANG)$'
  echo "Helm 4 with -f user.yaml -f merged.yaml:"
  "$HELM4_BIN" template x "$root/examples/chart/clearml" -f user.yaml -f merged.yaml | grep -A1 -E 'name: (TZ|LANG)$'
fi
if [ "$rc" = 2 ] && [ ! -s merged.yaml ]; then echo "OK: refused"; exit 0; fi
echo "BUG: merged a multi-document values file"; exit 1
