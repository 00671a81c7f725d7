#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds stampkit twice and runs every test:
#   1. gcc, RelWithDebInfo: unit, golden-file, cross-check and example tests (CTest);
#   2. clang, ASan+UBSan with the libFuzzer targets: the same tests again under the
#      sanitizers, plus each fuzzer for a bounded time on its committed corpus;
#   3. the Debian packages: built with CPack, installed, checked and purged (as root only);
# with the banned-function and source-shape checks first. Exit status is non-zero if anything failed.
# FUZZ_SECONDS (default 20) bounds each fuzzer run.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
jobs=$(nproc)
fail=0
export FUZZ_SECONDS=${FUZZ_SECONDS:-20}

step() { printf '\n=== %s ===\n' "$*"; }

step "banned-function check"
scripts/check-banned.sh || fail=1

step "source shape check (file and function sizes, include cycles, layers)"
python3 scripts/check-layers.py || fail=1

step "build (gcc)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
cmake --build build -j"$jobs" || exit 1

step "build (clang, ASan+UBSan, fuzzers)"
CC=clang-14 cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSTAMPKIT_SANITIZE=ON \
  -DSTAMPKIT_BUILD_FUZZERS=ON -DSTAMPKIT_BUILD_PLUGIN=OFF -DSTAMPKIT_BUILD_BENCH=OFF >/dev/null || exit 1
cmake --build build-asan -j"$jobs" || exit 1

# The fuzzers run apart from the other tests: each keeps a core busy, and the live tests
# measure delays on loopback.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
step "tests under ASan+UBSan"
ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE fuzz || fail=1
step "fuzzers under ASan+UBSan, ${FUZZ_SECONDS}s each"
ctest --test-dir build-asan --output-on-failure -j"$jobs" -L fuzz || fail=1
unset ASAN_OPTIONS UBSAN_OPTIONS

step "tests"
ctest --test-dir build --output-on-failure -j"$jobs" || fail=1

# Last, alone: the packages put stampkit and the plugin into the system's own folders
# for a few seconds, where no other test may see them.
step "Debian packages (install, check, purge)"
scripts/test-deb.sh "$here/build-deb" || fail=1

exit $fail
