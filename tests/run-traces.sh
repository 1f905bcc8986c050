#!/bin/sh
# The trace suite: runs every traces/**/*.trace and compares its report with
# the expected report stored beside it (NAME.out). A trace must exit 0 (all
# its expectations held) unless NAME.status says otherwise, and give the
# same verdict with --quiet.
# REGEN=1 rewrites the expected reports: review the diff before committing.
# FAILFAST=1 stops at the first failure (the mutation runner's use).
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
for t in $(find traces -name '*.trace' | sort); do
	base=${t%.trace}
	want_status=0
	[ -f "$base.status" ] && want_status=$(cat "$base.status")
	# The checking mode is on: invariants after every event.
	"$TCPSIM" --check "$t" >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "${REGEN:-0}" = 1 ]; then
		cp "$tmp/out" "$base.out"
	fi
	if [ "$status" != "$want_status" ]; then
		echo "FAIL: $t: exit status $status, expected $want_status"
		sed 's/^/    /' "$tmp/err"
		grep ' FAIL ' "$tmp/out" | sed 's/^/    /'
		fail=$((fail + 1))
		[ "${FAILFAST:-0}" = 1 ] && break
	elif ! cmp -s "$tmp/out" "$base.out"; then
		echo "FAIL: $t: report differs from $base.out"
		diff -u "$base.out" "$tmp/out" | head -40 | sed 's/^/    /'
		fail=$((fail + 1))
		[ "${FAILFAST:-0}" = 1 ] && break
	else
		# --quiet formats nothing but failures, and the model takes
		# its shortcuts for what nobody watches (a time-wait record
		# ends without becoming a socket again): the same verdict,
		# the same count of expectations.
		"$TCPSIM" --quiet "$t" >"$tmp/q" 2>/dev/null
		qstatus=$?
		want=$(tail -n 1 "$base.out" | sed 's/^# //')
		if [ "$qstatus" != "$want_status" ] ||
			[ "$(tail -n 1 "$tmp/q")" != "$t: $want" ]; then
			echo "FAIL: $t: --quiet: exit status $qstatus, '$(tail -n 1 "$tmp/q")', not '$want'"
			fail=$((fail + 1))
			[ "${FAILFAST:-0}" = 1 ] && break
		else
			echo "PASS: $t"
			pass=$((pass + 1))
		fi
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
