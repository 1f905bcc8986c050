#!/bin/sh
# run-explore.sh - tcpsim explore (doc/explore.md):
#  1. the outcome sets in tests/explore/*.out (each names its trace and
#     options in "## " lines, which are not part of the output);
#  2. every trace of the catalogue at depth 1, and a sample at depth 2:
#     the smallest schedule of every outcome, written as a trace, read back
#     and run, gives that outcome (--verify), and pruning finds exactly
#     the outcomes --no-prune finds, with the same counts;
#  3. the printed schedules through the command itself: each written with
#     --schedule N and run as a trace gives outcome N's facts;
#  4. four shards run through xargs -P and merged give the report of the
#     unsharded run, byte for byte;
#  5. --where, --max-schedules and bad input.
# REGEN=1 rewrites the outputs of 1 (review the diff: they are goldens).
set -u
: "${TCPSIM:?set TCPSIM to the tcpsim binary}"
top=${TOP_SRCDIR:-.}
cd "$top" || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}

# 1. goldens
for g in tests/explore/*.out; do
	trace=$(sed -n 's/^## trace: //p' "$g")
	args=$(sed -n 's/^## args: //p' "$g")
	# shellcheck disable=SC2086 # ARGS are words
	"$TCPSIM" explore $args "$trace" >"$tmp/out" 2>"$tmp/err" ||
		bad "$g: status $?: $(cat "$tmp/err")"
	if [ "${REGEN:-0}" = 1 ]; then
		{ grep '^## ' "$g"; cat "$tmp/out"; } >"$tmp/new"
		mv "$tmp/new" "$g"
		continue
	fi
	grep -v '^## ' "$g" >"$tmp/want"
	cmp -s "$tmp/want" "$tmp/out" || {
		bad "$g differs"
		diff "$tmp/want" "$tmp/out" | head -20
	}
done

# 2. the catalogue at depth 1; a sample at depth 2
outcomes() { sed 1,2d "$1"; }
explore_both() {
	t=$1
	shift
	"$TCPSIM" explore --verify "$@" "$t" >"$tmp/p" 2>"$tmp/err" ||
		bad "$t $*: --verify: $(cat "$tmp/err")"
	"$TCPSIM" explore --no-prune "$@" "$t" >"$tmp/np" 2>"$tmp/err" ||
		bad "$t $* --no-prune: $(cat "$tmp/err")"
	outcomes "$tmp/p" >"$tmp/p2"
	outcomes "$tmp/np" >"$tmp/np2"
	cmp -s "$tmp/p2" "$tmp/np2" || bad "$t $*: pruning changes the outcomes"
	# the schedule counts agree too
	[ "$(sed -n '2s/ (.*//p' "$tmp/p")" = "$(sed -n '2s/ (.*//p' "$tmp/np")" ] ||
		bad "$t $*: pruning changes the schedule count"
}
n=0
pruned=0
for t in traces/*/*.trace; do
	explore_both "$t"
	n=$((n + 1))
	p=$(sed -n '2s/.*(\([0-9]*\) pruned.*/\1/p' "$tmp/p")
	pruned=$((pruned + p))
done
for t in traces/close/broken-pipe.trace traces/crash/s06a-peer-crash-retries2-etimedout.trace \
	traces/setup/connect-refused.trace traces/crash/crash-reboot.trace; do
	explore_both "$t" --depth 2
	p=$(sed -n '2s/.*(\([0-9]*\) pruned.*/\1/p' "$tmp/p")
	pruned=$((pruned + p))
done
# the comparison means something only if something was pruned
[ "$pruned" -gt 0 ] || bad "nothing pruned: the comparison proves nothing"

# 3. the printed schedules, through the command
facts() { grep "^{\"outcome\":$1," "$2" | sed 's/.*"facts"://; s/,$//'; }
for t in traces/close/broken-pipe.trace traces/setup/connect-refused.trace; do
	"$TCPSIM" explore --json "$t" >"$tmp/j"
	k=$(grep -c '^{"outcome"' "$tmp/j")
	i=1
	while [ "$i" -le "$k" ]; do
		"$TCPSIM" explore --schedule "$i" "$t" >"$tmp/s.trace" ||
			bad "$t: --schedule $i"
		"$TCPSIM" explore --depth 0 --json "$tmp/s.trace" >"$tmp/sj" ||
			bad "$t: schedule $i does not run"
		[ "$(facts "$i" "$tmp/j")" = "$(facts 1 "$tmp/sj")" ] ||
			bad "$t: the schedule of outcome $i gives another outcome"
		i=$((i + 1))
	done
done

# 4. four shards through xargs -P, merged
t=traces/close/broken-pipe.trace
"$TCPSIM" explore --depth 2 "$t" >"$tmp/full"
export TCPSIM t tmp
seq 1 4 | xargs -P 4 -I{} sh -c \
	'"$TCPSIM" explore --depth 2 --json --shard {}/4 "$t" >"$tmp/shard{}.json"' ||
	bad "shards"
