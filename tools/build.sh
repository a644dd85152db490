#!/usr/bin/env bash
# Configures (once) and builds Stratus into build/ (binaries in build/bin/).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${STRATUS_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
fi
cmake --build build -j "${STRATUS_JOBS:-2}"
