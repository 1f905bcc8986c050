#!/bin/sh
# The packetdrill scripts of tests/packetdrill/ (SOURCES.md): each must get
# the verdict tests/packetdrill/EXPECTED gives it, with the same first line
# of message. One line per script, tab-separated: its path below
# tests/packetdrill/, its verdict (pass, fail: a check failed, as on Linux
# or as the model differs, doc/packetdrill.md says which; unsupported: it
# uses what tcpsim cannot run), and the first line of the message after
# "PATH:" ("-" for none). REGEN=1 rewrites EXPECTED: review the diff.
set -u
LC_ALL=C
export LC_ALL
: "${TCPSIM:?set TCPSIM to the tcpsim binary}"
: "${TOP_SRCDIR:?set TOP_SRCDIR to the source tree}"
cd "$TOP_SRCDIR/tests/packetdrill" || exit 99
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
tab=$(printf '\t')
pass=0
fail=0

# verdict PATH: "VERDICT<TAB>MESSAGE" as tcpsim gives it now.
verdict() {
	"$TCPSIM" --quiet "$1" >"$tmp/out" 2>"$tmp/err"
	case $? in
	0) v=pass ;;
	1) v=fail ;;
	3) v=unsupported ;;
	*) v="error $?" ;;
	esac
	m=$(head -n 1 "$tmp/err")
	m=${m#"$1:"}
	printf '%s\t%s\n' "$v" "${m:--}"
}

if [ "${REGEN:-0}" = 1 ]; then
	for f in $(find google linux -name '*.pkt' | sort); do
		printf '%s\t%s\n' "$f" "$(verdict "$f")"
	done >EXPECTED
fi

n=$(find google linux -name '*.pkt' | wc -l)
listed=$(wc -l <EXPECTED)
if [ "$n" != "$listed" ]; then
	echo "FAIL: EXPECTED lists $listed scripts, tests/packetdrill has $n"
	fail=$((fail + 1))
fi
while IFS="$tab" read -r f want msg; do
	if [ ! -f "$f" ]; then
		echo "FAIL: $f: listed in EXPECTED, not found"
		fail=$((fail + 1))
		continue
	fi
	got=$(verdict "$f")
	if [ "$got" = "$want$tab$msg" ]; then
		echo "PASS: $f: $want"
		pass=$((pass + 1))
	else
		echo "FAIL: $f: expected $want$tab$msg"
		echo "      got $got"
		fail=$((fail + 1))
	fi
done <EXPECTED
echo "run-packetdrill.sh: $pass as expected, $fail not"
[ "$fail" = 0 ]
