#!/bin/sh
# check-captures.sh - tcpsim explain on the captures of tests/captures,
# recorded on Linux 6.18: every RST explained with the rule the
# observation of its scenario describes (tests/captures/expected.txt),
# and every retransmission give-up found.
set -u
LC_ALL=C
export LC_ALL
: "${TCPSIM:?set TCPSIM to the tcpsim binary}"
top=${TOP_SRCDIR:-.}
dir=$top/tests/captures
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# What explain says of a capture, one token a line: for each RST in frame
# order "FIRST CANDIDATES...", then "timeout" for each give-up.
explained() {
	"$TCPSIM" explain "$1" >"$tmp/out" 2>"$tmp/err" || return 1
	awk '
	/^  RST #/ { f = $2; sub(/^#/, "", f); cur = f; order[++n] = f; next }
	/^    [0-9]+\. / && cur != "" {
		id = $2
		if (!(cur in first)) first[cur] = id
		cands[cur] = cands[cur] " " id
		next
	}
	/^  [AB] retransmitted from / { t++ }
	/^connection / { cur = "" }
	END {
		for (i = 1; i <= n; i++) print order[i] " " first[order[i]] cands[order[i]]
		for (i = 0; i < t; i++) print "999999999999 timeout"
	}' "$tmp/out" | sort -n -s -k1,1 | sed 's/^[0-9]* //'
}

while read -r name rest; do
	case $name in '' | '#'*) continue ;; esac
	if [ ! -f "$dir/$name" ]; then
		echo "FAIL: $name: no such capture"
		fail=$((fail + 1))
		continue
	fi
	if ! explained "$dir/$name" >"$tmp/got"; then
		echo "FAIL: $name: tcpsim explain failed"
		sed 's/^/    /' "$tmp/err"
		fail=$((fail + 1))
		continue
	fi
	# shellcheck disable=SC2086
	set -- $rest
	[ "$*" = "-" ] && set --
	ok=1
	i=0
	nrst=$(grep -vc '^timeout$' "$tmp/got")
	nto=$(grep -c '^timeout$' "$tmp/got")
	want_rst=0
	want_to=0
	for w in "$@"; do
		if [ "$w" = timeout ]; then
			want_to=$((want_to + 1))
			continue
		fi
		if [ "$w" = 'timeout?' ]; then
			[ "$nto" -gt "$want_to" ] && want_to=$((want_to + 1))
			continue
		fi
		want_rst=$((want_rst + 1))
		line=$(grep -v '^timeout$' "$tmp/got" | sed -n "${want_rst}p")
		case $w in
		'~'*)
			id=${w#\~}
			case " $line " in *" $id "*) ;; *) ok=0 ;; esac
			;;
		*)
			[ "${line%% *}" = "$w" ] || ok=0
			;;
		esac
	done
	[ "$nrst" = "$want_rst" ] || ok=0
	[ "$nto" = "$want_to" ] || ok=0
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
	else
		echo "FAIL: $name: expected: $rest"
		sed 's/^/    got: /' "$tmp/got"
		fail=$((fail + 1))
	fi
done <"$dir/expected.txt"
# Bad captures: a clear message and exit status 2, what was read still
# explained; never a crash.
# bad WHAT STATUS MESSAGE-REGEX FILE
bad() {
	case $1 in
	pcap2trace-*) "$TCPSIM" pcap2trace "$4" >"$tmp/out" 2>"$tmp/err" ;;
	*) "$TCPSIM" explain "$4" >"$tmp/out" 2>"$tmp/err" ;;
	esac
	got=$?
	if [ "$got" = "$2" ] && grep -Eq -- "$3" "$tmp/err"; then
		pass=$((pass + 1))
	else
		echo "FAIL: $1: exit status $got, message:"
		sed 's/^/    /' "$tmp/err"
		fail=$((fail + 1))
	fi
}
printf 'not a capture at all\n' >"$tmp/garbage"
bad garbage 2 'garbage: not a capture tcpsim can read: unknown file format' "$tmp/garbage"
: >"$tmp/empty"
bad empty 2 'empty: not a capture tcpsim can read' "$tmp/empty"
bad missing 2 'missing: No such file or directory' "$tmp/missing"
# cut in the middle of its third record: two frames explained, then the
# error
head -c 250 "$dir/s02a.pcap" >"$tmp/cut"
bad cut 2 'cut: frame 3: truncated dump file' "$tmp/cut"
grep -q '^summary: 1 connection, 0 RSTs, 0 timeouts; 2 frames, 2 TCP' \
	"$tmp/out" && pass=$((pass + 1)) || {
	echo "FAIL: cut: the frames before the cut are not explained"
	fail=$((fail + 1))
}
# a pcap header of an unknown link type (105, 802.11)
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\151\000\000\000' >"$tmp/wifi"
bad linktype 2 'link type 105 .* is not one tcpsim reads' "$tmp/wifi"
# a raw-IP capture of one IPv6 frame
{
	printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\145\000\000\000'
	printf '\001\000\000\000\000\000\000\000\050\000\000\000\050\000\000\000'
	printf '\140\000\000\000\000\000\006\100'
	head -c 32 /dev/zero
} >"$tmp/v6"
bad ipv6 2 'no IPv4 TCP segment in 1 frames \(1 IPv6' "$tmp/v6"
# pcap2trace: the same messages; from a cut capture, the trace of what
# was read
bad pcap2trace-garbage 2 'garbage: not a capture tcpsim can read' "$tmp/garbage"
if "$TCPSIM" pcap2trace "$tmp/cut" >"$tmp/out" 2>"$tmp/err"; then
	echo "FAIL: pcap2trace of a cut capture: exit status 0"
	fail=$((fail + 1))
