#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# damaged.sh - `stampkit analyze` on damaged or unusable input: each case must give its
# documented exit status and say what is wrong in words, and never crash.
# usage: damaged.sh STAMPKIT SRCDIR WORKDIR
bin=$1 src=$2 work=$3/damaged
rm -rf "$work" && mkdir -p "$work" || exit 1
snd=$src/pcaps/synthetic/analyze-stateful-sender.pcap
fail=0

# expect NAME STATUS STDOUT-REGEX STDERR-REGEX -- ARGS...
expect() {
	name=$1 want=$2 outre=$3 errre=$4
	shift 5
	"$bin" analyze "$@" >"$work/$name.out" 2>"$work/$name.err" </dev/null
	rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL $name: exit status $rc, want $want"; cat "$work/$name.err"; fail=1; return
	fi
	if [ -n "$outre" ] && ! grep -Eq "$outre" "$work/$name.out"; then
		echo "FAIL $name: standard output lacks /$outre/"; cat "$work/$name.out"; fail=1; return
	fi
	if [ -n "$errre" ] && ! grep -Eq "$errre" "$work/$name.err"; then
		echo "FAIL $name: standard error lacks /$errre/"; cat "$work/$name.err"; fail=1; return
	fi
	echo "ok   $name (exit $rc)"
}

# A capture cut in the middle of a record: the results of what was read, a warning, 3.
head -c 5000 "$snd" >"$work/cut.pcap"
expect cut 3 'Sent 25, received 23, lost 2' 'capture is damaged .*truncated' -- "$work/cut.pcap"
expect cut-json 3 '"sent":25' 'capture is damaged' -- --json "$work/cut.pcap"
# A record header with an impossible length after the file header.
{ head -c 24 "$snd"; printf '\377\377\377\177\377\377\377\177\377\377\377\177\377\377\377\177'; tail -c +41 "$snd"; } >"$work/badhdr.pcap"
expect bad-record-header 3 'Summary: 0 sessions' 'capture is damaged .*capture length' -- "$work/badhdr.pcap"
# An empty file and random bytes are not captures: 1 and a message.
: >"$work/empty.pcap"
expect empty 1 '' 'empty.pcap: .*(truncated|header)' -- "$work/empty.pcap"
/usr/bin/python3 -c 'import random,sys; r=random.Random(5); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(4096)))' >"$work/random.bin"
expect random 1 '' 'random.bin: unknown file format' -- "$work/random.bin"
# Random bytes after a valid pcap file header: damage, status 3.
{ head -c 24 "$snd"; head -c 2000 "$work/random.bin"; } >"$work/random-records.pcap"
"$bin" analyze "$work/random-records.pcap" >/dev/null 2>"$work/random-records.err"
rc=$?
case $rc in
3) grep -q 'damaged\|malformed' "$work/random-records.err" && echo "ok   random-records (exit 3)" ||
	{ echo "FAIL random-records: exit 3 without a warning"; fail=1; } ;;
*) echo "FAIL random-records: exit status $rc, want 3"; fail=1 ;;
esac
# A pcapng whose interfaces have different link types (libpcap reads one link type only).
if command -v mergecap >/dev/null 2>&1; then
	mergecap -F pcapng -w "$work/mixed.pcapng" "$snd" "$src/pcaps/synthetic/stamp-sll2-ipv6.pcap"
	expect mixed-linktypes 3 'Summary' 'capture is damaged .*different from the type' -- "$work/mixed.pcapng"
else
	echo "skip mixed-linktypes: mergecap not found"
fi
# Missing file, usage errors.
expect missing 1 '' 'no-such.pcap' -- "$work/no-such.pcap"
expect no-file 2 '' '^stampkit analyze: missing operand' --
expect bad-port 2 '' '^stampkit analyze: --port: .*1 to 65535' -- --port 0 "$snd"
expect bad-capture-point 2 '' '^stampkit analyze: --capture-point: .*sender[|]reflector' -- --capture-point middle "$snd"
expect bad-secret 2 '' 'KEYID=PASSPHRASE' -- --secret nokey "$snd"
expect unknown-option 2 '' 'unknown option' -- --frobnicate "$snd"
expect stdin-twice 2 '' 'only once' -- - -
expect csv-short 2 '' "unknown option '-c'" -- -c out.csv "$snd"
# A usage error is one line plus the pointer to --help, nothing on standard output.
for n in no-file bad-port bad-capture-point bad-secret unknown-option stdin-twice csv-short; do
	if [ "$(wc -l <"$work/$n.err")" != 2 ] || ! grep -q "^Try 'stampkit analyze --help' for more information.$" "$work/$n.err" ||
		[ -s "$work/$n.out" ]; then
		echo "FAIL $n: not one line plus the Try line"; cat "$work/$n.err"; fail=1
	fi
done
exit $fail
