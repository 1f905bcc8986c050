#!/bin/sh
# bench/run.sh - "make bench": runs the workloads of doc/performance.md on
# tcpsim (bench/tcpsim-bench) and, when Debian's libns3-dev is installed,
# the same workloads on ns-3 (bench/ns3/), one after the other in this run,
# and prints one table with the ratios, then the instruction counts
# (callgrind) and the targets.
#
#   BENCH_QUICK=1   small sizes only (a few seconds; no ns-3 run over 10 s)
#   BENCH_NS3=0     do not build or run ns-3
#   BENCH_OUT=DIR   keep every run's output there (default: a temp dir)
#   TCPSIM=PATH     the command (default: beside bench/, ../tcpsim)
set -u
LC_ALL=C
export LC_ALL
: "${TCPSIM_BENCH:?set TCPSIM_BENCH to bench/tcpsim-bench}"
: "${TOP_SRCDIR:?set TOP_SRCDIR to the source tree}"
QUICK=${BENCH_QUICK:-0}
TCPSIM=${TCPSIM:-$(dirname "$TCPSIM_BENCH")/../tcpsim}
OUT=${BENCH_OUT:-$(mktemp -d)}
mkdir -p "$OUT"
NS3_BIN=${NS3_BIN:-$OUT/ns3-bin}

# ---- ns-3: build the three programs if the library is there ----
NS3=0
if [ "${BENCH_NS3:-1}" != 0 ] && command -v g++ >/dev/null 2>&1 &&
	pkg-config --exists ns3-core ns3-network ns3-internet \
		ns3-point-to-point ns3-traffic-control 2>/dev/null; then
	if make -s -f "$TOP_SRCDIR/bench/ns3/Makefile" \
		SRC="$TOP_SRCDIR/bench/ns3" OUT="$NS3_BIN" >"$OUT/ns3-build.log" 2>&1; then
		NS3=1
	else
		echo "ns-3 programs did not build (see $OUT/ns3-build.log)" >&2
	fi
else
	echo "# ns-3 columns empty: libns3-dev not installed (apt-get install libns3-dev g++)" >&2
fi
TIME=
if [ -x /usr/bin/time ]; then
	TIME=/usr/bin/time
fi

# KEY's value in FILE (key=value words).
kv() {
	tr ' ' '\n' <"$2" | sed -n "s/^$1=//p" | head -n 1
}

# Run ns-3 program PROG with ARGS into NAME.ns3 (+ NAME.ns3time).
ns3() {
	name=$1
	shift
	[ "$NS3" = 1 ] || return 1
	if [ -n "$TIME" ]; then
		"$TIME" -f 'maxrss_kb=%M' -o "$OUT/$name.ns3time" \
			"$NS3_BIN/$@" >"$OUT/$name.ns3" 2>&1
	else
		"$NS3_BIN/$@" >"$OUT/$name.ns3" 2>&1
		echo "maxrss_kb=" >"$OUT/$name.ns3time"
	fi
}

ROWS=$OUT/rows
: >"$ROWS"