elif grep -q 'cut: frame 3: truncated dump file.*the trace above' "$tmp/err" &&
	grep -q '^host a ' "$tmp/out"; then
	pass=$((pass + 1))
else
	echo "FAIL: pcap2trace of a cut capture:"
	sed 's/^/    /' "$tmp/err"
	fail=$((fail + 1))
fi
if "$TCPSIM" pcap2trace --conn 3 "$dir/s01a.pcap" >/dev/null 2>"$tmp/err" ||
	! grep -q 's01a.pcap: no connection 3' "$tmp/err"; then
	echo "FAIL: pcap2trace --conn 3 of a capture of two connections"
	fail=$((fail + 1))
else
	pass=$((pass + 1))
fi
# pcap2trace: each line made from a segment names its frame, the
# numbers explain's evidence gives
if "$TCPSIM" pcap2trace "$dir/s04a.pcap" |
	grep -q '^[0-9]*us  *b: setsockopt(s, SO_LINGER, 1, 0) # #4$'; then
	pass=$((pass + 1))
else
	echo "FAIL: pcap2trace of s04a.pcap: no SO_LINGER line for #4"
	fail=$((fail + 1))
fi
# pcap2trace: the RSTs the recording harness forged (s16a) are what no
# stack sends in a run of the trace: each is a net: inject line with its
# fields as captured, and the comment at the top names them all; where
# every segment of one side is forged (s09a), that side has no stack and
# nothing else is said of it; where forging does not reproduce the
# capture (s15b), the trace forges nothing; a forged SYN (s08c) keeps its
# options, its timestamp on the run's clock of its sender
"$TCPSIM" pcap2trace "$dir/s16a.pcap" >"$tmp/s16a.trace" 2>&1
"$TCPSIM" pcap2trace "$dir/s09a.pcap" >"$tmp/s09a.trace" 2>&1
if [ "$(grep -c '^[0-9]*us  *net: inject b:5000>a:40000 RST seq [0-9]* ack 0 len 0 win 65535 # #[0-9]*$' "$tmp/s16a.trace")" = 6 ] &&
	grep -q '^# forged (net: inject): #8, #10, #11, #12, #13, #14$' "$tmp/s16a.trace" &&
	grep -q '^host a 127.0.0.1 nostack$' "$tmp/s09a.trace" &&
	[ "$(grep -c '^[0-9]*us  *net: inject a:40000>b:5000 ' "$tmp/s09a.trace")" = 8 ] &&
	! grep -q '^[0-9]*us  *\(a:\|net: drop\)' "$tmp/s09a.trace" &&
	! "$TCPSIM" pcap2trace "$dir/s15b.pcap" 2>&1 | grep -q 'inject' &&
	"$TCPSIM" pcap2trace "$dir/s08c.pcap" 2>&1 |
	grep -q '^[0-9]*us  *net: inject a:40000>b:5000 SYN seq 1548456014 ack 0 len 0 win 65495 mss 65495 sackOK wscale 10 ts 1000000 0 # #6$'; then
	pass=$((pass + 1))
else
	echo "FAIL: pcap2trace: not the six forged RSTs of s16a, a's eight segments of s09a, s08c's SYN with its options, or s15b forged"
	sed 's/^/    /' "$tmp/s16a.trace" "$tmp/s09a.trace"
	fail=$((fail + 1))
fi
# standard input
if "$TCPSIM" explain - <"$dir/s04a.pcap" 2>&1 | grep -q '^summary: 1 connection, 1 RST (linger-abort 1)'; then
	pass=$((pass + 1))
else
	echo "FAIL: standard input"
	fail=$((fail + 1))
fi

# explain's whole output, text and JSON, with the lines of the trace
# pcap2trace makes (--trace), against tests/outputs/explain-NAME.*
for name in s03a s06c s18a; do
	"$TCPSIM" pcap2trace "$dir/$name.pcap" >"$tmp/$name.trace" 2>/dev/null
	for kind in txt json; do
		want=$top/tests/outputs/explain-$name.$kind
		if [ $kind = json ]; then
			"$TCPSIM" explain --json --trace "$tmp/$name.trace" \
				"$dir/$name.pcap" >"$tmp/got" 2>&1
		else
			"$TCPSIM" explain --trace "$tmp/$name.trace" \
				"$dir/$name.pcap" >"$tmp/got" 2>&1
		fi
		if cmp -s "$want" "$tmp/got"; then
			pass=$((pass + 1))
		else
			echo "FAIL: explain of $name.pcap differs from $want:"
			diff "$want" "$tmp/got" | head -n 10 | sed 's/^/    /'
			fail=$((fail + 1))
		fi
	done
done

echo "check-captures.sh: $pass captures as expected, $fail not"
[ $fail = 0 ]
