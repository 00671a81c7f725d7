#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job on a bundled default: build stampkit, then decode the bundled capture of an
# authenticated TWAMP session made with perfSONAR owamp 5.2.3 (TWAMP-Control on TCP 18620),
# decrypting control and test packets with its shared secret and checking every HMAC.
# Any arguments replace the default capture and options: scripts/demo.sh [DECODE ARGS...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/build.sh"
stampkit="$here/build/tools/stampkit"
if [ $# -gt 0 ]; then
  exec "$stampkit" decode "$@"
fi
capture="$here/pcaps/owamp/twamp-owamp523-modeA.pcap"
echo "== stampkit decode --port 18620 --secret alice=twamp-test-secret $capture"
"$stampkit" decode --port 18620 --secret alice=twamp-test-secret "$capture"
echo
echo "== the same as JSON, one object per packet (first 4 lines)"
"$stampkit" decode --json --port 18620 --secret alice=twamp-test-secret "$capture" | sed -n '1,4p'