# row NAME LABEL N: one line of the table from NAME.ts (and NAME.ns3).
row() {
	name=$1 label=$2 n=$3
	f=$OUT/$name.ts
	wall=$(kv wall_run_s "$f")
	segs=$(kv segments "$f")
	evs=$(kv events "$f")
	peak=$(kv rss_peak "$f")
	rss0=$(kv rss_start "$f")
	rssall=$(kv rss_all_accepted "$f")
	failed=$(kv failed "$f")
	[ -z "$failed" ] && failed=$(kv result "$f")
	ir=-
	[ -s "$OUT/$name.cg" ] && ir=$(kv instructions "$OUT/$name.cg")
	nwall=- nsegs=- npeak=- nbase=-
	if [ -s "$OUT/$name.ns3" ]; then
		nwall=$(kv wall_run_s "$OUT/$name.ns3")
		nsegs=$(sed -n 's/.* total=\([0-9]*\).*/\1/p' "$OUT/$name.ns3" | head -n 1)
		if [ -z "$nsegs" ]; then # w4_timeout: what each side sent
			c=$(kv client_tx_segs "$OUT/$name.ns3")
			sv=$(kv server_tx_segs "$OUT/$name.ns3")
			[ -n "$c" ] && nsegs=$((c + ${sv:-0}))
		fi
		npeak=$(kv maxrss_kb "$OUT/$name.ns3time")
		[ -z "$npeak" ] && npeak=-
		[ -s "$OUT/ns3-empty.ns3time" ] &&
			nbase=$(kv maxrss_kb "$OUT/ns3-empty.ns3time")
	fi
	echo "$label|$n|$wall|$segs|$evs|$peak|$rss0|$rssall|${failed:-0}|$nwall|${nsegs:--}|$npeak|${nbase:--}|$ir" >>"$ROWS"
}

# tcpsim NAME ARGS...: run tcpsim-bench into NAME.ts; for the smaller
# runs, again under callgrind into NAME.cg (instructions of the timed
# part: a count that does not depend on the machine's load).
CG_MAX=${BENCH_CG_MAX:-10000}
ts() {
	name=$1
	shift
	"$TCPSIM_BENCH" "$@" >"$OUT/$name.ts" 2>&1 ||
		echo "tcpsim-bench $* failed (see $OUT/$name.ts)" >&2
	# A run under half a second is noisy (another guest on the host, a
	# page fault costing more): the median of five.
	if awk -v w="$(kv wall_run_s "$OUT/$name.ts")" 'BEGIN { exit !(w < 0.5) }'; then
		cp "$OUT/$name.ts" "$OUT/$name.ts.1"
		for r in 2 3 4 5; do
			"$TCPSIM_BENCH" "$@" >"$OUT/$name.ts.$r" 2>&1
		done
		med=$(for r in 1 2 3 4 5; do
			echo "$(kv wall_run_s "$OUT/$name.ts.$r") $r"
		done | sort -g | sed -n 3p | cut -d' ' -f2)
		cp "$OUT/$name.ts.$med" "$OUT/$name.ts"
	fi
	n=$(kv n "$OUT/$name.ts")
	mb=$(kv mb "$OUT/$name.ts")
	if command -v valgrind >/dev/null 2>&1 &&
		{ [ -z "$n" ] || [ "$n" -le "$CG_MAX" ]; } &&
		{ [ -z "$mb" ] || [ "$mb" -le 100 ]; }; then
		valgrind --tool=callgrind --toggle-collect='bench_timed_*' \
			--callgrind-out-file="$OUT/$name.cgout" "$TCPSIM_BENCH" "$@" \
			>/dev/null 2>"$OUT/$name.cgerr"
		sed -n 's/.*Collected : \([0-9]*\).*/instructions=\1/p' \
			"$OUT/$name.cgerr" >"$OUT/$name.cg"
	fi
}

if [ "$QUICK" = 1 ]; then
	W1_SIZES="1000 10000"
	NS3_W1_MAX=10000
	W2_SIZES="100"
else
	W1_SIZES="1000 10000 100000 1000000"
	NS3_W1_MAX=100000
	W2_SIZES="100 1000"
fi

echo "# running the workloads (output in $OUT)" >&2
ns3 ns3-empty w1_short --n=0 || true
for n in $W1_SIZES; do
	ts w1-$n w1 --n "$n"
	[ "$n" -le "$NS3_W1_MAX" ] && ns3 w1-$n w1_short --n="$n"
	row w1-$n "W1 staggered (20 ms)" "$n"
done
for n in $W1_SIZES; do
	ts w1cc-$n w1 --n "$n" --interval 0
	# ns-3 keeps each TIME_WAIT socket's port: at most 16,384 at once.
	[ "$n" -le 10000 ] && ns3 w1cc-$n w1_short --n="$n" --interval=0ms
	row w1cc-$n "W1 all open at once" "$n"
