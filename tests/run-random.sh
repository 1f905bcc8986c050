#!/bin/sh
# Randomized fault schedules: for each seed, 'tcpsim gen --seed N' makes a
# trace in which a client and a server write random chunks to each other
# through random drops, duplicates, delays and cuts; it runs in the
# checking mode, which verifies every byte read against what was written
# (exactly once, in order). The property: either each side reads every
# byte the other wrote and sees the end of the stream, with no error
# anywhere; or some call fails with an error and neither side read more
# than was written.
# Never a violated invariant (status 2), never a call left hanging without
# an error. A failing seed prints the command that reproduces it.
# SEEDS (default 2000) and FIRST (default 1) choose the seeds.
set -u
LC_ALL=C
export LC_ALL
: "${TCPSIM:?set TCPSIM to the tcpsim binary}"
command -v jq >/dev/null 2>&1 || { echo "SKIP: no jq"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
first=${FIRST:-1}
n=${SEEDS:-2000}
pass=0
fail=0
seed=$first
while [ "$seed" -lt $((first + n)) ]; do
	"$TCPSIM" gen --seed "$seed" >"$tmp/t.trace"
	"$TCPSIM" --check --json "$tmp/t.trace" >"$tmp/j" 2>"$tmp/err"
	st=$?
	verdict=$(jq -r -s '
		def calls(p): map(select((.kind == "call" or .kind == "return")
			and (.call | startswith(p))));
		def sum(p): calls(p) | map(select(.result > 0) | .result) | add // 0;
		def eof(p): calls(p) | map(select(.result == 0)) | length > 0;
		sum("write(c") as $w | sum("read(a") as $r | eof("read(a") as $eof
		| sum("write(a") as $wb | sum("read(c") as $rb | eof("read(c") as $eofb
		| (map(select((.kind == "call" or .kind == "return") and .errno != null))
			| length) as $errors
		| (map(select(.kind == "proc" and (.detail | test("still blocked"))))
			| length) as $hung
		| if $r > $w then "read \($r) bytes of \($w) written"
		  elif $rb > $wb then "client read \($rb) bytes of \($wb) written"
		  elif $errors == 0 and ($eof | not) then "no error, but no end of stream"
		  elif $errors == 0 and ($eofb | not) then "no error, but the client saw no end of stream"
		  elif $errors == 0 and $r != $w then "no error, but \($r) bytes read of \($w)"
		  elif $errors == 0 and $rb != $wb then "no error, but the client read \($rb) bytes of \($wb)"
		  elif $errors == 0 and $hung > 0 then "no error, but a call hangs"
		  else "ok" end' <"$tmp/j" 2>&1)
	if [ "$st" -gt 1 ]; then
		verdict="exit status $st: $(head -n 1 "$tmp/err")"
	fi
	if [ "$verdict" = ok ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: seed $seed: $verdict"
		echo "    reproduce: tcpsim gen --seed $seed > t.trace && tcpsim --check t.trace"
	fi
	seed=$((seed + 1))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
