#!/bin/sh
# make install (into a scratch DESTDIR) puts the documents in $(docdir), the
# traces with their expected reports in $(docdir)/examples/traces, and a man
# page that names that directory; the installed command runs the examples
# as a suite; make uninstall takes them away again.
set -u
LC_ALL=C
export LC_ALL
: "${TOP_SRCDIR:?set TOP_SRCDIR to the source tree}"
: "${TOP_BUILDDIR:?set TOP_BUILDDIR to the build tree}"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

prefix=/usr
d="$tmp/root"
${MAKE:-make} -s -C "$TOP_BUILDDIR" install DESTDIR="$d" prefix="$prefix" \
	>"$tmp/log" 2>&1 || { cat "$tmp/log"; bad "make install"; echo "$pass passed, $fail failed"; exit 1; }
docdir="$prefix/share/doc/tcpsim"
for f in "$TOP_SRCDIR/doc/"*.md; do
	n=$(basename "$f")
	check "installs $n" "cmp -s '$f' '$d$docdir/$n'"
done
ntraces=$(cd "$TOP_SRCDIR" && find traces -name '*.trace' | wc -l)
check "installs every trace as an example ($ntraces)" \
	"[ \"\$(cd '$d$docdir/examples' && find traces -name '*.trace' | wc -l)\" -eq $ntraces ]"
check "each with its expected report" \
	"cmp -s '$TOP_SRCDIR/traces/close/broken-pipe.out' '$d$docdir/examples/traces/close/broken-pipe.out'"
man="$d$prefix/share/man/man1/tcpsim.1"
check "the man page names the documentation directory" \
	"grep -qF '$docdir/trace\\-format.md' '$man' && ! grep -q '/usr/local/share/doc' '$man'"
check "the man page names the examples" "grep -qF '$docdir/examples/traces' '$man'"
LD_LIBRARY_PATH="$d$prefix/lib" "$d$prefix/bin/tcpsim" test "$d$docdir/examples/traces" >"$tmp/t" 2>&1
check "the installed examples pass as a suite, expected reports included" \
	"[ \$? -eq 0 ] && tail -n 1 '$tmp/t' | grep -qx '$ntraces passed, 0 failed'"
${MAKE:-make} -s -C "$TOP_BUILDDIR" uninstall DESTDIR="$d" prefix="$prefix" >"$tmp/log" 2>&1
check "make uninstall leaves no file" "[ -z \"\$(find '$d' -type f)\" ]"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
