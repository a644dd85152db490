#!/usr/bin/env bash
# GET /network/v2.0/ports?network_id=X under load (wrk, 1 thread) with
# N ports spread over 100 networks (each with a /16 subnet), through the
# gateway: what Nova and the CLI ask for a network's ports. Also prints
# how fast the ports were created (bulk POSTs of 100, addresses and MACs
# allocated, written through the conductor).
# Usage: bench/network_load.sh [ports, default 10000] [seconds, default 10] [connections, default 16]
set -euo pipefail
cd "$(dirname "$0")/.."
ports=${1:-10000}
seconds=${2:-10}
connections=${3:-16}
# shellcheck source=bench/cluster_lib.sh
source bench/cluster_lib.sh
start_cluster conductor identity network-server gateway
network=$(python3 - "$base" "$token" "$ports" <<'PY'
import http.client, json, sys, time, urllib.parse
base, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
url = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port)
headers = {"X-Auth-Token": token, "Content-Type": "application/json"}
def call(method, path, body):
    conn.request(method, "/network/v2.0" + path, json.dumps(body), headers)
    r = conn.getresponse()
    data = r.read()
    assert r.status < 300, (r.status, data)
    return json.loads(data) if data else None
networks = []
for i in range(100):
    net = call("POST", "/networks", {"network": {"name": f"bench-{i}"}})["network"]
    call("POST", "/subnets", {"subnet": {"network_id": net["id"], "cidr": f"10.{i}.0.0/16",
                                         "ip_version": 4}})
    networks.append(net["id"])
project = net["project_id"]
call("PUT", f"/quotas/{project}", {"quota": {"port": -1}})
started = time.monotonic()
made = 0
while made < n:
    batch = min(100, n - made)
    call("POST", "/ports", {"ports": [{"network_id": networks[(made + k) % 100]}
                                      for k in range(batch)]})
    made += batch
took = time.monotonic() - started
print(f"created {n} ports in {took:.1f} s ({n / took:.0f} ports/s, bulk of 100)", file=sys.stderr)
print(networks[0])
PY
)
echo "== GET /network/v2.0/ports?network_id=<one of 100> ($ports ports, $connections connections)"
wrk -t1 -c"$connections" -d"${seconds}s" --latency -H "X-Auth-Token: $token" \
  "$base/network/v2.0/ports?network_id=$network" |
  grep -E "Requests/sec|Latency|99%|50%|Transfer/sec"
