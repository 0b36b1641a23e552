#!/usr/bin/env bash
# found by atk21: the CMP generate (images/argocd-cmp/plugin.yaml, docs/integrations.md) passes
# `--values "${ARGOCD_ENV_VALUES_FILE:-values.yaml}"`: an Application without plugin.env
# VALUES_FILE whose chart has no values.yaml (valid for Helm: values.yaml is optional; e.g. a
# wrapper chart whose values sit in values-prod.yaml, or all values in the dependency) fails
# with "open values.yaml: no such file or directory", though plain `helm template .` renders it.
# When VALUES_FILE is unset, --values should be left out (the chart's values.yaml is read anyway).
# Runs the generate on the host with HELM4_BIN (scripts/fetch-test-deps) and the built binary.
# Exit 1 = the bug is there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${CLEARML_SSO_BIN:-$root/target/debug/clearml-sso}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/app/templates" "$tmp/home"
ln -s "${HELM4_BIN:?}" "$tmp/bin/helm"; ln -s "$bin" "$tmp/bin/clearml-sso"
cp -r "$root/examples/chart/clearml" "$tmp/app/charts-src"
# A wrapper chart without values.yaml whose dependency holds the chart.
mkdir -p "$tmp/app/charts"; mv "$tmp/app/charts-src" "$tmp/app/charts/clearml"; rmdir "$tmp/app/templates"
printf 'apiVersion: v2\nname: wrap\nversion: 0.1.0\ndependencies:\n  - name: clearml\n    version: 7.14.0\n' >"$tmp/app/Chart.yaml"
cp "$root/policies/keycloak.toml" "$tmp/app/clearml-sso.toml"
cmd="$(sed -n '/^  generate:/,$p' "$root/images/argocd-cmp/plugin.yaml" | sed -n '/- >-/,$p' | tail -n +2 | sed 's/^ *//' | tr '\n' ' ')"
set +e
(cd "$tmp/app" && env -i PATH="$tmp/bin:/usr/bin:/bin" HOME="$tmp/home" ARGOCD_APP_NAME=clearml \
  ARGOCD_APP_NAMESPACE=clearml KUBE_VERSION=1.31.4 KUBE_API_VERSIONS=v1 bash -o pipefail -c "$cmd" >"$tmp/out" 2>"$tmp/err")
rc=$?
set -e
echo "exit $rc, $(wc -c <"$tmp/out") bytes on stdout"; head -n 3 "$tmp/err"
(cd "$tmp/app" && HOME="$tmp/home" "$HELM4_BIN" template clearml . >/dev/null) && echo "plain helm template . renders it"
((rc == 0)) || { echo "BUG: the generate fails on a chart without values.yaml and no VALUES_FILE"; exit 1; }
