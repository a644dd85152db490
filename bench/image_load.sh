#!/usr/bin/env bash
# Image data through the gateway next to the disk's own rate, and image
# listing under load, on loopback:
#   1. write: dd (conv=fdatasync) vs PUT /image/v2/images/{id}/file (the
#      image role fsyncs too, and hashes md5 + sha512 on the way)
#   2. read: dd vs GET …/file, both from a cold page cache when we may drop
#      it (root), else both from a warm one (said in the output)
#   3. listing: 10,000 images, pages of 25 (GET /image/v2/images?limit=25
#      &marker=<a random image>) with wrk
# Usage: bench/image_load.sh [MiB, default 1024; 0: listing only] [seconds of listing load]
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-1024}
seconds=${2:-10}
# shellcheck source=bench/cluster_lib.sh
source bench/cluster_lib.sh
start_cluster conductor identity image-api gateway
images="$base/image/v2/images"
scratch="$state/run/nodes/ctl-1"  # the filesystem the store writes to

create_image() {
  curl -sf -H "X-Auth-Token: $token" -H "Content-Type: application/json" \
    -d '{"name": "'"$1"'", "disk_format": "raw", "container_format": "bare"}' "$images" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}
cold_cache() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 3 > /proc/sys/vm/drop_caches; echo cold; else echo warm; fi
}
rate() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f MB/s", b / s / 1e6 }'; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { print b - a }'; }

data_rates() {
bytes=$((mib * 1024 * 1024))
head -c "$bytes" /dev/zero > "$state/source"   # what clients send, from the page cache

echo "== write $mib MiB"
start=$(date +%s.%N)
dd if=/dev/zero of="$scratch/dd.tmp" bs=1M count="$mib" conv=fdatasync status=none
disk_write=$(since "$start")
id=$(create_image bench-data)
upload=$(curl -sf -T "$state/source" -H "X-Auth-Token: $token" \
  -H "Content-Type: application/octet-stream" -w '%{time_total}' -o /dev/null "$images/$id/file")
echo "dd:     $(rate "$bytes" "$disk_write")"
echo "upload: $(rate "$bytes" "$upload") ($(awk -v a="$disk_write" -v b="$upload" 'BEGIN { printf "%.0f", 100 * a / b }')% of dd)"

echo "== read $mib MiB ($(cold_cache) page cache)"
start=$(date +%s.%N)
dd if="$scratch/dd.tmp" of=/dev/null bs=1M status=none
disk_read=$(since "$start")
cold_cache >/dev/null
download=$(curl -sf -H "X-Auth-Token: $token" -w '%{time_total}' -o /dev/null "$images/$id/file")
echo "dd:       $(rate "$bytes" "$disk_read")"
echo "download: $(rate "$bytes" "$download") ($(awk -v a="$disk_read" -v b="$download" 'BEGIN { printf "%.0f", 100 * a / b }')% of dd)"
rm -f "$scratch/dd.tmp" "$state/source"
}
[ "$mib" -gt 0 ] && data_rates

echo "== listing 10,000 images in pages of 25"
python3 - "$images" "$token" "$state/ids" <<'PY'
import http.client, json, sys, urllib.parse
url, token, out = sys.argv[1], sys.argv[2], sys.argv[3]
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port)
ids = []
for i in range(10000):
    conn.request("POST", u.path, json.dumps({"name": f"list-{i:05}", "disk_format": "raw",
                                              "container_format": "bare"}),
                 {"X-Auth-Token": token, "Content-Type": "application/json"})
    r = conn.getresponse()
    ids.append(json.loads(r.read())["id"])
with open(out, "w") as f:
    f.write("\n".join(ids) + "\n")
PY
cat > "$state/pages.lua" <<LUA
local ids = {}
for line in io.lines("$state/ids") do ids[#ids + 1] = line end
wrk.headers["X-Auth-Token"] = "$token"
request = function()
  return wrk.format("GET", "/image/v2/images?limit=25&marker=" .. ids[math.random(#ids)])
end
LUA
wrk -t1 -c16 -d"${seconds}s" --latency -s "$state/pages.lua" "$base" |
  grep -E "Requests/sec|Non-2xx|50%|99%|Socket errors"
