#!/bin/sh
# The benchmark driver, on tiny workloads (timing is never asserted here;
# "make bench" measures):
# - W1 through the driver gives the very report the equivalent trace gives
#   through tcpsim (the driver's line feed is the trace, line for line);
# - every workload ends with all its expectations met, and the counts it
#   prints are the ones the workload implies.
set -u
LC_ALL=C
export LC_ALL
: "${TCPSIM:?set TCPSIM to the tcpsim binary}"
: "${TCPSIM_BENCH:?set TCPSIM_BENCH to bench/tcpsim-bench}"
: "${TOP_SRCDIR:?set TOP_SRCDIR to the source tree}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
kv() {
	tr ' ' '\n' <"$2" | sed -n "s/^$1=//p" | head -n 1
}
# want FILE KEY VALUE
want() {
	got=$(kv "$2" "$1")
	[ "$got" = "$3" ] || fail "$1: $2=$got, expected $3"
}

# 1. Driver and trace agree, event for event.
for args in "--n 40" "--n 25 --interval 7ms --delay 3ms"; do
	# shellcheck disable=SC2086
	"$TCPSIM_BENCH" w1 $args --trace >"$tmp/w1.trace" || fail "--trace $args"
	"$TCPSIM" "$tmp/w1.trace" >"$tmp/trace.out"
	rc=$?
	[ $rc = 0 ] || fail "tcpsim on the W1 trace ($args): exit $rc"
	# shellcheck disable=SC2086
	"$TCPSIM_BENCH" w1 $args --report >/dev/null 2>"$tmp/bench.out"
	if ! diff "$tmp/trace.out" "$tmp/bench.out" | sed 1d |
		grep -q '^[<>] [^#]'; then
		:
	else
		fail "W1 ($args): the driver's report differs from the trace's"
		diff "$tmp/trace.out" "$tmp/bench.out" | head -n 10
	fi
	lines=$(grep -c '' "$tmp/trace.out")
	[ "$lines" -gt 400 ] || fail "W1 ($args): report too short ($lines)"
done

# 2. Each workload, small.
b() {
	name=$1
	shift
	"$TCPSIM_BENCH" "$@" >"$tmp/$name" 2>&1
	rc=$?
	[ $rc = 0 ] || fail "tcpsim-bench $*: exit $rc"
}
b w1 w1 --n 300
want "$tmp/w1" failed 0
want "$tmp/w1" checked 3003
want "$tmp/w1" segments 2400
b w1cc w1 --n 500 --interval 0
want "$tmp/w1cc" failed 0
want "$tmp/w1cc" checked 5003
b w1tw w1 --n 300 --interval 50us
want "$tmp/w1tw" failed 0
want "$tmp/w1tw" segments 2400
b w1k w1 --n 200 --interval 0 --clients 3
want "$tmp/w1k" failed 0
want "$tmp/w1k" clients 3
b w3 w1 --n 300 --loss 0.05 --seed 3
want "$tmp/w3" failed 0
lost=$(kv lost "$tmp/w3")
[ "${lost:-0}" -gt 0 ] || fail "W3: nothing lost at 5%"
b w3b w1 --n 300 --loss 0.05 --seed 3
cmp -s "$tmp/w3" "$tmp/w3b" ||
	diff "$tmp/w3" "$tmp/w3b" | grep -v wall_ | grep -v rss_ | grep -q '^[<>]' &&
	fail "W3: the same seed gave different runs"
b w2 w2 --mb 2
want "$tmp/w2" failed 0
want "$tmp/w2" result 0
b w4 w4 --retries 3
want "$tmp/w4" result 0
b w5 w5 "$TOP_SRCDIR/traces"
want "$tmp/w5" failed 0
ntr=$(find "$TOP_SRCDIR/traces" -name '*.trace' | wc -l | tr -d ' ')
want "$tmp/w5" traces "$ntr"

# 2b. --pcap writes the capture tcpsim --pcap writes of the same trace,
# byte for byte (tcpsim explain's benchmark reads it), and explain reads
# it whole.
"$TCPSIM_BENCH" w1 --n 20 --interval 1ms --pcap "$tmp/bench.pcap" >/dev/null ||
	fail "tcpsim-bench w1 --pcap: exit $?"
"$TCPSIM_BENCH" w1 --n 20 --interval 1ms --trace >"$tmp/w1-20.trace"
"$TCPSIM" --pcap "$tmp/trace.pcap" "$tmp/w1-20.trace" >/dev/null
cmp -s "$tmp/bench.pcap" "$tmp/trace.pcap" ||
	fail "tcpsim-bench --pcap differs from tcpsim --pcap of the same trace"
"$TCPSIM" explain "$tmp/bench.pcap" | tail -n 1 >"$tmp/xp"
grep -q '^summary: 20 connections, 0 RSTs, 0 timeouts; 160 frames, 160 TCP$' \
	"$tmp/xp" || fail "tcpsim explain of the W1 capture: $(cat "$tmp/xp")"

# 3. Bad arguments: status 2 and a message.
for bad in "" "w9" "w1 --n" "w1 --n x" "w1 --interval 5" "w1 --loss 0.1 --interval 0"; do
	# shellcheck disable=SC2086
	"$TCPSIM_BENCH" $bad >"$tmp/bad" 2>&1
	rc=$?
	[ $rc = 2 ] || fail "tcpsim-bench $bad: exit $rc, expected 2"
	[ -s "$tmp/bad" ] || fail "tcpsim-bench $bad: no message"
done

[ $fails = 0 ] || exit 1
echo "benchmark driver: ok"
