#!/bin/sh
# check-pcap2trace.sh - tcpsim pcap2trace on the capture "tcpsim --pcap"
# writes of each trace under traces/: the trace it makes, run, gives the
# same segments (direction, flags, payload length) for the connection
# and the same RSTs, and explain --trace finds each RST's evidence on
# the lines made from it; likewise connection 1 of each capture recorded
# on Linux 6.18 in tests/captures. tests/pcap2trace.txt lists the captures
# where this cannot hold, each with the reason; they are run too, and one
# that comes out the same must leave the list.
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
nrst=0
list=$top/tests/pcap2trace.txt

# Whether the trace pcap2trace wrote, $tmp/b.trace, run, gives the
# segments of $tmp/want (status 1 is a line of the trace failing, such
# as a connect() still blocked at the end).
same_segments() {
	rm -f "$tmp/b.pcap" "$tmp/got"
	"$TCPSIM" --pcap "$tmp/b.pcap" "$tmp/b.trace" >/dev/null 2>&1
	[ $? -le 1 ] &&
		"$TCPSIM" pcap2trace --segments "$tmp/b.pcap" >"$tmp/got" 2>/dev/null &&
		cmp -s "$tmp/want" "$tmp/got"
}

# turn_back TRACE: run TRACE with a capture, its segments in $tmp/want,
# and the trace pcap2trace makes of it in $tmp/b.trace; then whether that
# trace gives the same segments (same_segments)
turn_back() {
	"$TCPSIM" --pcap "$tmp/a.pcap" "$1" >/dev/null 2>&1
	"$TCPSIM" pcap2trace --segments "$tmp/a.pcap" >"$tmp/want" 2>/dev/null
	"$TCPSIM" pcap2trace "$tmp/a.pcap" >"$tmp/b.trace" 2>"$tmp/err"
	same_segments
}

# listed NAME SAME: whether NAME is in the list of those that differ;
# one that came out the same (SAME 1) must leave it.
listed() {
	grep -q "^$1 " "$list" || return 1
	if [ "$2" = 1 ]; then
		echo "FAIL: $1: listed as differing, but it comes out the same"
		fail=$((fail + 1))
	else
		known=$((known + 1))
	fi
}

# A copy that differs: what the run gave against the capture.
differs() {
	echo "FAIL: $1: pcap2trace's trace gives other segments"
	diff "$tmp/want" "$tmp/got" 2>/dev/null | head -n 10 | sed 's/^/    /'
	fail=$((fail + 1))
}

for t in $(find "$top/traces" -name '*.trace' | sort); do
	name=${t#"$top"/}
	"$TCPSIM" --pcap "$tmp/a.pcap" "$t" >/dev/null 2>&1
	[ $? -le 1 ] || continue
	"$TCPSIM" pcap2trace --segments "$tmp/a.pcap" >"$tmp/want" 2>/dev/null || continue
	"$TCPSIM" pcap2trace "$tmp/a.pcap" >"$tmp/b.trace" 2>"$tmp/err"
	st=$?
	if [ $st = 0 ] && [ -s "$tmp/err" ]; then
		echo "FAIL: $name: pcap2trace succeeded with a message:"
		sed 's/^/    /' "$tmp/err"
		fail=$((fail + 1))
	fi
	same=0
	if [ $st = 0 ] && same_segments; then
		same=1
	fi
	if listed "$name" $same; then
		:
	elif [ $same = 1 ]; then
		pass=$((pass + 1))
		# explain --trace: each RST of the connection names the
		# trace's lines made from it or from a frame of its first
		# candidate's evidence, and every line named ends "# #FRAME"
		"$TCPSIM" explain --json --trace "$tmp/b.trace" "$tmp/a.pcap" \
			>"$tmp/xp.json"
		jq -r 'select(.type == "rst" and .conn == 1) |
			  .frame as $r |
			  ([[$r, .lines]] + ([.candidates[0].evidence,
			    .candidates[0].evidence_lines] | transpose)) |
			  .[] | "\($r) \(.[0]) \((.[1] // []) | join(" "))"' \
			"$tmp/xp.json" >"$tmp/lines" || {
			echo "FAIL: $name: explain --json --trace: not JSON"
			fail=$((fail + 1))
		}
		cut -d' ' -f1 "$tmp/lines" | sort -u >"$tmp/rsts"
		while read -r r; do
			nrst=$((nrst + 1))
			if ! grep -q "^$r [0-9]* [0-9]" "$tmp/lines"; then
				echo "FAIL: $name: explain --trace: no line for RST #$r or its evidence"
				fail=$((fail + 1))
			fi
		done <"$tmp/rsts"
		while read -r r f lines; do
			for l in $lines; do
				if ! sed -n "${l}p" "$tmp/b.trace" | grep -q " # #$f\$"; then
					echo "FAIL: $name: explain --trace: frame #$f names line $l"
					fail=$((fail + 1))
				fi
			done
		done <"$tmp/lines"
	else
		differs "$name"
	fi
