#!/bin/sh
# check-kernel.sh - every trace under traces/ on this machine's kernel
# against the model (tcpsim --diff, doc/kernel.md), JOBS at once (8: the
# runs mostly sleep, in real time). A line of difference must match one of
# the patterns tests/kernel/known-differences lists for its trace (each
# explained in doc/kernel.md); any other fails the check. On a machine
# that cannot run traces on its kernel (tcpsim --kernel --can-run), says
# SKIP and why, and succeeds.
set -u
top=${TOP_SRCDIR:-.}
tcpsim=${TCPSIM:-./tcpsim}
jobs=${JOBS:-8}
known=$top/tests/kernel/known-differences
why=$("$tcpsim" --kernel --can-run 2>&1)
if [ $? -ne 0 ]; then
	echo "##########################################################"
	echo "check-kernel.sh: SKIP: this machine cannot run traces on"
	echo "its kernel: $why"
	echo "##########################################################"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "check-kernel.sh: $(uname -sr), $jobs at once"
(cd "$top" && find traces -name '*.trace' | LC_ALL=C sort) >"$tmp/list"
export tcpsim tmp
(cd "$top" && xargs -P "$jobs" -I{} sh -c \
	'o=$tmp/$(echo {} | tr / _); "$tcpsim" --diff {} >$o.out 2>$o.err; echo $? >$o.rc' \
	<"$tmp/list")
fail=0 nagree=0 nknown=0 nunsup=0
while read -r trace; do
	o=$tmp/$(echo "$trace" | tr / _)
	if [ ! -f "$o.rc" ]; then
		echo "FAIL $trace: no result"
		fail=1
		continue
	fi
	rc=$(cat "$o.rc")
	if [ "$rc" = 2 ]; then
		# a trace the runner refuses (doc/kernel.md) is listed as
		# "TRACE unsupported"
		if grep -q "unsupported on the kernel" "$o.err" &&
			grep -qx "$trace unsupported" "$known"; then
			nunsup=$((nunsup + 1))
			continue
		fi
		echo "FAIL $trace: could not run: $(head -n 1 "$o.err")"
		fail=1
		continue
	fi
	if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
		echo "FAIL $trace: exit status $rc: $(head -n 1 "$o.err")"
		fail=1
		continue
	fi
	if ! grep -q "^$trace: \(the model and the kernel agree\|[0-9]* differences\?\)\$" "$o.out"; then
		echo "FAIL $trace: no verdict"
		fail=1
		continue
	fi
	# the difference lines, without the summary
	grep -v "^$trace: [0-9]* difference" "$o.out" |
		grep -v "^$trace: the model and the kernel agree" >"$o.diff"
	if [ ! -s "$o.diff" ]; then
		nagree=$((nagree + 1))
		continue
	fi
	grep "^$trace " "$known" 2>/dev/null | cut -d' ' -f2- >"$o.pat"
	unknown=0
	while IFS= read -r line; do
		if [ ! -s "$o.pat" ] || ! printf '%s\n' "$line" |
			grep -Eq -f "$o.pat"; then
			echo "FAIL (not in known-differences): $line"
			unknown=1
		fi
	done <"$o.diff"
	if [ $unknown = 1 ]; then
		fail=1
	else
		nknown=$((nknown + 1))
		echo "known: $(tail -n 1 "$o.out")"
		sed 's/^/    /' "$o.diff"
	fi
done <"$tmp/list"
echo "check-kernel.sh: $(wc -l <"$tmp/list") traces: $nagree agree," \
	"$nknown differ as documented, $nunsup unsupported"
exit $fail