done
for n in $W1_SIZES; do
	ts w1tw-$n w1 --n "$n" --interval 50us
	[ "$n" -le 10000 ] && ns3 w1tw-$n w1_short --n="$n" --interval=50us
	row w1tw-$n "W1 every TIME_WAIT overlapping (50 us)" "$n"
done
for n in $W1_SIZES; do
	# one every 10 us, each kept idle until all are open: the memory
	# of established connections (both ends)
	hold=$((n / 100 + 1000))ms
	ts w1held-$n w1 --n "$n" --interval 10us --hold "$hold"
	row w1held-$n "W1 held open (10 us, idle)" "$n"
done
for mb in $W2_SIZES; do
	ts w2-$mb w2 --mb "$mb"
	# the same window as tcpsim's: 64 KiB buffers
	ns3 w2-$mb w2_bulk --mb="$mb" --buf=65535
	row w2-$mb "W2 bulk, MB" "$mb"
done
ts w3 w1 --n 10000 --loss 0.01 --seed 1
ns3 w3 w1_short --n=10000 --loss=0.01
row w3 "W3 lossy (1%)" 10000
ts w4 w4 --retries 15
ns3 w4 w4_timeout --mode=data --retries=15
row w4 "W4 retries until give-up" 1
ts w5 w5 "$TOP_SRCDIR/traces"
row w5 "W5 traces/ catalogue" "$(kv traces "$OUT/w5.ts")"

# ---- a trace file through the command, beside tcpsim-bench ----
# The same 20,000 W1 connections (1 ms apart) as a trace file, read,
# parsed and run by the command: --quiet, the report written to a file,
# --json to a file; and by tcpsim-bench (the engine alone, no text).
# Five rounds, the four runs interleaved in each; the median of each.
CMD_N=20000
"$TCPSIM_BENCH" w1 --n $CMD_N --interval 1ms --trace >"$OUT/cmd.trace"
"$TCPSIM_BENCH" w1 --n 2000 --interval 1ms --trace >"$OUT/cmd-2k.trace"
# now in seconds, to the nanosecond (GNU date)
now() { date +%s.%N; }
# wall NAME CMD...: run CMD, append its wall time to NAME.walls
wall() {
	name=$1
	shift
	t0=$(now)
	"$@" >/dev/null 2>&1 || echo "$* failed" >&2
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.6f\n", $2 - $1 }' >>"$OUT/$name.walls"
}
quiet_run() { "$TCPSIM" --quiet "$OUT/cmd.trace"; }
report_run() { "$TCPSIM" "$OUT/cmd.trace" >"$OUT/cmd.report"; }
json_run() { "$TCPSIM" --json "$OUT/cmd.trace" >"$OUT/cmd.json"; }
bench_run() { "$TCPSIM_BENCH" w1 --n $CMD_N --interval 1ms >"$OUT/cmd.bench"; }
rm -f "$OUT"/cmd-*.walls
for r in 1 2 3 4 5; do
	wall cmd-bench bench_run
	wall cmd-quiet quiet_run
	wall cmd-report report_run
	wall cmd-json json_run
done
med() { sort -g "$OUT/$1.walls" | sed -n 3p; }
# instructions of the whole process for 2,000 connections (callgrind)
cg_cmd() {
	if command -v valgrind >/dev/null 2>&1; then
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" \
			2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
	fi
}
CG_QUIET=$(cg_cmd "$TCPSIM" --quiet "$OUT/cmd-2k.trace")
CG_REPORT=$(cg_cmd "$TCPSIM" "$OUT/cmd-2k.trace")
CG_JSON=$(cg_cmd "$TCPSIM" --json "$OUT/cmd-2k.trace")
CMD_BENCH_WALL=$(med cmd-bench)
# tcpsim-bench's own figure: the run alone (its wall_run_s)
CMD_BENCH_RUN=$(kv wall_run_s "$OUT/cmd.bench")
CMD_LINES=$(grep -c . "$OUT/cmd.trace")

