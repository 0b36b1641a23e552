#!/usr/bin/env bash
# found by atk21: the CMP generate (images/argocd-cmp/plugin.yaml, docs/integrations.md) uses
# "$ARGOCD_APP_NAME" as Helm's release name. With Argo CD's "applications in any namespace",
# an Application outside the control plane's namespace gets ARGOCD_APP_NAME=<namespace>_<name>
# (argoproj/argo-cd#15354, open), which Helm refuses as a release name (no `_`), so every such
# app fails to generate. `${ARGOCD_APP_NAME#*_}` (neither part may hold `_`), or a plugin.env
# RELEASE_NAME, would give the Application's own name.
# Runs the generate on the host with HELM4_BIN (scripts/fetch-test-deps) and the built binary.
# Exit 1 = the bug is there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${CLEARML_SSO_BIN:-$root/target/debug/clearml-sso}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/home"
ln -s "${HELM4_BIN:?}" "$tmp/bin/helm"; ln -s "$bin" "$tmp/bin/clearml-sso"
cp -r "$root/examples/chart/clearml" "$tmp/app"
cp "$root/examples/values-sso-secret.yaml" "$tmp/app/values-sso.yaml"
cp "$root/policies/keycloak.toml" "$tmp/app/clearml-sso.toml"
cmd="$(sed -n '/^  generate:/,$p' "$root/images/argocd-cmp/plugin.yaml" | sed -n '/- >-/,$p' | tail -n +2 | sed 's/^ *//' | tr '\n' ' ')"
set +e
(cd "$tmp/app" && env -i PATH="$tmp/bin:/usr/bin:/bin" HOME="$tmp/home" ARGOCD_APP_NAME=team-a_clearml \
  ARGOCD_APP_NAMESPACE=team-a KUBE_VERSION=1.31.4 KUBE_API_VERSIONS=v1 ARGOCD_ENV_VALUES_FILE=values-sso.yaml \
  bash -o pipefail -c "$cmd" >"$tmp/out" 2>"$tmp/err")
rc=$?
set -e
echo "exit $rc, $(wc -c <"$tmp/out") bytes on stdout"; head -n 1 "$tmp/err"
((rc == 0)) || { echo "BUG: an Application in another namespace (ARGOCD_APP_NAME=team-a_clearml) cannot generate"; exit 1; }
