#!/usr/bin/env bash
# Installs what is missing, builds, and starts the all-in-one cluster
# (one controller and two compute nodes on loopback), state under var/.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
build/bin/stratus-launch up "$@"
# As root the compute nodes are hosts of their own on the provider bridge:
# the default cluster then gets its external network (routers' gateways,
# floating IPs).
if [ "$(id -u)" = 0 ] && [ $# -eq 0 ]; then
  tools/public_network.sh
fi