# ---- the step API: tcpsim_do() line after line ----
ts step-100k step --n 100000
ts step-1m step --n 1000000
ts step-report step --n 100000 --report

# ---- the table ----
awk -F'|' -v quick="$QUICK" '
function mib(b) { return b == "-" || b == "" ? "-" : sprintf("%.1f", b / 1048576) }
function num(x) {
	if (x == "-" || x == "") return "-"
	if (x >= 1e9) return sprintf("%.2fG", x / 1e9)
	if (x >= 1e6) return sprintf("%.2fM", x / 1e6)
	if (x >= 1e3) return sprintf("%.1fk", x / 1e3)
	return sprintf("%.0f", x)
}
function sec(x) { return x == "-" || x == "" ? "-" : (x < 0.01 ? sprintf("%.2f ms", x * 1000) : sprintf("%.3f s", x)) }
BEGIN {
	print "| workload | N | tcpsim wall | per conn | segments | segments/s | events/s | instr./segment | peak RSS MiB | bytes/conn | ns-3 wall | ns-3 per conn | ns-3 segments | ns-3 peak MiB | ns-3 bytes/conn | tcpsim faster |"
	print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
}
{
	label = $1; n = $2; wall = $3; segs = $4; evs = $5; peak = $6
	rss0 = $7; rssall = $8; failed = $9; nwall = $10; nsegs = $11
	npeak = $12; nbase = $13; ir = $14
	ips = (ir != "-" && segs > 0) ? sprintf("%.0f", ir / segs) : "-"
	isconn = (label ~ /^W1|^W3/)
	per = isconn && wall > 0 ? sprintf("%.2f us", wall * 1e6 / n) : "-"
	bpc = "-"
	if (isconn) {
		if (label ~ /at once|held/ && rssall > 0) bpc = sprintf("%.0f", (rssall - rss0) / n)
		else bpc = sprintf("%.0f", (peak - rss0) / n)
	}
	nper = "-"; nbpc = "-"; ratio = "-"; npk = "-"
	if (nwall != "-" && nwall != "") {
		if (isconn) nper = sprintf("%.1f us", nwall * 1e6 / n)
		if (npeak != "-") npk = sprintf("%.1f", npeak / 1024)
		if (isconn && npeak != "-" && nbase != "-") nbpc = sprintf("%.0f", (npeak - nbase) * 1024 / n)
		ratio = wall > 0 ? sprintf("%.0fx", nwall / wall) : "-"
	}
	if (failed != 0) label = label " (FAILED: " failed ")"
	printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", \
		label, num(n), sec(wall), per, num(segs), \
		(wall > 0 ? num(segs / wall) : "-"), (wall > 0 ? num(evs / wall) : "-"), \
		ips, mib(peak), bpc, sec(nwall), nper, num(nsegs), npk, nbpc, ratio
}' "$ROWS"

