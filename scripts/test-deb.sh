#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds the Debian packages with CPack, checks them with lintian, installs them with apt-get as a user would, checks
# what they installed, and purges them again (with any dependency apt-get added), so the
# machine is left as it was:
#   stampkit                  stampkit --version, the man pages, the units (systemd-analyze verify)
#   libstampkit0, -dev        docs/examples/stamp_example.c built with pkg-config and run
#   stampkit-wireshark-plugin tshark, as an unprivileged user, loads it from Wireshark's own
#                             folder and decodes a bundled capture with it
# Needs root on Debian (apt-get); otherwise, or when a stampkit package is installed already,
# it says why and skips (exit 0). BUILD_DIR defaults to build-deb.
# usage: scripts/test-deb.sh [BUILD_DIR]
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build-deb}
pkgs=(stampkit libstampkit0 libstampkit-dev stampkit-wireshark-plugin)

skip() { echo "test-deb: skipped: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "not root (apt-get install needs it)"
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || skip "no apt-get/dpkg-deb (not Debian)"
for p in "${pkgs[@]}"; do
	if dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "installed"; then
		skip "package $p is installed already; this script does not touch an existing installation"
	fi
done

fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

echo "test-deb: building the packages in $build"
cmake -S "$here" -B "$build" -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DSTAMPKIT_BUILD_TESTS=OFF -DSTAMPKIT_BUILD_BENCH=OFF >/dev/null || exit 1
cmake --build "$build" -j"$(nproc)" >/dev/null || exit 1
rm -f "$build"/*.deb
(cd "$build" && cpack -G DEB) >"$build/cpack.log" 2>&1 || { cat "$build/cpack.log"; echo "cpack failed"; exit 1; }
debs=()
for p in "${pkgs[@]}"; do
	f=$(ls "$build/${p}_"*.deb 2>/dev/null | head -n1)
	if [ -n "$f" ]; then debs+=("$f"); else bad "no $p package built"; fi
done
[ ${#debs[@]} -gt 0 ] || exit 1

# Debian's own package checker: no error and no warning (the one deliberate exception,
# server.keys at 0600, is overridden in the package itself).
if command -v lintian >/dev/null; then
	if lint=$(lintian --fail-on error,warning --tag-display-limit 0 "${debs[@]}" 2>&1 |
		grep -v "running with root privileges"; exit "${PIPESTATUS[0]}"); then
		ok "lintian: no errors or warnings in ${#debs[@]} packages"
	else
		bad "lintian:"$'\n'"$lint"
	fi
else
	bad "lintian is not installed (scripts/setup.sh installs it)"
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"
before=$tmp/before.list
dpkg-query -W -f '${Package}\n' | sort >"$before"
cleanup() {
	# Our packages, their conffiles and whatever apt-get installed for them.
	trap - EXIT
	local added
	added=$(dpkg-query -W -f '${Package}\n' | sort | comm -13 "$before" -)
	if [ -n "$added" ]; then
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $added >/dev/null 2>&1 ||
			bad "could not purge: $added"
	fi
	local left
	left=$(dpkg-query -W -f '${Package}\n' | sort | comm -13 "$before" -)
	if [ -n "$left" ]; then bad "still installed after purge: $left"; else ok "purged: $(echo $added)"; fi
	for f in /usr/bin/stampkit /etc/stampkit /etc/default/stampkit-server /usr/lib/systemd/system/stampkit-server.service; do
		[ ! -e "$f" ] || bad "$f left behind"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "test-deb: apt-get install ${debs[*]##*/}"
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${debs[@]}" \
	>"$tmp/apt.log" 2>&1; then
	cat "$tmp/apt.log"
	bad "apt-get install"
	exit 1
fi

# The command.
v=$(/usr/bin/stampkit --version 2>&1)
if [ "$v" = "stampkit $(sed -n 's/^project(stampkit VERSION \([0-9.]*\).*/\1/p' "$here/CMakeLists.txt")" ]; then
	ok "/usr/bin/stampkit --version: $v"
else
	bad "/usr/bin/stampkit --version: '$v'"
fi
if dpkg -L stampkit | grep -q '/man1/stampkit-sender\.1\.gz$'; then
	if [ -f /usr/share/man/man1/stampkit-sender.1.gz ] && command -v man >/dev/null; then
		if MANWIDTH=80 man -P cat stampkit-sender 2>/dev/null | grep -q -- '--count'; then
			ok "man stampkit-sender shows the page"
		else
			bad "man stampkit-sender"
		fi
	else
		# Docker's Debian images keep dpkg from unpacking /usr/share/man; the package has it.
		ok "stampkit-sender.1.gz is in the package (man or the unpacked page absent here)"
	fi
else
	bad "stampkit-sender.1.gz not in the stampkit package"
