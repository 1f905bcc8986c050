#!/bin/sh
# run-kernel.sh - the kernel runner itself (doc/kernel.md): a trace that
# holds on the kernel exits 0; the same trace with one result changed
# fails there too (exit 1); a SYN the network drops is sent again by the
# kernel; --diff agrees with the model on them, and a construct the runner
# cannot reproduce is refused; every kind of call it makes gives the
# model's result; a SIGINT in the middle of a run leaves no
# process and no network namespace of the run behind. Needs root, network namespaces and
# /dev/net/tun: skipped (77) without them, as "tcpsim --kernel --can-run"
# says.
set -u
top=${TOP_SRCDIR:-.}
tcpsim=${TCPSIM:-./tcpsim}
why=$("$tcpsim" --kernel --can-run 2>&1)
if [ $? -ne 0 ]; then
	echo "run-kernel.sh: SKIP: $why"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() {
	echo "run-kernel.sh: FAIL: $*"
	fail=1
}

# 1. The broken-pipe trace holds on the kernel.
trace=$top/traces/close/broken-pipe.trace
"$tcpsim" --kernel "$trace" >"$tmp/ok.out" 2>&1
rc=$?
[ $rc -eq 0 ] || bad "broken-pipe.trace: exit $rc, not 0"
grep -q 'write(c, 100) = -1 EPIPE (Broken pipe) +SIGPIPE' "$tmp/ok.out" ||
	bad "broken-pipe.trace: the second write() is not EPIPE"

# 2. A wrong expectation fails on the kernel too: the second write is
# said to return 100.
sed 's/write(c, 100) = -1 EPIPE +SIGPIPE (Broken pipe)/write(c, 100) = 100/' \
	"$trace" >"$tmp/mutated.trace"
cmp -s "$trace" "$tmp/mutated.trace" && bad "the mutation changed nothing"
"$tcpsim" --kernel "$tmp/mutated.trace" >"$tmp/mut.out" 2>&1
rc=$?
[ $rc -eq 1 ] || bad "mutated broken-pipe.trace: exit $rc, not 1"
grep -q 'expected write(c, 100) = 100, got -1 EPIPE' "$tmp/mut.out" ||
	bad "mutated broken-pipe.trace: no failure for the write"

# 3. Faults are applied: the first SYN is dropped by the relay, and the
# kernel sends it again after its initial RTO.
"$tcpsim" --kernel "$top/tests/kernel/syn-dropped.trace" >"$tmp/syn.out" 2>&1
rc=$?
[ $rc -eq 0 ] || bad "syn-dropped.trace: exit $rc, not 0"
n=$(grep -c 'client  send .* SYN  ' "$tmp/syn.out")
[ "$n" -eq 2 ] || bad "syn-dropped.trace: $n SYNs sent, not 2"
grep 'client  send .* SYN  ' "$tmp/syn.out" | head -n 1 | grep -q DROPPED ||
	bad "syn-dropped.trace: the first SYN was not dropped"
grep 'client  send .* SYN  ' "$tmp/syn.out" | tail -n 1 | grep -q DROPPED &&
	bad "syn-dropped.trace: the second SYN was dropped too"

# 4. --diff: the model and the kernel agree on the broken-pipe trace, and
# on its mutation (both fail the same line); a host the kernel runner
# cannot have is refused, naming its line.
"$tcpsim" --diff "$trace" >"$tmp/diff.out" 2>&1
rc=$?
[ $rc -eq 0 ] || bad "--diff broken-pipe.trace: exit $rc, not 0"
grep -q 'the model and the kernel agree' "$tmp/diff.out" ||
	bad "--diff broken-pipe.trace: no agreement line"
"$tcpsim" --diff "$tmp/mutated.trace" >"$tmp/diff2.out" 2>&1
rc=$?
[ $rc -eq 0 ] || bad "--diff mutated broken-pipe.trace: exit $rc, not 0"
printf 'host a 10.0.0.1\nhost b 10.0.0.2 nostack\n0 a: c = socket()\n' \
	>"$tmp/nostack.trace"
"$tcpsim" --kernel "$tmp/nostack.trace" >"$tmp/ns.out" 2>&1
rc=$?
[ $rc -eq 2 ] || bad "nostack host: exit $rc, not 2"
grep -q 'nostack.trace:2:1: unsupported on the kernel' "$tmp/ns.out" ||
	bad "nostack host: no unsupported message naming line 2"

# 5. Every kind of call the runner makes (options set and read back,
# send and recv with flags, sendto, MSG_PEEK, a non-blocking read, the
# names, poll, a half-close): each result holds on the kernel, and the
# model agrees segment by segment.
"$tcpsim" --kernel "$top/tests/kernel/calls.trace" >"$tmp/calls.out" 2>&1
rc=$?
[ $rc -eq 0 ] || bad "calls.trace: exit $rc, not 0"
grep -q 'getsockopt(c, SO_SNDBUF) = 16384' "$tmp/calls.out" ||
	bad "calls.trace: getsockopt's value is not shown"
"$tcpsim" --diff "$top/tests/kernel/calls.trace" >"$tmp/calls.diff" 2>&1 ||
	bad "--diff calls.trace: $(cat "$tmp/calls.diff")"

# 6. SIGINT in the middle of a run: the hosts' processes and their
# namespaces are gone with tcpsim.
cat >"$tmp/long.trace" <<'TRACE'
host a 10.0.0.1
host b 10.0.0.2
0      b: s = socket()
+0     b: bind(s, 80) = 0
+0     b: listen(s, 8) = 0
+0     a: c = socket()
+0     a: connect(c, b:80) = 0
+30    a: close(c) = 0
TRACE
"$tcpsim" --kernel "$tmp/long.trace" >"$tmp/long.out" 2>&1 &
pid=$!
kids=
for i in 1 2 3 4 5 6 7 8 9 10; do
	sleep 0.2
	kids=$(cat /proc/$pid/task/*/children 2>/dev/null)
	set -- $kids
	[ $# -ge 2 ] && break
done
[ -n "$kids" ] || bad "SIGINT: tcpsim made no host process"
nets=
for k in $kids; do
	nets="$nets $(readlink /proc/$k/ns/net 2>/dev/null)"
done
kill -INT $pid
wait $pid
rc=$?
[ $rc -ne 0 ] || bad "SIGINT: tcpsim exited 0"
sleep 0.2
for k in $kids; do
	[ -e /proc/$k ] && bad "SIGINT: host process $k is still there"
done
for n in $nets; do
	for p in /proc/[0-9]*; do
		[ "$(readlink $p/ns/net 2>/dev/null)" = "$n" ] &&
			bad "SIGINT: namespace $n is still held by ${p#/proc/}"
	done
done
[ $fail -eq 0 ] && echo "run-kernel.sh: 6 checks passed"
exit $fail
