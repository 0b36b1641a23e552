#!/bin/bash
# usage: run_evil.sh MODE SECRET [extra probe args...] — starts evil_idp.py, runs probe, prints output and exit, stops the server.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${BIN:-$here/../../../target/debug/clearml-sso}
mode=$1; secret=$2; shift 2
tmp=$(mktemp -d)
python3 "$here/evil_idp.py" "$mode" "$tmp/log" > "$tmp/port" &
pid=$!
for i in $(seq 50); do grep -q listening "$tmp/port" 2>/dev/null && break; sleep 0.1; done
port=$(awk '{print $2}' "$tmp/port")
cat > "$tmp/policy.toml" <<P
version = 1
[enforce]
plaintext_secrets = "allow"
[sso]
webapp = "https://app.example.com"
[providers.keycloak]
url = "http://127.0.0.1:$port"
realm = "r"
client_id = "${CLIENT_ID:-clearml}"
client_secret = "$secret"
P
start=$(date +%s.%N)
env -u HTTPS_PROXY -u HTTP_PROXY -u ALL_PROXY "$bin" probe --policy "$tmp/policy.toml" "$@" > "$tmp/out" 2> "$tmp/err"
code=$?
end=$(date +%s.%N)
echo "exit=$code elapsed=$(echo "$end - $start" | bc)"
echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"
echo "--- requests: $(wc -l < "$tmp/log")"
kill $pid
echo "TMP=$tmp"
