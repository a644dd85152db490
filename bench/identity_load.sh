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
# shellcheck source=bench/cluster_lib.sh
source bench/cluster_lib.sh
start_cluster conductor identity gateway

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
run "gateway ceiling: GET /identity/v3 (version document)" "$OS_AUTH_URL"
run "token validation: GET /identity/v3/auth/tokens" -H "X-Auth-Token: $token" -H "X-Subject-Token: $token" "$OS_AUTH_URL/auth/tokens"
run "token issue, token method: POST /identity/v3/auth/tokens" -s "$state/issue.lua" "$OS_AUTH_URL/auth/tokens"
