#!/usr/bin/env bash
# found by atk21: `docker run -t` (a terminal) without `-i` runs `check`/`render` on a stdin
# that is a terminal nobody writes to, and clearml-sso waits on it forever. Without -i and -t
# it fails clearly (empty stdin, exit 1); the terminal case should fail the same way at once
# ("stdin is a terminal: pipe the manifests in (docker run -i) or name a file").
# The same on the host: `clearml-sso check --policy p.toml` typed at a shell waits silently.
# Usage: found/image-cli-tty-hang.sh RELEASE_OUTDIR. Exit 1 = the bug is there.
set -euo pipefail
out="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
pod=("${PODMAN_BIN:-podman}" --root "$tmp/st" --runroot "$tmp/run" --storage-driver vfs)
name="$("${pod[@]}" load -q -i "$(ls "$out"/clearml-sso-cli-*-linux-amd64.oci.tar | head -n1)" | sed -n 's/^Loaded image: //p')"
# script(1) gives podman a terminal; -t without -i.
set +e
timeout 20 script -qec "${pod[*]} run --rm -t --network none -v $root/policies/keycloak.toml:/p.toml:ro $name check --policy /p.toml" /dev/null </dev/null
rc=$?
set -e
"${pod[@]}" rm -a -f -t 0 >/dev/null 2>&1 || true
echo "exit: $rc"
((rc != 124)) || { echo "BUG: still waiting on a terminal stdin after 20 s"; exit 1; }