# ---- the targets (doc/performance.md), with ns-3 where it ran ----
awk -F'|' '
function yes(c) { return c ? "yes" : "**no**" }
function has(x) { return x != "-" && x != "" }
{
	label = $1; n = $2 + 0; wall = $3; segs = $4; peak = $6; rss0 = $7
	rssall = $8; nwall = $10; npeak = $12; nbase = $13
	if (label ~ /^W1 staggered/) {
		per = wall * 1e6 / n
		if (!(1 in w1) || n < w1n0) { w1n0 = n; w1p0 = per }
		if (n >= w1n1) { w1n1 = n; w1p1 = per; w1w1 = wall }
		if (per > w1max) w1max = per
		w1[1] = 1
		if (has(nwall)) {
			np = nwall * 1e6 / n
			if (!(1 in n1) || n < n1n0) { n1n0 = n; n1p0 = np }
			if (n >= n1n1) { n1n1 = n; n1p1 = np; n1t = per }
			n1[1] = 1
		}
	}
	if (label ~ /TIME_WAIT overlapping/) {
		if (n >= twn) { twn = n; twb = (peak - rss0) / n }
		if (has(nwall) && has(npeak) && has(nbase) && n >= ntwn) {
			ntwn = n; ntwb = (npeak - nbase) * 1024 / n
			ntwt = (peak - rss0) / n
		}
	}
	if (label ~ /held open/ && n >= esn) { esn = n; esb = (rssall - rss0) / n; esr = rssall }
	# W2: the slower of its runs (100 MB and 1 GB) is the one that
	# counts, as the worst N does for W1
	if (label ~ /^W2/ && wall > 0 && (!w2n || segs / wall < w2r)) {
		w2r = segs / wall
		w2n = n
		n2r = has(nwall) ? $11 / nwall : 0
	}
	if (label ~ /^W4/) { w4 = wall; n4 = nwall }
	if (label ~ /^W5/) w5 = wall
}
END {
	print ""
	print "| target | measured | holds | ns-3, same run |"
	print "|---|---|---|---|"
	ns = (1 in n1) ? sprintf("%.0f us at %d (tcpsim %.0fx faster)", n1p1, n1n1, n1p1 / n1t) : "-"
	printf "| W1: at most 1 us of wall time per connection | %.2f us at worst (N %d to %d) | %s | %s |\n", w1max, w1n0, w1n1, yes(w1max <= 1), ns
	ns = (1 in n1) ? sprintf("%.0f us at %d, %.0f us at %d (x%.1f)", n1p0, n1n0, n1p1, n1n1, n1p1 / n1p0) : "-"
	printf "| W1: flat from the smallest N to the largest | %.2f us at %d, %.2f us at %d (x%.2f) | %s | %s |\n", w1p0, w1n0, w1p1, w1n1, w1p1 / w1p0, yes(w1p1 <= 1.25 * w1p0), ns
	if (w1n1 >= 1000000)
		printf "| W1: 1,000,000 connections in under 5 s | %.2f s | %s | not run |\n", w1w1, yes(w1w1 < 5)
	else
		printf "| W1: 1,000,000 connections in under 5 s | not run (largest N %d) | - | - |\n", w1n1
	# memory per connection: measured where the connections, not the
	# fixed costs, fill the memory (a million at once)
	ns = ntwn ? sprintf("%.0f bytes at %d (tcpsim %.0f there: %.0fx less)", ntwb, ntwn, ntwt, ntwb / ntwt) : "-"
	printf "| at most 256 bytes per connection in TIME_WAIT | %.0f bytes (%d at once) | %s | %s |\n", twb, twn, (twn >= 1000000 ? yes(twb <= 256) : "- (measured at a million)"), ns
	printf "| at most 1 KiB per established connection (both ends) | %.0f bytes (%d at once) | %s | no such run |\n", esb, esn, (esn >= 1000000 ? yes(esb <= 1024) : "- (measured at a million)")
	if (esn >= 1000000)
		printf "| 1,000,000 established connections in under 1.5 GiB | %.2f GiB | %s | no such run |\n", esr / 1073741824, yes(esr < 1.5 * 1073741824)
	else
		printf "| 1,000,000 established connections in under 1.5 GiB | not run (largest N %d) | - | - |\n", esn
	ns = n2r ? sprintf("%.0f thousand (tcpsim %.0fx faster)", n2r / 1e3, w2r / n2r) : "-"
	printf "| W2: at least 20 million segments per wall second | %.1f million at worst (%d MB) | %s | %s |\n", w2r / 1e6, w2n, yes(w2r >= 20e6), ns
	ns = has(n4) ? sprintf("%.2f ms (tcpsim %.0fx faster)", n4 * 1000, n4 / w4) : "-"
	printf "| W4: under 1 ms of wall time | %.3f ms | %s | %s |\n", w4 * 1000, yes(w4 < 0.001), ns
	printf "| W5: the whole catalogue in under 1 s | %.1f ms | %s | - |\n", w5 * 1000, yes(w5 < 1)
}' "$ROWS"

