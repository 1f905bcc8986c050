#!/bin/sh
# Bad input: every tests/errors/NAME.trace must be refused with exit status
# 2 and exactly the message in NAME.err (FILE:LINE:COL: message, the line,
# a caret). Then the command line itself: options and files.
# REGEN=1 rewrites the expected messages: review the diff before committing.
set -u
LC_ALL=C
export LC_ALL
: "${TCPSIM:?set TCPSIM to the tcpsim binary}"
: "${TOP_SRCDIR:?set TOP_SRCDIR to the source tree}"
cd "$TOP_SRCDIR" || exit 99
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

for t in $(find tests/errors -name '*.trace' | sort); do
	base=${t%.trace}
	"$TCPSIM" "$t" >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "${REGEN:-0}" = 1 ]; then
		cp "$tmp/err" "$base.err"
	fi
	if [ "$status" != 2 ]; then
		bad "$t: exit status $status, expected 2"
	elif ! cmp -s "$tmp/err" "$base.err"; then
		bad "$t: message differs from $base.err"
		diff -u "$base.err" "$tmp/err" | sed 's/^/    /'
	else
		ok "$t"
	fi
done

# expect_status WANT DESCRIPTION COMMAND...
expect_status() {
	want=$1
	what=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	if [ "$got" = "$want" ]; then ok "$what"; else bad "$what: exit $got, expected $want"; fi
}
expect_status 0 "--help" "$TCPSIM" --help
grep -q '^usage: tcpsim' "$tmp/out" || bad "--help prints the usage"
expect_status 0 "--version" "$TCPSIM" --version
grep -q '^tcpsim [0-9]' "$tmp/out" || bad "--version prints the version"
expect_status 2 "unknown option" "$TCPSIM" --no-such-option traces/close/broken-pipe.trace
# The command's name, not the path it was run from (in a build tree,
# libtool's wrapper runs .libs/lt-tcpsim).
printf "tcpsim: unknown option '--no-such-option'\nTry 'tcpsim --help'.\n" >"$tmp/want"
cmp -s "$tmp/err" "$tmp/want" && ok "unknown option: named, by tcpsim" || bad "unknown option message: $(cat "$tmp/err")"
expect_status 2 "option without its argument" "$TCPSIM" traces/close/broken-pipe.trace --svg
grep -qx "tcpsim: option '--svg' needs an argument" "$tmp/err" || bad "missing argument message: $(cat "$tmp/err")"
expect_status 2 "gen: seed not a number" "$TCPSIM" gen --seed abc
grep -qx "tcpsim gen: --seed: not a number: 'abc' (N is 0 to 18446744073709551615)" "$tmp/err" || bad "gen --seed abc message: $(cat "$tmp/err")"
expect_status 2 "gen: no seed" "$TCPSIM" gen
grep -qx "tcpsim gen: no seed given" "$tmp/err" || bad "gen without a seed: $(cat "$tmp/err")"
expect_status 2 "no file" "$TCPSIM"
expect_status 2 "missing file" "$TCPSIM" tests/errors/does-not-exist.trace
grep -q 'does-not-exist.trace: cannot open' "$tmp/err" || bad "missing file is named"
expect_status 2 "bad --seed" "$TCPSIM" --seed x traces/close/broken-pipe.trace
expect_status 2 "bad --max-time" "$TCPSIM" --max-time 5parsecs traces/close/broken-pipe.trace
expect_status 2 "virtual-time limit" "$TCPSIM" --max-time 1ms traces/close/broken-pipe.trace
grep -q 'virtual time limit of 1ms exceeded' "$tmp/err" || bad "time limit message"
expect_status 2 "event limit" "$TCPSIM" --max-events 5 traces/close/broken-pipe.trace
grep -q 'event limit of 5 exceeded' "$tmp/err" || bad "event limit message"
# Standard input, and the same bytes on every run.
"$TCPSIM" - <traces/close/broken-pipe.trace >"$tmp/a" 2>&1
s1=$?
"$TCPSIM" - <traces/close/broken-pipe.trace >"$tmp/b" 2>&1
if [ "$s1" = 0 ] && cmp -s "$tmp/a" "$tmp/b"; then ok "stdin, deterministic"; else bad "stdin, deterministic"; fi
# Another locale (a German one where installed: decimal comma) and zone.
loc=$(locale -a 2>/dev/null | grep -i '^de_DE.utf' | head -n 1)
[ -n "$loc" ] || loc=C.UTF-8
env LC_ALL="$loc" LANG="$loc" TZ=Asia/Kolkata "$TCPSIM" - \
	<traces/close/broken-pipe.trace >"$tmp/c" 2>/dev/null
"$TCPSIM" - <traces/close/broken-pipe.trace >"$tmp/a" 2>/dev/null
if cmp -s "$tmp/a" "$tmp/c"; then ok "locale ($loc) and time zone do not matter"; else bad "locale and time zone change the report"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
