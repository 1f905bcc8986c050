#!/bin/sh
# check-pcap2trace.sh - tcpsim pcap2trace on the capture "tcpsim --pcap"
# writes of each trace under traces/: the trace it makes, run, gives the
# same segments (direction, flags, payload length) for the connection
# and the same RSTs. tests/pcap2trace.txt lists the traces where this
# cannot hold, each with the reason; they are run too, and one that comes
# out the same must leave the list.
set -u
LC_ALL=C
export LC_ALL
: "${TCPSIM:?set TCPSIM to the tcpsim binary}"
top=${TOP_SRCDIR:-.}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
known=0
list=$top/tests/pcap2trace.txt

for t in $(find "$top/traces" -name '*.trace' | sort); do
	name=${t#"$top"/}
	"$TCPSIM" --pcap "$tmp/a.pcap" "$t" >/dev/null 2>&1
	[ $? -le 1 ] || continue
	"$TCPSIM" pcap2trace --segments "$tmp/a.pcap" >"$tmp/want" 2>/dev/null || continue
	"$TCPSIM" pcap2trace "$tmp/a.pcap" >"$tmp/b.trace" 2>"$tmp/err"
	st=$?
	same=0
	if [ $st = 0 ]; then
		"$TCPSIM" --pcap "$tmp/b.pcap" "$tmp/b.trace" >/dev/null 2>&1
		if [ $? -le 1 ] &&
			"$TCPSIM" pcap2trace --segments "$tmp/b.pcap" >"$tmp/got" 2>/dev/null &&
			cmp -s "$tmp/want" "$tmp/got"; then
			same=1
		fi
	fi
	if grep -q "^$name " "$list"; then
		if [ $same = 1 ]; then
			echo "FAIL: $name: listed as differing, but it comes out the same"
			fail=$((fail + 1))
		else
			known=$((known + 1))
		fi
	elif [ $same = 1 ]; then
		pass=$((pass + 1))
	else
		echo "FAIL: $name: pcap2trace's trace gives other segments"
		diff "$tmp/want" "$tmp/got" 2>/dev/null | head -n 10 | sed 's/^/    /'
		fail=$((fail + 1))
	fi
done
echo "check-pcap2trace.sh: $pass traces reproduced, $known listed as not, $fail failures"
[ $fail = 0 ]
