#!/bin/sh
# doc/behaviour.md must be what the traces say now.
set -u
: "${TCPSIM:?}" "${TOP_SRCDIR:?}"
tmp=$(mktemp) || exit 99
trap 'rm -f "$tmp"' EXIT
sh "$TOP_SRCDIR/tests/gen-behaviour.sh" >"$tmp" || exit 1
if cmp -s "$tmp" "$TOP_SRCDIR/doc/behaviour.md"; then
	echo "PASS: doc/behaviour.md is up to date"
	echo "1 passed, 0 failed"
	exit 0
fi
echo "FAIL: doc/behaviour.md is out of date; 'make update-docs' rewrites it:"
diff -u "$TOP_SRCDIR/doc/behaviour.md" "$tmp" | head -40
echo "0 passed, 1 failed"
exit 1
