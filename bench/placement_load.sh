#!/usr/bin/env bash
# GET /placement/allocation_candidates under load (wrk, 1 thread) with N
# resource providers of 64 VCPU, 256 GiB, 2 TB each, through the gateway:
# what the scheduler asks before every decision. Prints wrk's figures.
# Usage: bench/placement_load.sh [providers, default 1000] [seconds, default 10] [connections, default 16]
set -euo pipefail
cd "$(dirname "$0")/.."
providers=${1:-1000}
seconds=${2:-10}
connections=${3:-16}
# shellcheck source=bench/cluster_lib.sh
source bench/cluster_lib.sh
start_cluster conductor identity placement gateway
echo "creating $providers providers"
python3 - "$base" "$token" "$providers" <<'PY'
import http.client, json, sys, urllib.parse
base, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
url = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port)
headers = {"X-Auth-Token": token, "Content-Type": "application/json",
           "OpenStack-API-Version": "placement 1.39"}
def call(method, path, body):
    conn.request(method, "/placement" + path, json.dumps(body), headers)
    r = conn.getresponse()
    data = r.read()
    assert r.status < 300, (r.status, data)
    return json.loads(data) if data else None
for i in range(n):
    rp = call("POST", "/resource_providers", {"name": f"bench-{i}"})
    call("PUT", f"/resource_providers/{rp['uuid']}/inventories", {
        "resource_provider_generation": rp["generation"],
        "inventories": {"VCPU": {"total": 64, "allocation_ratio": 4.0},
                        "MEMORY_MB": {"total": 262144, "reserved": 512},
                        "DISK_GB": {"total": 2000}}})
PY
for query in "resources=VCPU:2,MEMORY_MB:4096,DISK_GB:20" "resources=VCPU:2,MEMORY_MB:4096,DISK_GB:20&limit=1000"; do
  echo "== GET /placement/allocation_candidates?$query ($providers providers, $connections connections)"
  wrk -t1 -c"$connections" -d"${seconds}s" --latency -H "X-Auth-Token: $token" \
    -H "OpenStack-API-Version: placement 1.39" "$base/placement/allocation_candidates?$query" |
    grep -E "Requests/sec|Latency|99%|50%|Transfer/sec"
done