# ---- the command and the step API ----
awk -v n="$CMD_N" -v lines="$CMD_LINES" -v bw="$CMD_BENCH_WALL" \
	-v brun="$CMD_BENCH_RUN" -v q="$(med cmd-quiet)" \
	-v rep="$(med cmd-report)" -v js="$(med cmd-json)" \
	-v cq="$CG_QUIET" -v cr="$CG_REPORT" -v cj="$CG_JSON" '
function us(w) { return sprintf("%.2f us", w * 1e6 / n) }
function ipc(c) { return c == "" ? "-" : sprintf("%.0f", c / 2000) }
function yes(c) { return c ? "yes" : "**no**" }
BEGIN {
	print ""
	printf "A trace file of %d W1 connections (%d lines, one every 1 ms) through the command; median of 5 interleaved rounds. Instructions: callgrind, whole process, the same trace with 2,000 connections, per connection.\n\n", n, lines
	print "| run | wall | per conn | instr./conn | target | holds |"
	print "|---|---|---|---|---|---|"
	printf "| tcpsim-bench w1 (engine, no text; its run alone: %s) | %.3f s | %s | - | - | - |\n", us(brun), bw, us(bw)
	printf "| tcpsim --quiet FILE | %.3f s | %s | %s | at most 3 us | %s |\n", q, us(q), ipc(cq), yes(q * 1e6 / n <= 3)
	printf "| tcpsim FILE > report | %.3f s | %s | %s | at most 6 us | %s |\n", rep, us(rep), ipc(cr), yes(rep * 1e6 / n <= 6)
	printf "| tcpsim --json FILE > json | %.3f s | %s | %s | no slower than the report | %s |\n", js, us(js), ipc(cj), yes(js <= rep)
}'
step() { kv "$2" "$OUT/step-$1.ts"; }
awk -v w100="$(step 100k wall_lines_s)" -v u100="$(step 100k us_per_line)" \
	-v w1m="$(step 1m wall_lines_s)" -v u1m="$(step 1m us_per_line)" \
	-v a="$(step 1m rss_20)" -v b="$(step 1m rss_100)" \
	-v wr="$(step report wall_lines_s)" -v ur="$(step report us_per_line)" \
	-v f100="$(step 100k failed)" -v f1m="$(step 1m failed)" '
function yes(c) { return c ? "yes" : "**no**" }
BEGIN {
	print ""
	print "| step API (W1 lines through tcpsim_do, 20 ms apart) | wall | per line | target | holds |"
	print "|---|---|---|---|---|"
	printf "| 100,000 lines%s | %.3f s | %.2f us | under 1 s | %s |\n", (f100 ? " (FAILED)" : ""), w100, u100, yes(w100 < 1)
	printf "| 100,000 lines, the report formatted | %.3f s | %.2f us | - | - |\n", wr, ur
	printf "| 1,000,000 lines%s | %.3f s | %.2f us | - | - |\n", (f1m ? " (FAILED)" : ""), w1m, u1m
	printf "| memory: resident set after 200,000 and after 1,000,000 lines | %.2f MiB, %.2f MiB | - | flat: at most 10%% more | %s |\n", a / 1048576, b / 1048576, yes(b <= 1.1 * a)
}'

# ---- tcpsim explain: a capture of W1's short connections ----
# tcpsim-bench writes every segment of N W1 connections as
# tcpsim --pcap does; tcpsim explain reads it, its text to /dev/null.
# Memory must stay flat: N/10 connections beside N.
# A connection is held until 10 s of capture time after it ended: both
# captures last well beyond that (quick: one connection every 20 ms).
XN=1000000
XI=1ms
if [ "$QUICK" = 1 ]; then
	XN=10000
	XI=20ms
