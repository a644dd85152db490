#!/usr/bin/env bash
# Load on the gateway and the identity role with wrk, on loopback:
#   1. the gateway's ceiling: a version document (no message to any role)
#   2. token validation: GET /identity/v3/auth/tokens with X-Subject-Token
#   3. token issue with the token method (no password hashing on the path)
# Usage: bench/identity_load.sh [seconds per run] [connection counts...]
# Each load runs once per connection count (default: 16 and 50).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
shift || true
counts=("${@:-16 50}")
read -r -a counts <<< "${counts[*]}"
threads=${WRK_THREADS:-1}
bin=build/bin
state=$(mktemp -d)
trap '"$bin/stratus-launch" down --state-dir "$state/run" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT

cat > "$state/cluster.toml" <<TOML
[cluster]
[[node]]
name = "ctl-1"
roles = ["conductor", "identity", "gateway"]
TOML
"$bin/stratus-launch" up --cluster "$state/cluster.toml" --state-dir "$state/run" >/dev/null
# shellcheck disable=SC1091
source "$state/run/openrc"
base=${OS_AUTH_URL}
token=$(curl -s -i -H "Content-Type: application/json" -d @- "$base/auth/tokens" <<JSON | tr -d '\r' | awk '/^[Xx]-[Ss]ubject-[Tt]oken:/ {print $2}'
{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "$OS_USERNAME",
 "domain": {"name": "Default"}, "password": "$OS_PASSWORD"}}},
 "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
JSON
)
[ -n "$token" ] || { echo "could not get a token" >&2; exit 1; }

cat > "$state/issue.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"auth": {"identity": {"methods": ["token"], "token": {"id": "$token"}}, "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}'
LUA

run() {
  local title=$1; shift
  for connections in "${counts[@]}"; do
    echo "== $title (wrk -t$threads -c$connections -d${seconds}s)"
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$@" |
      grep -E "Requests/sec|Non-2xx|50%|99%|Socket errors"
  done
}
run "gateway ceiling: GET /identity/v3 (version document)" "$base"
run "token validation: GET /identity/v3/auth/tokens" -H "X-Auth-Token: $token" -H "X-Subject-Token: $token" "$base/auth/tokens"
run "token issue, token method: POST /identity/v3/auth/tokens" -s "$state/issue.lua" "$base/auth/tokens"
