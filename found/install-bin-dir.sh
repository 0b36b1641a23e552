#!/usr/bin/env bash
# scripts/install-plugin (Helm 4) and scripts/install-binary with a --bin-dir / install
# directory they cannot use:
#  1. DIR/clearml-sso is a directory: `mv -f` moved the binary INTO it (as .clearml-sso.new or
#     .clearml-sso.partial), printed "installed  at DIR/clearml-sso" with an empty version and
#     exited 0; no command is there.
#  2. DIR is a file (or under one, or not writable): the Helm 4 plugin was installed (an older
#     one uninstalled) first, then a bare `mkdir: cannot create directory` and exit 1.
# Expected: both refused before anything is installed, naming the directory; exit non-zero.
# Usage: eval "$(scripts/fetch-test-deps)"; found/install-bin-dir.sh  (from the worktree root;
# needs gpg, python3 for a local mirror, and target/debug/clearml-sso built)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid"; rm -rf "$work"' EXIT
export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --passphrase "" --quick-gen-key "t <t@example.invalid>" ed25519 sign never >/dev/null 2>&1
fpr=$(gpg --with-colons --list-secret-keys 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }')
mkdir -p "$work/rel/bin/linux-amd64"
cp "$root/target/debug/clearml-sso" "$work/rel/bin/linux-amd64/"
HELM_BIN=$HELM4_BIN CLEARML_SSO_SIGN_KEY=$fpr "$root/scripts/release" --no-build "$work/rel" 2>/dev/null
rm -rf "$work/rel/bin"
port=$((20000 + RANDOM % 20000))
(cd "$work/rel" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
pid=$!
sleep 1
bad=0
run() { # HOME SCRIPT ARGS...
  local home=$1 script=$2
  shift 2
  mkdir -p "$home"
  env -i HOME="$home" PATH=/usr/bin:/bin HELM_BIN="$HELM4_BIN" CLEARML_SSO_RELEASES="http://127.0.0.1:$port/" \
    bash "$work/rel/$script" "$@" 2>&1
}
h="$work/h1"
mkdir -p "$h/bin/clearml-sso"
out=$(run "$h" install-plugin --bin-dir "$h/bin")
rc=$?
echo "1. install-plugin, DIR/clearml-sso a directory: exit $rc"
if [ "$rc" = 0 ]; then echo "   BUG: exit 0; $(grep 'installed ' <<<"$out" | tail -1)"; bad=1; fi
h="$work/h1b"
mkdir -p "$h/bin/clearml-sso"
out=$(env -i HOME="$h" PATH=/usr/bin:/bin CLEARML_SSO_INSTALL_DIR="$h/bin" CLEARML_SSO_RELEASES="http://127.0.0.1:$port/" bash "$work/rel/install-binary" 2>&1)
rc=$?
echo "1b. install-binary, DIR/clearml-sso a directory: exit $rc"
if [ "$rc" = 0 ]; then echo "   BUG: exit 0; $(tail -1 <<<"$out")"; bad=1; fi
h="$work/h2"
out=$(run "$h" install-plugin --bin-dir /etc/hostname/bin)
rc=$?
echo "2. install-plugin, --bin-dir under a file: exit $rc"
if env -i HOME="$h" "$HELM4_BIN" plugin list 2>/dev/null | grep -q '^clearml-sso'; then
  echo "   BUG: the plugin was installed anyway; $(tail -1 <<<"$out")"; bad=1
fi
exit $bad
