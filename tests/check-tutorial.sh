#!/bin/sh
# doc/tutorial.md's ladder diagrams, exercises and answers must be what the
# traces give now, and each exercise's trace must run as its trace does.
set -u
: "${TCPSIM:?}" "${TOP_SRCDIR:?}"
# an exercise quotes a capture as tcpdump shows it
command -v tcpdump >/dev/null 2>&1 || { echo "SKIP: no tcpdump"; exit 77; }
tmp=$(mktemp) || exit 99
trap 'rm -f "$tmp"' EXIT
sh "$TOP_SRCDIR/tests/gen-tutorial.sh" >"$tmp" || exit 1
# Each exercise's trace, as the tutorial prints it, runs and does what its
# trace does: the same events, its expectations aside.
ex_fail=0
ex_n=0
for t in $(sed -n 's/^<!-- exercise: \(.*\) -->$/\1/p' "$TOP_SRCDIR/doc/tutorial.md"); do
	ex_n=$((ex_n + 1))
	awk -v m="<!-- exercise: $t -->" '
		$0 == m { on = 1; next }
		on == 1 && /^```text$/ { on = 2; next }
		on == 2 && /^```$/ { exit }
		on == 2 { print }' "$TOP_SRCDIR/doc/tutorial.md" >"$tmp.ex"
	# (the lines moved: the report's references to them aside)
	events() { grep -E '^ *[0-9]+\.[0-9]{6}  ' | grep -Ev '^ *[0-9.]+  [^ ]+ +(expect|FAIL) ' | sed -E 's/line [0-9]+/line N/g'; }
	(cd "$TOP_SRCDIR" && "$TCPSIM" --color=never "$t") | events >"$tmp.want"
	"$TCPSIM" --color=never "$tmp.ex" >"$tmp.out"
	st=$?
	events <"$tmp.out" >"$tmp.got"
	if [ $st -eq 0 ] && ! grep -q ' expect ' "$tmp.ex" && [ -s "$tmp.want" ] &&
		cmp -s "$tmp.want" "$tmp.got"; then
		echo "PASS: exercise from $t runs as its trace does"
	else
		echo "FAIL: exercise from $t (exit $st):"
		diff "$tmp.want" "$tmp.got" | head -10
		ex_fail=$((ex_fail + 1))
	fi
done
rm -f "$tmp.ex" "$tmp.want" "$tmp.got" "$tmp.out"
[ "$ex_n" -ge 8 ] || { echo "FAIL: $ex_n exercise traces, 8 expected"; ex_fail=$((ex_fail + 1)); }
# every numbered chapter ends with its exercise
chapters=$(grep -c '^## [0-9][0-9]*\. ' "$TOP_SRCDIR/doc/tutorial.md")
exercises=$(grep -c '^### Exercise [0-9][0-9]*: ' "$TOP_SRCDIR/doc/tutorial.md")
[ "$exercises" -eq "$chapters" ] ||
	{ echo "FAIL: $chapters chapters, $exercises exercises"; ex_fail=$((ex_fail + 1)); }
if [ "$ex_fail" -eq 0 ] && cmp -s "$tmp" "$TOP_SRCDIR/doc/tutorial.md"; then
	echo "PASS: doc/tutorial.md diagrams, exercises and answers are up to date"
	echo "$((ex_n + 1)) passed, 0 failed"
	exit 0
fi
[ "$ex_fail" -eq 0 ] || { echo "$ex_fail exercises failed"; exit 1; }
echo "FAIL: doc/tutorial.md diagrams are out of date; 'make update-docs' rewrites them:"
diff -u "$TOP_SRCDIR/doc/tutorial.md" "$tmp" | head -40
echo "0 passed, 1 failed"
exit 1