"$TCPSIM" explore --merge "$tmp/shard1.json" "$tmp/shard2.json" \
	"$tmp/shard3.json" "$tmp/shard4.json" >"$tmp/merged" || bad "merge"
cmp -s "$tmp/full" "$tmp/merged" || bad "the merged shards differ from the unsharded run"
# in another order, the same
"$TCPSIM" explore --merge "$tmp/shard3.json" "$tmp/shard1.json" \
	"$tmp/shard4.json" "$tmp/shard2.json" >"$tmp/merged2" || bad "merge"
cmp -s "$tmp/full" "$tmp/merged2" || bad "the merge depends on the order of the files"

# the examples of doc/examples: the Slurm script as four tasks of an array,
# GNU parallel's when it is installed
mkdir -p "$tmp/bin" "$tmp/slurm"
ln -s "$TCPSIM" "$tmp/bin/tcpsim"
for i in 1 2 3 4; do
	(cd "$tmp/slurm" && PATH="$tmp/bin:$PATH" SLURM_ARRAY_TASK_ID=$i \
		SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=4 \
		SLURM_ARRAY_TASK_COUNT=4 sh "$OLDPWD/doc/examples/explore-slurm.sh" \
		"$OLDPWD/$t" 2) || bad "explore-slurm.sh, task $i"
done
"$TCPSIM" explore --merge "$tmp"/slurm/explore-shard-*.json |
	sed "s|$PWD/||" >"$tmp/merged3"
cmp -s "$tmp/full" "$tmp/merged3" || bad "explore-slurm.sh: the merge differs"
if command -v parallel >/dev/null 2>&1; then
	PATH="$tmp/bin:$PATH" sh doc/examples/explore-parallel.sh "$t" 2 3 >"$tmp/merged4" ||
		bad "explore-parallel.sh"
	cmp -s "$tmp/full" "$tmp/merged4" || bad "explore-parallel.sh: the merge differs"
fi

# 5. --where, limits, bad input
"$TCPSIM" explore --where 'client:errno=EPIPE,client:sigpipe' "$t" >"$tmp/w" ||
	bad "--where: no outcome with EPIPE"
grep -q 'EPIPE +SIGPIPE' "$tmp/w" || bad "--where: the EPIPE outcome is not shown"
[ "$(grep -c '^outcome ' "$tmp/w")" -lt "$(grep -c '^outcome ' "$tmp/full")" ] ||
	bad "--where: filters nothing"
"$TCPSIM" explore --where 'server:errno=EPIPE' "$t" >/dev/null
[ $? -eq 1 ] || bad "--where matching nothing: status 1"
"$TCPSIM" explore --where 'errno=' "$t" >/dev/null 2>&1
[ $? -eq 1 ] || bad "--where errno= : status 1"
"$TCPSIM" explore --where 'colour=red' "$t" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "unknown term 'colour=red'" "$tmp/err" ||
	bad "--where with an unknown term"
"$TCPSIM" explore --depth 2 --max-schedules 1000 "$t" >"$tmp/o" 2>"$tmp/err"
[ $? -eq 2 ] && [ ! -s "$tmp/o" ] &&
	grep -q 'depth 2 has 2797 schedules of 2 faults (2861 in all), more than --max-schedules 1000' "$tmp/err" ||
	bad "--max-schedules: $(cat "$tmp/err")"
"$TCPSIM" explore --depth 9 "$t" 2>/dev/null
[ $? -eq 2 ] || bad "--depth 9: status 2"
"$TCPSIM" explore --faults drop,teleport "$t" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "unknown fault 'teleport'" "$tmp/err" || bad "--faults"
"$TCPSIM" explore --shard 5/4 --json "$t" 2>/dev/null
[ $? -eq 2 ] || bad "--shard 5/4: status 2"
printf 'host a 10.0.0.1\n0 a: s = sockt()\n' >"$tmp/bad.trace"
"$TCPSIM" explore "$tmp/bad.trace" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "bad.trace:2:" "$tmp/err" || bad "a bad trace: $(cat "$tmp/err")"
echo '{"trace":"x"' >"$tmp/bad.json"
"$TCPSIM" explore --merge "$tmp/bad.json" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "not a shard" "$tmp/err" || bad "--merge of a bad file"
"$TCPSIM" explore --depth 1 --json --shard 1/2 traces/setup/connect-refused.trace >"$tmp/other.json"
"$TCPSIM" explore --merge "$tmp/shard1.json" "$tmp/other.json" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "a shard of another exploration" "$tmp/err" ||
	bad "--merge of shards of two explorations"
# the limits of a run: a run stopped is an outcome of its own
"$TCPSIM" explore --max-events 20 "$t" >"$tmp/o" || bad "--max-events"
grep -q '^  stopped event limit of 20 exceeded' "$tmp/o" || bad "--max-events: no stopped outcome"

echo "run-explore.sh: $n traces at depth 1, 4 at depth 2, $pruned schedules pruned"
exit $fail
