#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Configures and builds stampkit into build/ (or $BUILD_DIR). Extra arguments go to cmake.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build}
cmake -S "$here" -B "$build" "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
