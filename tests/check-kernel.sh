#!/bin/sh
# check-kernel.sh - every trace under traces/ on this machine's kernel
# against the model (tcpsim --diff, doc/kernel.md), JOBS at once (8: the
# runs mostly sleep, in real time). A line of difference must match one of
# the patterns tests/kernel/known-differences lists for its trace (each
# explained in doc/kernel.md); any other fails the check, unless the
# trace's next run, alone (up to two), has none: the first run's timing
# (it is printed, as "timing:"). On a machine
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
# judge TRACE O: the verdict of the run in O.rc, O.out, O.err; what it
# has to say goes to O.msg. Returns 0 (agree), 3 (differ as documented),
# 4 (unsupported, as listed), 1 (a difference not listed) or 2 (no run).
judge() {
	trace=$1
	o=$2
	: >"$o.msg"
	if [ ! -f "$o.rc" ]; then
		echo "FAIL $trace: no result" >>"$o.msg"
		return 2
	fi
	rc=$(cat "$o.rc")
	if [ "$rc" = 2 ]; then
		# a trace the runner refuses (doc/kernel.md) is listed as
		# "TRACE unsupported"
		if grep -q "unsupported on the kernel" "$o.err" &&
			grep -qx "$trace unsupported" "$known"; then
			return 4
		fi
		echo "FAIL $trace: could not run: $(head -n 1 "$o.err")" >>"$o.msg"
		return 2
	fi
	if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
		echo "FAIL $trace: exit status $rc: $(head -n 1 "$o.err")" >>"$o.msg"
		return 2
	fi
	if ! grep -q "^$trace: \(the model and the kernel agree\|[0-9]* differences\?\)\$" "$o.out"; then
		echo "FAIL $trace: no verdict" >>"$o.msg"
		return 2
	fi
	# the difference lines, without the summary
	grep -v "^$trace: [0-9]* difference" "$o.out" |
		grep -v "^$trace: the model and the kernel agree" >"$o.diff"
	[ -s "$o.diff" ] || return 0
	grep "^$trace " "$known" 2>/dev/null | cut -d' ' -f2- >"$o.pat"
	unknown=0
	while IFS= read -r line; do
		if [ ! -s "$o.pat" ] || ! printf '%s\n' "$line" |
			grep -Eq -f "$o.pat"; then
			echo "FAIL (not in known-differences): $line" >>"$o.msg"
			unknown=1
		fi
	done <"$o.diff"
	[ $unknown = 1 ] && return 1
	{
		echo "known: $(tail -n 1 "$o.out")"
		sed 's/^/    /' "$o.diff"
	} >>"$o.msg"
	return 3
}

fail=0 nagree=0 nknown=0 nunsup=0 nretried=0
while read -r trace; do
	o=$tmp/$(echo "$trace" | tr / _)
	judge "$trace" "$o"
	v=$?
	if [ $v = 1 ]; then
		# Time is real: eight runs at once on a busy machine can be
		# late by tens of milliseconds, past the runner's tolerance. A
		# difference the model makes shows on every run; one that the
		# trace's next run, alone, does not repeat was the timing of
		# that run. Up to two more runs, one at a time.
		cp "$o.msg" "$o.first"
		for n in 2 3; do
			(cd "$top" && "$tcpsim" --diff "$trace" >"$o.out" \
				2>"$o.err" </dev/null)
			echo $? >"$o.rc"
			judge "$trace" "$o"
			v=$?
			[ $v = 1 ] || break
		done
		if [ $v != 1 ]; then
			nretried=$((nretried + 1))
			echo "timing: $trace: differed on its first run, not on run $n alone:"
			sed 's/^/    /' "$o.first"
		fi
	fi
	case $v in
	0) nagree=$((nagree + 1)) ;;
	3)
		nknown=$((nknown + 1))
		cat "$o.msg"
		;;
	4) nunsup=$((nunsup + 1)) ;;
	*)
		cat "$o.msg"
		fail=1
		;;
	esac
done <"$tmp/list"
echo "check-kernel.sh: $(wc -l <"$tmp/list") traces: $nagree agree," \
	"$nknown differ as documented, $nunsup unsupported" \
	"($nretried judged on a run alone after a timing difference)"
exit $fail
