#!/usr/bin/env bash
# found by atk21: the Argo CD sidecar image sets HOME=/tmp but has no /tmp. Where nothing is
# mounted there — docs/ci.md's GitLab job runs in this image "with nothing to install" — every
# Helm command that writes its config or cache fails as uid 999 (or OpenShift's arbitrary uid):
# `helm repo add allegroai https://…`, which templating the public chart needs, says
# "Error: mkdir /tmp: permission denied" before it ever reaches the network. (The Argo CD recipe
# mounts an emptyDir at /tmp, so the sidecar itself is fine.)
# Usage: found/image-sidecar-no-tmp.sh RELEASE_OUTDIR   (scripts/release's output)
# Needs PODMAN_BIN etc. from scripts/fetch-test-deps. Exit 1 = the bug is there.
set -euo pipefail
out="$1"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
pod=("${PODMAN_BIN:-podman}" --root "$tmp/st" --runroot "$tmp/run" --storage-driver vfs)
name="$("${pod[@]}" load -q -i "$(ls "$out"/argocd-cmp-clearml-sso-*-linux-amd64.oci.tar | head -n1)" | sed -n 's/^Loaded image: //p')"
bad=0
for user in 999 1000680000:0; do
  # No network here: the add must fail at the download, after Helm made its config directory.
  said="$("${pod[@]}" run --rm --network none --user "$user" "$name" \
    bash -c 'helm repo add allegroai https://allegroai.github.io/clearml-helm-charts 2>&1; [[ -d /tmp/.config/helm ]] && echo HELM-HOME-WRITABLE' || true)"
  echo "uid $user: $said"
  [[ $said == *HELM-HOME-WRITABLE* ]] || bad=1
done
((!bad)) || { echo "BUG: Helm cannot write its home (/tmp) in the sidecar image without a mount there"; exit 1; }
