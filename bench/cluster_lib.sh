# Shared by the load scripts: a one-node cluster in a temporary state
# directory (stopped and removed on exit) and an admin token for it.
# Source it, then: start_cluster role...; the cluster's URL is in $base
# (the gateway's root) and a project-scoped admin token in $token.

bin=build/bin
state=$(mktemp -d)
trap '"$bin/stratus-launch" down --state-dir "$state/run" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT

start_cluster() {
  local roles
  roles=$(printf '"%s", ' "$@")
  cat > "$state/cluster.toml" <<TOML
[cluster]
[[node]]
name = "ctl-1"
roles = [${roles%, }]
TOML
  "$bin/stratus-launch" up --cluster "$state/cluster.toml" --state-dir "$state/run" >/dev/null
  # shellcheck disable=SC1091
  source "$state/run/openrc"
  base=${OS_AUTH_URL%/identity/v3}
  token=$(curl -s -i -H "Content-Type: application/json" -d @- "$OS_AUTH_URL/auth/tokens" <<JSON | tr -d '\r' | awk '/^[Xx]-[Ss]ubject-[Tt]oken:/ {print $2}'
{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "$OS_USERNAME",
 "domain": {"name": "Default"}, "password": "$OS_PASSWORD"}}},
 "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
JSON
)
  [ -n "$token" ] || { echo "could not get a token" >&2; exit 1; }
}
