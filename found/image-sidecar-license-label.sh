#!/usr/bin/env bash
# found by atk21: the Argo CD sidecar image ships GNU bash (GPL-3.0-or-later, Debian's
# bash-static, also as /bin/sh) and Helm, yet its org.opencontainers.image.licenses label says
# only "Apache-2.0" (the label copied from the binary-only image), and the image holds no GPL text.
# Usage: found/image-sidecar-license-label.sh RELEASE_OUTDIR   (scripts/release's output)
# Needs PODMAN_BIN etc. from scripts/fetch-test-deps. Exit 1 = the bug is there.
set -euo pipefail
out="$1"
archive="$(ls "$out"/argocd-cmp-clearml-sso-*-linux-amd64.oci.tar | head -n1)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
pod=("${PODMAN_BIN:-podman}" --root "$tmp/st" --runroot "$tmp/run" --storage-driver vfs)
name="$("${pod[@]}" load -q -i "$archive" | sed -n 's/^Loaded image: //p')"
label="$("${pod[@]}" image inspect --format '{{index .Config.Labels "org.opencontainers.image.licenses"}}' "$name")"
bash_is_gpl="$("${pod[@]}" run --rm --network none "$name" bash --version | grep -c 'GPLv3+' || true)"
echo "licenses label: $label; bash --version mentions GPLv3+: $bash_is_gpl"
"${pod[@]}" rmi -a -f >/dev/null 2>&1 || true
[[ $label == *GPL-3.0-or-later* ]] || { echo "BUG: the image ships GPL-3.0-or-later bash but its licenses label is '$label'"; exit 1; }
