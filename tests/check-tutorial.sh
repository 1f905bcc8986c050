#!/bin/sh
# doc/tutorial.md's ladder diagrams must be what the traces give now.
set -u
: "${TCPSIM:?}" "${TOP_SRCDIR:?}"
tmp=$(mktemp) || exit 99
trap 'rm -f "$tmp"' EXIT
sh "$TOP_SRCDIR/tests/gen-tutorial.sh" >"$tmp" || exit 1
if cmp -s "$tmp" "$TOP_SRCDIR/doc/tutorial.md"; then
	echo "PASS: doc/tutorial.md diagrams are up to date"
	echo "1 passed, 0 failed"
	exit 0
fi
echo "FAIL: doc/tutorial.md diagrams are out of date; 'make update-docs' rewrites them:"
diff -u "$TOP_SRCDIR/doc/tutorial.md" "$tmp" | head -40
echo "0 passed, 1 failed"
exit 1
