#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (non-zero on any failure).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
cd build
ctest --output-on-failure -j "${STRATUS_TEST_JOBS:-2}" "$@"