done
# The captures recorded on Linux 6.18: connection 1 of each, the same way
real=0
for p in "$top/tests/captures/"*.pcap; do
	case $p in *.drops.pcap) continue ;; esac
	name=${p#"$top"/}
	"$TCPSIM" pcap2trace --segments "$p" >"$tmp/want" 2>/dev/null || continue
	same=0
	if "$TCPSIM" pcap2trace "$p" >"$tmp/b.trace" 2>/dev/null &&
		same_segments; then
		same=1
	fi
	if listed "$name" $same; then
		:
	elif [ $same = 1 ]; then
		real=$((real + 1))
	else
		differs "$name"
	fi
done
# An MSS below 1460 in a SYN is a TCP_MAXSEG set before connect() or
# listen(): the segments' lengths follow it
cat >"$tmp/mss.trace" <<'EOF'
host client 10.0.0.1
host server 10.0.0.2
link client server delay 5ms
0      server: s = socket()
+0     server: setsockopt(s, TCP_MAXSEG, 1000) = 0
+0     server: bind(s, 80) = 0
+0     server: listen(s, 8) = 0
+0     client: c = socket()
+0     client: setsockopt(c, TCP_MAXSEG, 1200) = 0
+0     client: connect(c, server:80) = 0
+0     server: a = accept(s)
+0.1   client: write(c, 5000) = 5000
+0.1   server: write(a, 5000) = 5000
+0.1   client: close(c) = 0
+0     server: close(a) = 0
EOF
checks=0
if turn_back "$tmp/mss.trace" &&
	grep -q '^0us  *b: setsockopt(l, TCP_MAXSEG, 1000)$' "$tmp/b.trace" &&
	grep -q '^0us  *a: setsockopt(c, TCP_MAXSEG, 1200)$' "$tmp/b.trace"; then
	checks=$((checks + 1))
else
	echo "FAIL: pcap2trace of a capture with MSS 1200 and 1000 in the SYNs"
	diff "$tmp/want" "$tmp/got" | head -n 10 | sed 's/^/    /'
	fail=$((fail + 1))
fi
# An MSS above 1460 (a loopback capture) is said to be assumed 1460
if "$TCPSIM" pcap2trace "$top/tests/captures/s01a.pcap" 2>/dev/null |
	grep -q '^# offered 65495 (a loopback or jumbo-frame link)'; then
	checks=$((checks + 1))
else
	echo "FAIL: pcap2trace of s01a.pcap: the MSS of 65495 is not said to be assumed 1460"
	fail=$((fail + 1))
fi
# A data segment held back by the network that left with another one
# (the second of a write's two): no net: delay line can name it apart
# from the first, so the trace writes none and still gives the segments
cat >"$tmp/held.trace" <<'EOF'
host client 10.0.0.1
host server 10.0.0.2
link client server delay 10ms
0      server: s = socket()
+0     server: bind(s, 80)
+0     server: listen(s, 8)
+0     client: c = socket()
+0     client: connect(c, server:80)
+0     server: a = accept(s)
+0.1   net: delay client>server 30ms seg 5
+0     client: write(c, 2896)
+0.1   server: read(a, 10000)
EOF
if turn_back "$tmp/held.trace" && ! grep -q 'net: delay' "$tmp/b.trace"; then
	checks=$((checks + 1))
else
	echo "FAIL: pcap2trace of a capture whose second segment of two was held back"
	diff "$tmp/want" "$tmp/got" | head -n 10 | sed 's/^/    /'
	fail=$((fail + 1))
fi
# A simultaneous open: two connect() calls, each from its bound port, and
# the link delay from the shortest time to an answer (10 ms between hosts
# without a link line; a's two data segments leaving together are not an
# answer to each other)
cat >"$tmp/simul.trace" <<'EOF'
host a 10.0.0.1
host b 10.0.0.2
set b isn 50000
0      a: c = socket()
+0     a: bind(c, 40000)
+0     b: s = socket()
+0     b: bind(s, 5000)
+0     a: connect(c, b:5000)
+0     b: connect(s, a:40000)
+0.1   a: write(c, 2896)
+0.1   b: read(s, 10000)
EOF
if turn_back "$tmp/simul.trace" &&
	grep -q '^link a b delay 10000us$' "$tmp/b.trace" &&
	grep -q '^0us  *a: connect(c, b:5000) # #1$' "$tmp/b.trace" &&
	grep -q '^0us  *b: connect(s, a:40000) # #2$' "$tmp/b.trace" &&
	! grep -q 'listen' "$tmp/b.trace"; then
	checks=$((checks + 1))
else
	echo "FAIL: pcap2trace of a simultaneous open"
	sed 's/^/    /' "$tmp/b.trace"
	fail=$((fail + 1))
fi
# A socket connected to itself that writes three segments, reads them
# and closes: one host, a write up to the PSH, a read of each segment,
# the close at the FIN; and the Linux capture of one, on loopback, whose
# SYN's MSS of 65495 is said to be assumed 1460
cat >"$tmp/self.trace" <<'EOF'
host a 10.0.0.1
0      a: c = socket()
+0     a: bind(c, 40000)
+0     a: connect(c, a:40000)
+0     a: write(c, 3000)
+0.1   a: read(c, 65536)
+0.1   a: close(c)
EOF
if turn_back "$tmp/self.trace" &&
	[ "$(grep -v '^#' "$tmp/b.trace" | grep -c .)" = 11 ] &&
	grep -q '^host a 10.0.0.1$' "$tmp/b.trace" &&
	grep -q '^0us  *a: connect(c, a:40000) # #1$' "$tmp/b.trace" &&
	grep -q '^0us  *a: write(c, 3000) # #4$' "$tmp/b.trace" &&
	grep -q '^0us  *a: read(c, 104) # #6$' "$tmp/b.trace" &&
	grep -q '^200000us  *a: close(c) # #10$' "$tmp/b.trace" &&
	"$TCPSIM" pcap2trace "$top/tests/captures/s15c.pcap" 2>/dev/null |
	grep -q '^# offered 65495 (a loopback or jumbo-frame link)'; then
	checks=$((checks + 1))
else
	echo "FAIL: pcap2trace of a socket connected to itself"
	sed 's/^/    /' "$tmp/b.trace"
	fail=$((fail + 1))
fi
echo "check-pcap2trace.sh: $pass traces and $real Linux captures reproduced, $known listed as not, $nrst RSTs whose evidence explain --trace finds in the trace, $checks of 5 other checks, $fail failures"
[ $fail = 0 ]
