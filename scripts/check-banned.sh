#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fails on calls that have no place in this code base: unbounded string functions anywhere,
# and printf/exit/abort inside codec/ (the library reports; the tools decide).
set -u
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
# Strip comments and string literals before matching, so prose does not trip the check.
strip() { sed -E 's://.*$::; s:"([^"\\]|\\.)*":"":g' "$1" | awk '
  { line=$0; out="";
    while (length(line)) {
      if (incomment) { i=index(line,"*/"); if (!i) { line=""; break } line=substr(line,i+2); incomment=0; continue }
      i=index(line,"/*"); if (!i) { out=out line; break }
      out=out substr(line,1,i-1); line=substr(line,i+2); incomment=1 }
    print out }'; }
for f in $files; do
  hits=$(strip "$f" | grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|atoll|strtok)[[:space:]]*\(')
  if [ -n "$hits" ]; then
    printf '%s\n' "$hits" | sed "s|^|$f:|"
    status=1
  fi
  case "$f" in
  codec/*)
    hits=$(strip "$f" | grep -nE '(^|[^_[:alnum:]])(printf|exit|abort|_exit|puts|perror)[[:space:]]*\(')
    if [ -n "$hits" ]; then
      printf '%s\n' "$hits" | sed "s|^|$f: (not allowed in codec/) |"
      status=1
    fi
    ;;
  esac
done
if [ $status -eq 0 ]; then
  echo "banned-function check: clean ($(printf '%s\n' $files | wc -l) files)"
else
  echo "banned-function check: FAILED" >&2
fi
exit $status