fi
for u in stampkit-responder stampkit-server stampkit-monitor; do
	[ -f "/usr/lib/systemd/system/$u.service" ] || { bad "$u.service not installed"; continue; }
	if command -v systemd-analyze >/dev/null; then
		out=$(systemd-analyze verify --man=no "/usr/lib/systemd/system/$u.service" 2>&1)
		# The monitor's subcommand may be missing from this build; verify does not run it.
		if [ -z "$out" ]; then ok "$u.service installed, systemd-analyze verify clean"; else bad "$u.service: $out"; fi
	else
		ok "$u.service installed (no systemd-analyze to verify it)"
	fi
	if [ -d /run/systemd/system ] && systemctl is-enabled "$u" 2>/dev/null | grep -q '^enabled'; then
		bad "$u is enabled after installation (nothing should be)"
	fi
done
[ "$(stat -c %a /etc/stampkit/server.keys 2>/dev/null)" = 600 ] && ok "/etc/stampkit/server.keys is 0600" ||
	bad "/etc/stampkit/server.keys missing or not 0600"
for p in "${pkgs[@]}"; do
	[ -f "/usr/share/doc/$p/copyright" ] && ok "$p: /usr/share/doc/$p/copyright" || bad "$p: no copyright file"
	[ -f "/usr/share/doc/$p/changelog.Debian.gz" ] && gzip -t "/usr/share/doc/$p/changelog.Debian.gz" ||
		bad "$p: no valid changelog.Debian.gz"
done
# libstampkit0 refreshes the linker cache through dpkg's ldconfig trigger.
if ldconfig -p | grep -q 'libstampkit\.so\.0 '; then
	ok "libstampkit.so.0 is in the linker cache (ldconfig trigger)"
else
	bad "libstampkit.so.0 not in the linker cache after install"
fi

# The library: the documented example, built with pkg-config alone against the packages
# (only the system's .pc folders: a stampkit.pc under /usr/local must not stand in).
pcdir=$(dirname "$(dpkg -L libstampkit-dev | grep '/stampkit\.pc$')")
export PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$pcdir:/usr/lib/pkgconfig:/usr/share/pkgconfig"
if cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags stampkit) "$here/docs/examples/stamp_example.c" \
	-o "$tmp/stamp_example" $(pkg-config --libs stampkit) 2>"$tmp/cc.log" &&
	"$tmp/stamp_example" | grep -q "seq 7"; then
	lib=$(ldd "$tmp/stamp_example" | awk '/libstampkit\.so/ { print $3 }')
	if dpkg -S "$(readlink -f "$lib")" 2>/dev/null | grep -q '^libstampkit0:'; then
		ok "stamp_example built with pkg-config against libstampkit-dev, ran with $lib (libstampkit0)"
	else
		bad "stamp_example ran with '$lib', not libstampkit0's library"
	fi
else
	cat "$tmp/cc.log"
	bad "stamp_example against the installed library"
fi

# The plugin: tshark run as root ignores plugins, so as nobody, over a world-readable copy
# of a capture; from Wireshark's global folder (no WIRESHARK_PLUGIN_DIR).
if command -v tshark >/dev/null; then
	cp "$here/pcaps/synthetic/stamp-tlv.pcap" "$tmp/"
	chmod 644 "$tmp/stamp-tlv.pcap"
	asuser=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$tmp")
	plugins=$("${asuser[@]}" tshark -G plugins 2>&1)
	if grep -q "stampkit.so" <<<"$plugins"; then
		ok "tshark -G plugins (as nobody) lists $(grep stampkit.so <<<"$plugins" | tr -s '\t ' ' ')"
	else
		bad "tshark -G plugins does not list stampkit.so"
	fi
	n=$("${asuser[@]}" tshark -n -r "$tmp/stamp-tlv.pcap" -Y stamp.seq -T fields -e stamp.seq 2>"$tmp/tshark.err" | wc -l)
	if [ "$n" -gt 0 ] && [ ! -s "$tmp/tshark.err" ]; then
		ok "tshark decodes $n STAMP packets of stamp-tlv.pcap with the plugin (stamp.seq)"
	else
		cat "$tmp/tshark.err"
		bad "tshark with the plugin decoded no stamp.seq in stamp-tlv.pcap"
	fi
	# The configuration profile ships with the plugin, in Wireshark's global profiles folder;
	# tshark copies a global profile into the user's folder, so this user needs a home.
	if dpkg -L stampkit-wireshark-plugin | grep -q '/usr/share/wireshark/profiles/stampkit/preferences$' &&
		mkdir -p "$tmp/home" && chown 65534:65534 "$tmp/home" &&
		setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$tmp/home" \
			tshark -C stampkit -n -r "$tmp/stamp-tlv.pcap" -c 1 >/dev/null 2>"$tmp/profile.err" &&
		[ ! -s "$tmp/profile.err" ]; then
		ok "the stampkit profile is installed and tshark -C stampkit (as nobody) uses it"
	else
		cat "$tmp/profile.err" 2>/dev/null
		bad "the stampkit profile is not in the plugin package or tshark -C stampkit refuses it"
	fi
else
	bad "no tshark to check the plugin package with"
fi
cleanup
[ $fail -eq 0 ] && echo "test-deb: all packages installed, checked and purged" || echo "test-deb: FAILED"
exit $fail
