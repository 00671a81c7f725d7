#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs the Debian 12 packages stampkit's build and tests need. Safe to run again.
set -euo pipefail
packages=(
  build-essential cmake pkg-config clang-14 libclang-rt-14-dev
  libgcrypt20-dev libpcap-dev libcmocka-dev libglib2.0-dev
  libwireshark-dev wireshark-dev tshark
  python3 python3-scapy python3-cryptography python3-jsonschema tcpdump tcpreplay iproute2 util-linux gnuplot-nox time
  systemd procps file strace
  xvfb wireshark-qt xdotool imagemagick tesseract-ocr
  libmicrohttpd-dev libinih-dev prometheus lintian
)
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get install -y -q --no-install-recommends "${packages[@]}"
