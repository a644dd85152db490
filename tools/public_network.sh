#!/usr/bin/env bash
# The all-in-one cluster's external network, as devstack makes it: "public",
# flat on physnet1 (the launcher's provider bridge, where this machine is
# 172.24.4.1), floating IPs from 172.24.4.10–254. Made once; run again, it
# leaves an existing "public" alone.
set -euo pipefail
cd "$(dirname "$0")/.."
source "${1:-var/openrc}"
if openstack network show public >/dev/null 2>&1; then
  exit 0
fi
openstack network create --external --provider-network-type flat \
  --provider-physical-network physnet1 public >/dev/null
openstack subnet create --network public --subnet-range 172.24.4.0/24 --gateway 172.24.4.1 \
  --allocation-pool start=172.24.4.10,end=172.24.4.254 --no-dhcp public-subnet >/dev/null
echo "external network: public (172.24.4.0/24, floating IPs reachable from this machine)"