fi
XN10=$((XN / 10))
explain_run() {
	n=$1
	"$TCPSIM_BENCH" w1 --n "$n" --interval "$XI" --pcap "$OUT/explain-$n.pcap" \
		>"$OUT/explain-$n.gen" 2>&1 || echo "tcpsim-bench --pcap failed" >&2
	t0=$(now)
	if [ -n "$TIME" ]; then
		"$TIME" -f 'maxrss_kb=%M' -o "$OUT/explain-$n.time" \
			"$TCPSIM" explain "$OUT/explain-$n.pcap" >/dev/null 2>"$OUT/explain-$n.err"
	else
		"$TCPSIM" explain "$OUT/explain-$n.pcap" >/dev/null 2>"$OUT/explain-$n.err"
		echo "maxrss_kb=" >"$OUT/explain-$n.time"
	fi
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.6f\n", $2 - $1 }' >"$OUT/explain-$n.wall"
	wc -c <"$OUT/explain-$n.pcap" >"$OUT/explain-$n.size"
	rm -f "$OUT/explain-$n.pcap"
}
explain_run "$XN10"
explain_run "$XN"
awk -v n="$XN" -v n10="$XN10" -v xi="$XI" \
	-v w="$(cat "$OUT/explain-$XN.wall")" -v w10="$(cat "$OUT/explain-$XN10.wall")" \
	-v m="$(kv maxrss_kb "$OUT/explain-$XN.time")" \
	-v m10="$(kv maxrss_kb "$OUT/explain-$XN10.time")" \
	-v sz="$(cat "$OUT/explain-$XN.size")" \
	-v sz10="$(cat "$OUT/explain-$XN10.size")" \
	-v segs="$(kv segments "$OUT/explain-$XN.gen")" '
