#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Regenerates the Wireshark screenshots of docs/plugin.md (docs/images/plugin-*.png): runs the
# GUI tests (tests/plugin/gui_test.py: Wireshark's Qt GUI under Xvfb with the built plugin
# and the "stampkit" profile) and keeps the pictures they check. Needs the packages
# scripts/setup.sh installs and a build with the plugin:
#   scripts/plugin-screenshots.sh [BUILD_DIR]      (default: build)
# Exit status: the tests' (0 all passed; 77 no X server could be started here).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
plugin=$(ls "$build"/plugin/*/epan/stampkit.so 2>/dev/null | head -n 1 || true)
if [ -z "$plugin" ]; then
  echo "plugin-screenshots.sh: no stampkit.so under $build/plugin (cmake --build $build first)" >&2
  exit 2
fi
out=$here/docs/images
status=0
/usr/bin/python3 "$here/tests/plugin/gui_test.py" "$plugin" "$here/pcaps" \
  "$here/plugin/profile/stampkit" all --shots "$out" || status=$?
ls -l "$out"/plugin-*.png
exit $status
