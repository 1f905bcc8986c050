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
# --kernel and --diff: their options are checked before the machine is
# (these hold without root).
expect_status 0 "--kernel --help" "$TCPSIM" --kernel --help
grep -q '^usage: tcpsim --kernel' "$tmp/out" || bad "--kernel --help prints its usage"
expect_status 2 "--kernel and --diff together" "$TCPSIM" --kernel --diff traces/close/broken-pipe.trace
grep -qx 'tcpsim: --kernel and --diff: choose one' "$tmp/err" || bad "--kernel --diff message: $(cat "$tmp/err")"
expect_status 2 "--kernel without a trace" "$TCPSIM" --kernel
grep -q '^usage: tcpsim --kernel' "$tmp/err" || bad "--kernel without a trace: the usage"
expect_status 2 "--diff --tolerance out of range" "$TCPSIM" --diff --tolerance 99999 traces/close/broken-pipe.trace
grep -qx 'tcpsim: --tolerance takes milliseconds (0-60000)' "$tmp/err" || bad "--tolerance message: $(cat "$tmp/err")"
expect_status 2 "--kernel with a model-only option" "$TCPSIM" --kernel --json traces/close/broken-pipe.trace
grep -qx 'tcpsim: --json cannot be used with --kernel or --diff' "$tmp/err" || bad "--kernel --json message: $(cat "$tmp/err")"
# --can-run says yes or no, and why not
"$TCPSIM" --kernel --can-run >"$tmp/out" 2>&1
got=$?
if { [ $got = 0 ] && grep -qx yes "$tmp/out"; } ||
	{ [ $got = 2 ] && grep -q '^no: ' "$tmp/out"; }; then
	ok "--kernel --can-run"
else
	bad "--kernel --can-run: exit $got: $(cat "$tmp/out")"
fi

# explore, explain and pcap2trace: their options, each refusal with its
# message (the first line written to standard error)
B=traces/close/broken-pipe.trace
P=tests/captures/s03a.pcap
while IFS='|' read -r args msg; do
	# shellcheck disable=SC2086 # ARGS are words
	expect_status 2 "$args" "$TCPSIM" $args
	[ "$(head -n 1 "$tmp/err")" = "$msg" ] ||
		bad "$args: message: $(head -n 1 "$tmp/err")"
done <<EOF2
explore --shard 0/3 $B|tcpsim explore: --shard: expected I/N with 1 <= I <= N, got '0/3'
explore --shard 1/2 $B|tcpsim explore: --shard: with --json (the shards are merged with --merge)
explore --schedule 0 $B|tcpsim explore: --schedule: expected an outcome's number, got '0'
explore --max-time 5parsecs $B|tcpsim explore: --max-time: not a duration: '5parsecs'
explore --max-events 0 $B|tcpsim explore: --max-events: not a positive number: '0'
explore --merge|tcpsim explore: --merge: no shard file
explore tests/errors/none.trace|tcpsim explore: tests/errors/none.trace: cannot open
explain --bogus $P|tcpsim explain: unknown option --bogus
explain $P $P|tcpsim explain: one capture at a time
explain|usage: tcpsim explain [--json] [--trace TRACE] FILE
explain $P --trace|tcpsim explain: --trace needs a file
explain --trace tests/errors/none.trace $P|tests/errors/none.trace: cannot open: No such file or directory
explain tests/errors/none.pcap|tests/errors/none.pcap: No such file or directory
pcap2trace --bogus $P|tcpsim pcap2trace: unknown option --bogus
pcap2trace|usage: tcpsim pcap2trace [--conn N] [--segments] FILE
pcap2trace --conn 0 $P|tcpsim pcap2trace: --conn takes a connection number from 1
pcap2trace --conn 9 $P|$P: no connection 9
EOF2
# outputs that cannot be written, and the views' own options
while IFS='|' read -r args msg; do
	# shellcheck disable=SC2086 # ARGS are words
	expect_status 2 "$args" "$TCPSIM" $args
	[ "$(head -n 1 "$tmp/err")" = "$msg" ] ||
		bad "$args: message: $(head -n 1 "$tmp/err")"
done <<EOF2
--svg $tmp/none/x.svg $B|$B: cannot write $tmp/none/x.svg
--html $tmp/none/x.html $B|$B: cannot write $tmp/none/x.html
--pcap $tmp/none/x.pcap $B|$B: cannot write $tmp/none/x.pcap: $tmp/none/x.pcap: No such file or directory
--pcap-at client $tmp/none/x.pcap $B|$B: cannot write $tmp/none/x.pcap: $tmp/none/x.pcap: No such file or directory
--pcap-at nohost $tmp/x.pcap $B|$B: --pcap-at: no host 'nohost' in this trace
--ladder --width 5 $B|tcpsim: --width: a number of columns from 40 to 1000, not '5'
EOF2
expect_status 2 "test: a directory that is not there" "$TCPSIM" test "$tmp/none"
grep -q "^ERROR $tmp/none  $tmp/none: cannot open" "$tmp/out" || bad "test of a missing directory: $(cat "$tmp/out")"
for sub in explore explain pcap2trace; do
	expect_status 0 "$sub --help" "$TCPSIM" $sub --help
	grep -q "^usage: tcpsim $sub" "$tmp/out" || bad "$sub --help prints its usage"
done

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