function yes(c) { return c ? "yes" : "**no**" }
BEGIN {
	print ""
	print "| tcpsim explain (a capture of W1 connections, " xi " apart) | capture | wall | per conn | peak RSS | target | holds |"
	print "|---|---|---|---|---|---|---|"
	printf "| %d connections | %.0f MB | %.3f s | %.2f us | %s MiB | - | - |\n", n10, sz10 / 1e6, w10, w10 * 1e6 / n10, m10 == "" ? "-" : sprintf("%.1f", m10 / 1024)
	printf "| %d connections, %d segments | %.0f MB | %.3f s | %.2f us | %s MiB | under 60 s%s | %s |\n", n, segs, sz / 1e6, w, w * 1e6 / n, m == "" ? "-" : sprintf("%.1f", m / 1024), m == "" ? "" : "; memory flat: at most 10% more", yes(w < 60 && (m == "" || m <= 1.1 * m10))
}'
# ---- tcpsim explore: schedules a second on one core ----
# The broken-pipe trace, and a trace of N connections (100; 20 with
# BENCH_QUICK) made here: each client socket connects without blocking,
# writes 100 bytes, and both sides close. Depth 2 of the N-connection trace
# is a sample: the first of 1000 shards (--shard 1/1000), which still runs
# every schedule of depth 1 its own are made from. The time is the
# process's CPU time (user + system), from /usr/bin/time.
nconn=100
[ "$QUICK" = 1 ] && nconn=20
ctrace=$OUT/explore-conn$nconn.trace
{
	printf 'host client 10.0.0.1\nhost server 10.0.0.2\n'
	printf 'link client server delay 5ms\n\n'
	printf '0 server: l = socket()\n+0 server: bind(l, 80) = 0\n'
	printf '+0 server: listen(l, 128) = 0\n'
	i=1
	while [ $i -le $nconn ]; do
		printf '+1ms client: c%d = socket()\n' $i
		printf '+0 client: fcntl(c%d, O_NONBLOCK) = 0\n' $i
		printf '+0 client: connect(c%d, server:80) = -1 EINPROGRESS\n' $i
		i=$((i + 1))
	done
	i=1
	while [ $i -le $nconn ]; do
		printf '+1ms server: a%d = accept(l)\n' $i
		printf '+0 client: write(c%d, 100) = 100\n' $i
		i=$((i + 1))
	done
	i=1
	while [ $i -le $nconn ]; do
		printf '+1ms server: read(a%d, 1000) = 100\n' $i
		printf '+0 server: close(a%d) = 0\n+0 client: close(c%d) = 0\n' $i $i
		i=$((i + 1))
	done
} >"$ctrace"
# explore NAME REPEAT ARGS...: the run's schedules (its shard's) and the
# CPU seconds of REPEAT runs of it, one after another (a short exploration
# takes less than the hundredth of a second /usr/bin/time counts in)
explore() {
	name=$1
	rep=$2
	shift 2
	"$TCPSIM" explore --json --max-schedules 100000000 "$@" \
		>"$OUT/explore-$name.json" 2>&1
	echo "$rep" >"$OUT/explore-$name.rep"
	if [ -n "$TIME" ]; then
		"$TIME" -f 'cpu_s=%U+%S' -o "$OUT/explore-$name.time" \
			sh -c 'n=$1; shift; i=0; while [ $i -lt "$n" ]; do "$@" >/dev/null 2>&1; i=$((i + 1)); done' \
			sh "$rep" "$TCPSIM" explore --json --max-schedules 100000000 "$@"
	else
		echo "cpu_s=0+0" >"$OUT/explore-$name.time"
	fi
}
bp=$TOP_SRCDIR/traces/close/broken-pipe.trace
explore bp1 50 --depth 1 "$bp"
explore bp2 20 --depth 2 "$bp"
explore bp3 1 --depth 3 "$bp"
explore c1 1 --depth 1 "$ctrace"
explore c2 1 --depth 2 --shard 1/1000 "$ctrace"
# ROW NAME LABEL: schedules of this shard, CPU time, schedules a second
row() {
	j=$OUT/explore-$1.json
	total=$(sed -n 's/.*"schedules":\([0-9]*\).*/\1/p' "$j" | head -n 1)
	run=$(sed -n 's/.*"run":\([0-9]*\).*/\1/p' "$j" | head -n 1)
	pr=$(sed -n 's/.*"pruned":\([0-9]*\).*/\1/p' "$j" | head -n 1)
	na=$(sed -n 's/.*"not_applicable":\([0-9]*\).*/\1/p' "$j" | head -n 1)
	cnt=$(grep -o '"count":[0-9]*' "$j" | sed 's/.*://' | awk '{ s += $1 } END { print s + 0 }')
	cpu=$(kv cpu_s "$OUT/explore-$1.time" | awk -F+ '{ print $1 + $2 }')
	rep=$(cat "$OUT/explore-$1.rep")
	awk -v l="$2" -v t="$total" -v c="$cnt" -v pr="$pr" -v na="$na" -v r="$run" -v s="$cpu" -v k="$rep" 'BEGIN {
		n = c + na
		printf "| %s | %d | %d | %d | %d | %.2f s | %s |\n", l, t, n, r, k, s, (s > 0 ? sprintf("%.0f", k * n / s) : "-")
	}'
}
echo
echo "tcpsim explore, one core: the schedules of the run (outcomes counted and not applicable), the runs made, how many times the whole exploration ran (each a process), their CPU time (user + system, process start included), schedules a second. Target: at least 100,000 a second on the broken-pipe trace."
echo
echo "| exploration | schedules in all | of this run | runs | repeated | CPU | schedules/s |"
echo "|---|---|---|---|---|---|---|"
row bp1 "broken pipe, depth 1"
row bp2 "broken pipe, depth 2"
row bp3 "broken pipe, depth 3"
row c1 "$nconn connections, depth 1"
row c2 "$nconn connections, depth 2, shard 1/1000"

echo
echo "(every run ended with all its expectations met unless a row says FAILED;"
echo " raw outputs: $OUT)"
