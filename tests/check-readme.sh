#!/bin/sh
# The README's two commands work as written on a fresh Debian 12 machine:
# the first as root (where there is no sudo) and as a user with sudo, with
# apt-get, sudo, id and the build tools replaced by stubs that record what
# they were asked; the packages it installs are those the test suite needs
# (the ones .ci/run installs, less what only CI itself uses).
set -u
LC_ALL=C
export LC_ALL
: "${TOP_SRCDIR:?set TOP_SRCDIR to the source tree}"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

# The first two ```sh blocks of the README.
awk '/^```sh$/ { n++; on = 1; next } /^```$/ { on = 0 } on && n == 1' \
	"$TOP_SRCDIR/README.md" >"$tmp/first"
awk '/^```sh$/ { n++; on = 1; next } /^```$/ { on = 0 } on && n == 2' \
	"$TOP_SRCDIR/README.md" >"$tmp/second"
[ "$(wc -l <"$tmp/first")" -eq 1 ] && ok "the first command is one line" ||
	bad "the first command is one line"

# stub NAME: records "NAME ARGS" in $tmp/log and succeeds
stubs() {
	dir=$1
	uid=$2
	mkdir -p "$dir"
	for n in apt-get autoreconf make; do
		printf '#!/bin/sh\necho "%s $*" >>"%s/log"\n' "$n" "$tmp" >"$dir/$n"
		chmod +x "$dir/$n"
	done
	printf '#!/bin/sh\necho %s\n' "$uid" >"$dir/id"
	printf '#!/bin/sh\necho "./configure $*" >>"%s/log"\n' "$tmp" >"$dir/configure"
	printf '#!/bin/sh\necho "./tcpsim $*" >>"%s/log"\n' "$tmp" >"$dir/tcpsim"
	chmod +x "$dir/id" "$dir/configure" "$dir/tcpsim"
}
# run_as UID WITH_SUDO: the first command in a directory of stubs
run_as() {
	rm -rf "$tmp/bin" "$tmp/tree" "$tmp/log"
	stubs "$tmp/bin" "$1"
	if [ "$2" = 1 ]; then
		printf '#!/bin/sh\necho "sudo $*" >>"%s/log"\nexec "$@"\n' "$tmp" >"$tmp/bin/sudo"
		chmod +x "$tmp/bin/sudo"
	fi
	mkdir -p "$tmp/tree"
	cp "$tmp/bin/configure" "$tmp/bin/tcpsim" "$tmp/tree/"
	# only the stubs and the shell's own builtins: no sudo unless given
	(cd "$tmp/tree" && PATH="$tmp/bin" /bin/sh "$tmp/first")
}
run_as 0 0
st=$?
if [ $st -eq 0 ] && grep -qx 'apt-get update' "$tmp/log" &&
	! grep -q '^sudo' "$tmp/log" && grep -qx './tcpsim traces/close/broken-pipe.trace' "$tmp/log"; then
	ok "as root, without sudo: apt-get directly, then the build and the demo"
else
	bad "as root, without sudo (exit $st):"; cat "$tmp/log" 2>/dev/null
fi
run_as 1000 1
st=$?
if [ $st -eq 0 ] && grep -qx 'sudo apt-get update' "$tmp/log" &&
	grep -q '^sudo apt-get install -y ' "$tmp/log" &&
	grep -qx './tcpsim traces/close/broken-pipe.trace' "$tmp/log"; then
	ok "as a user with sudo: apt-get through sudo, then the build and the demo"
else
	bad "as a user with sudo (exit $st):"; cat "$tmp/log" 2>/dev/null
fi

# The packages: every one .ci/run installs for the suite (python3 is for
# make mutation, which CI alone runs; the browser tests get it through
# python3-websocket).
ci_only="clang-format locales valgrind gcovr clang libclang-rt-14-dev python3"
awk '/^apt-get install/ { on = 1 } on { print } on && !/\\$/ { exit }' \
	"$TOP_SRCDIR/.ci/run" | tr ' \t\\' '\n\n\n' |
	grep -v '^-\|^$\|^apt-get$\|^install$' >"$tmp/ci"
missing=
for p in $(cat "$tmp/ci"); do
	case " $ci_only " in *" $p "*) continue ;; esac
	grep -q " $p\\( \\|\$\\)" "$tmp/first" || missing="$missing $p"
done
[ -z "$missing" ] && [ -s "$tmp/ci" ] && ok "the README installs what the suite needs" ||
	bad "the README does not install:$missing"

# The second: the test suite, as .ci/run runs it.
grep -qxF 'autoreconf -fi && ./configure --enable-werror && make -j2 check' "$tmp/second" &&
	grep -qxF 'autoreconf -fi && ./configure --enable-werror && make -j2 check' "$TOP_SRCDIR/.ci/run" &&
	ok "the second command is the one CI runs" || bad "the second command is the one CI runs"

# The page of --html is shown: the README and doc/views.md show the
# picture of it, which is there.
[ -s "$TOP_SRCDIR/doc/html-page.png" ] &&
	grep -qF '](doc/html-page.png)' "$TOP_SRCDIR/README.md" &&
	grep -qF '](html-page.png)' "$TOP_SRCDIR/doc/views.md" &&
	ok "the README and doc/views.md show the page" ||
	bad "the README and doc/views.md show the page"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
