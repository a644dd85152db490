#!/usr/bin/env bash
# Installs what is missing, builds, and starts the all-in-one cluster
# (one controller and two compute nodes on loopback), state under var/.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
exec build/bin/stratus-launch up "$@"
