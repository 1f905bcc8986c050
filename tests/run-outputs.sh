#!/bin/sh
# The outputs other tools read: JSON Lines (each line parsed by jq, fields
# checked against the report), pcap (read back by tcpdump: packets, flags,
# sequence numbers, checksums), the terminal ladder (against its expected
# rendering), SVG (well-formed XML, rendered by headless Chromium to a
# picture that is not blank, its labels in the page), --quiet, --color and
# 'tcpsim test'. A missing tool makes the test SKIP (status 77).
set -u
LC_ALL=C
export LC_ALL
: "${TCPSIM:?set TCPSIM to the tcpsim binary}"
: "${TOP_SRCDIR:?set TOP_SRCDIR to the source tree}"
cd "$TOP_SRCDIR" || exit 99
for tool in jq tcpdump xmllint convert chromium; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

t=traces/close/broken-pipe.trace

# One call that sends many segments (more than the 16 events first held
# back with it): each segment's numbers as the report prints them.
r=tests/fuzz/regressions/held-events-realloc.trace
"$TCPSIM" --json "$r" >"$tmp/hj" || bad "--json exit status ($r)"
check "held events keep their segments ($r)" \
	"jq -r 'select(.kind == \"send\") | \"seq=\\(.segment.seq) ack=\\(.segment.ack) len=\\(.segment.len)\"' <'$tmp/hj' >'$tmp/hj.seg' &&
	 jq -r 'select(.kind == \"send\") | .detail' <'$tmp/hj' |
	 sed 's/.* \\(seq=[0-9]* ack=[0-9]* len=[0-9]*\\).*/\\1/' | cmp -s - '$tmp/hj.seg'"

# JSON Lines: every line an object of schema 1, one per report event,
# then one per line of the final state and the count of expectations.
"$TCPSIM" --json "$t" >"$tmp/j" || bad "--json exit status"
"$TCPSIM" "$t" >"$tmp/r"
check "every JSON line parses" "jq -e . <'$tmp/j' >/dev/null"
check "schema version 1 on every line" \
	"[ \"\$(jq -r 'select(.v != 1)' <'$tmp/j' | wc -l)\" -eq 0 ]"
lines=$(grep -c '^ *[0-9]*\.[0-9]\{6\}  ' "$tmp/r")
finals=$(grep -c '^  [a-z]' "$tmp/r")
events=$((lines + finals + 1))
check "one JSON object per report event ($lines), final line ($finals) and the count" \
	"[ \"\$(wc -l <'$tmp/j')\" -eq '$events' ]"
check "the final state as the report has it" \
	"[ \"\$(jq -r 'select(.kind == \"final\") | \"\\(.host) \\(.socket) \\(.state)\"' <'$tmp/j' | tr '\\n' ' ')\" = \"\$(grep '^  [a-z]' '$tmp/r' | awk '{ print \$1, \$2, \$3 }' | tr '\\n' ' ')\" ]"
check "the count of expectations" \
	"jq -e -s 'map(select(.kind == \"done\" and .checked == 12 and .failed == 0)) | length == 1' <'$tmp/j' >/dev/null"
check "seq numbers the events in order" \
	"[ \"\$(jq -r .seq <'$tmp/j' | tail -n 1)\" -eq \$(($events - 1)) ]"
check "the second write failed with EPIPE and SIGPIPE" \
	"jq -e -s 'map(select(.kind == \"call\" and .call == \"write(c, 100)\" and .errno == \"EPIPE\" and .sigpipe)) | length > 0' <'$tmp/j' >/dev/null"
check "the RST names its reason and rule" \
	"jq -e -s 'map(select(.kind == \"reset\" and (.rule | test(\"tcp_timewait_state_process\")))) | length > 0' <'$tmp/j' >/dev/null"
check "segments carry flags and numbers" \
	"jq -e -s 'map(select(.kind == \"send\" and .segno == 1 and .segment.flags == [\"SYN\"] and .segment.seq == 1000)) | length > 0' <'$tmp/j' >/dev/null"
check "state changes carry both states" \
	"jq -e -s 'map(select(.kind == \"state\" and .old_state == \"CLOSE_WAIT\" and .new_state == \"CLOSED\")) | length > 0' <'$tmp/j' >/dev/null"

# doc/json.md's table of kinds names every kind the traces give.
for f in $(find traces -name '*.trace' | sort); do
	"$TCPSIM" --why --json "$f" 2>/dev/null | jq -r .kind
done | sort -u >"$tmp/kinds"
missing=
for k in $(cat "$tmp/kinds"); do
	grep -q "^| .*\`$k\`.* |" doc/json.md || missing="$missing $k"
done
check "doc/json.md's table names every kind ($(wc -l <"$tmp/kinds") seen)${missing:+, not:$missing}" \
	"[ -z '$missing' ] && [ \$(wc -l <'$tmp/kinds') -gt 15 ]"

# pcap: one packet per segment sent, as the report numbers them.
"$TCPSIM" --pcap "$tmp/p.pcap" "$t" >/dev/null || bad "--pcap exit status"
tcpdump -r "$tmp/p.pcap" -nn -vv -S 2>/dev/null >"$tmp/d"
sent=$(grep -c '  \(send\|inject\|replay\)  ' "$tmp/r")
check "one packet per segment sent ($sent)" \
	"[ \"\$(grep -c '^[0-9][0-9]:' '$tmp/d')\" -eq '$sent' ]"
check "every TCP checksum is correct" \
	"[ \"\$(grep -c 'cksum 0x[0-9a-f]* (correct)' '$tmp/d')\" -eq '$sent' ] && ! grep -q incorrect '$tmp/d'"
check "the SYN as the report has it" \
	"grep -q '10.0.0.1.40000 > 10.0.0.2.80: Flags \[S\], cksum 0x[0-9a-f]* (correct), seq 1000, win 64240, options \[mss 1460,sackOK,TS val 1000000 ecr 0,nop,wscale 10\]' '$tmp/d'"
check "every segment's options as the report has them" \
	"grep -q 'Flags \[\.\], cksum 0x[0-9a-f]* (correct), seq 1001, ack 2001, win 63, options \[nop,nop,TS val 1000020 ecr 2000010\]' '$tmp/d'"
check "the RST as the report has it" \
	"grep -q '10.0.0.2.80 > 10.0.0.1.40000: Flags \[R\], cksum 0x[0-9a-f]* (correct), seq 2002, win 0, length 0' '$tmp/d'"
check "virtual timestamps" "grep -q '^00:00:00.210000 IP' '$tmp/d'"

# --pcap-at HOST FILE: what a capture on one host shows. Each segment its
# stack sends, at the time it leaves (a segment the network loses
# included), and each one that arrives there, at its arrival time; a
# segment lost on the way is only on the sender's side.
lt=traces/loss/data-retries.trace
"$TCPSIM" --pcap-at client "$tmp/at-c.pcap" --pcap-at server "$tmp/at-s.pcap" "$lt" >/dev/null ||
	bad "--pcap-at exit status"
"$TCPSIM" --json "$lt" >"$tmp/at.j"
for h in client server; do
	hh=$(echo $h | cut -c1)
	want=$(jq -r "select((.kind == \"send\" and .from == \"$h\") or (.kind == \"recv\" and .to == \"$h\")) | .kind" <"$tmp/at.j" | wc -l)
	tcpdump -r "$tmp/at-$hh.pcap" -nn -tt -S 2>/dev/null >"$tmp/at-$hh.d"
	check "--pcap-at $h: its sends and its arrivals ($want)" \
		"[ \"\$(grep -c ' IP ' '$tmp/at-$hh.d')\" -eq $want ] && [ $want -ge 5 ]"
done
lost=$(jq -r 'select(.kind == "send" and .dropped and .from == "client") | .segno' <"$tmp/at.j" | wc -l)
check "segments lost in the network ($lost): on the client's side only" \
	"[ $lost -gt 2 ] &&
	 [ \"\$(grep -c '10.0.0.1.40000 > 10.0.0.2.80: Flags \[P.\], seq 1001:1101' '$tmp/at-c.d')\" -eq $((lost)) ] &&
	 [ \"\$(grep -c '10.0.0.1.40000 > 10.0.0.2.80: Flags \[P.\], seq 1001:1101' '$tmp/at-s.d')\" -eq 0 ]"
check "the SYN leaves the client at 0 and reaches the server at 0.010 s" \
	"grep -q '^0.000000 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags \[S\]' '$tmp/at-c.d' &&
	 grep -q '^0.010000 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags \[S\]' '$tmp/at-s.d'"
check "the SYN-ACK leaves the server at 0.010 s and reaches the client at 0.020 s" \
	"grep -q '^0.010000 IP 10.0.0.2.80 > 10.0.0.1.40000: Flags \[S.\]' '$tmp/at-s.d' &&
	 grep -q '^0.020000 IP 10.0.0.2.80 > 10.0.0.1.40000: Flags \[S.\]' '$tmp/at-c.d'"
"$TCPSIM" --pcap-at nobody "$tmp/x.pcap" "$lt" >/dev/null 2>"$tmp/at.e"
check "--pcap-at with a host the trace lacks: exit 2, and why" \
	"[ \$? -eq 2 ] && grep -q \"no host 'nobody' in this trace\" '$tmp/at.e'"

# The terminal ladder, against its expected rendering.
for f in tests/outputs/*.ladder; do
	name=$(basename "$f" .ladder)
	trace=$(find traces -name "$name.trace" | head -n 1)
	case "$name" in *-ascii) trace=$(find traces -name "${name%-ascii}.trace" | head -n 1); opt=--ascii ;; *) opt= ;; esac
	"$TCPSIM" --ladder $opt --width 80 --color=never "$trace" >"$tmp/l"
	[ "${REGEN:-0}" = 1 ] && cp "$tmp/l" "$f"
	if cmp -s "$tmp/l" "$f"; then ok "ladder $name"; else bad "ladder $name"; diff -u "$f" "$tmp/l" | head -20; fi
done
maxw() { awk '{ if (length > m) m = length } END { print m + 0 }'; }
check "two hosts fit in 80 columns by default" \
	"[ \"\$(\"$TCPSIM\" --ladder --ascii --color=never $t | maxw)\" -le 80 ]"
check "COLUMNS sets the width" \
	"[ \"\$(COLUMNS=132 \"$TCPSIM\" --ladder --ascii --color=never $t | maxw)\" -gt 100 ] &&
	 [ \"\$(COLUMNS=132 \"$TCPSIM\" --ladder --ascii --color=never $t | maxw)\" -le 132 ]"
check "--width wins over COLUMNS" \
	"[ \"\$(COLUMNS=132 \"$TCPSIM\" --ladder --ascii --width 70 --color=never $t | maxw)\" -le 70 ]"
# Every trace of two hosts within the width asked; nothing cut: each word
# of each failed call (its errno) and of each RST's reason is in the
# ladder whole, and no ellipsis marks a cut.
overflow=
cut=
for f in $(find traces -name '*.trace' | sort); do
	[ "$(grep -c '^host ' "$f")" -le 2 ] || continue
	"$TCPSIM" --json "$f" 2>/dev/null |
		jq -r 'select((.kind == "call" or .kind == "return") and .errno != null) | "\(.call) = -1 \(.errno)", (select(.kind == "reset") | "RST: " + .reason)' |
		tr ' ' '\n' | sort -u >"$tmp/words"
	for w in 72 80 100; do
		"$TCPSIM" --ladder --ascii --width $w --color=never "$f" >"$tmp/lw"
		[ "$(maxw <"$tmp/lw")" -le $w ] || overflow="$overflow $f@$w"
		while IFS= read -r word; do
			[ -z "$word" ] && continue
			grep -qF -- "$word" "$tmp/lw" || cut="$cut $f@$w:$word"
		done <"$tmp/words"
	done
	"$TCPSIM" --ladder --width 80 --color=never "$f" | grep -q "$(printf '\342\200\246')" && cut="$cut $f:ellipsis"
done
check "every ladder of two hosts within 72, 80 and 100 columns${overflow:+:$overflow}" "[ -z '$overflow' ]"
check "no result, errno or RST reason cut${cut:+:$cut}" "[ -z '$cut' ]"
check "--color=always paints errnos red" \
	"\"$TCPSIM\" --ladder --color=always $t | grep -q \"\$(printf '\\033\\[31m')\""
check "--color=never paints nothing" \
	"! \"$TCPSIM\" --ladder --color=never $t | grep -q \"\$(printf '\\033')\""

# SVG: well-formed, rendered by Chromium, not blank, labels in the page.
"$TCPSIM" --svg "$tmp/s.svg" "$t" >/dev/null || bad "--svg exit status"
check "the SVG is well-formed XML" "xmllint --noout '$tmp/s.svg'"
chrome() {
	chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$tmp/chrome" "$@" 2>/dev/null
}
chrome --window-size=1100,1000 --screenshot="$tmp/s.png" "file://$tmp/s.svg" >/dev/null
check "Chromium renders it" "[ -s '$tmp/s.png' ]"
colors=$(convert "$tmp/s.png" -format %k info: 2>/dev/null || echo 0)
check "the picture is not blank ($colors colours)" "[ '$colors' -gt 4 ]"
check "red is used (the RST, the failed call)" \
	"convert '$tmp/s.png' -fuzz 20% -fill black +opaque '#c00000' -format %k info: | grep -qv '^1\$'"
chrome --dump-dom "file://$tmp/s.svg" >"$tmp/dom"
for label in 'client' 'server' '#1 [S] 1000' 'write(c, 100) = -1 EPIPE' 'RST: new data arrived'; do
	check "the page holds '$label'" "grep -qF '$label' '$tmp/dom'"
done

# The SVG's marks: a crashed host's line broken until it reboots (two
# pieces, a cross where it crashed), a terminated process marked, a legend,
# and the axis asked for.
"$TCPSIM" --svg "$tmp/cr.svg" traces/crash/s05a-peer-crash-reboot-rst.trace >/dev/null
check "SVG: the crashed host's line is broken until it reboots" \
	"[ \"\$(grep -c '<line class=\"life\"' '$tmp/cr.svg')\" -eq 3 ] && grep -q 'class=\"crash\"' '$tmp/cr.svg' && grep -q 'class=\"reboot\"' '$tmp/cr.svg'"
kt=$(grep -l ': kill$' $(find traces -name '*.trace') | head -n 1)
"$TCPSIM" --svg "$tmp/k.svg" "$kt" >/dev/null
check "SVG: a killed process is marked ($kt)" "grep -q 'class=\"killed\"' '$tmp/k.svg'"
check "SVG: a legend" "grep -q '>Legend<' '$tmp/k.svg'"
"$TCPSIM" --svg "$tmp/ta.svg" --svg-time "$t" >/dev/null
check "SVG: --svg-time spaces rows by time" \
	"grep -q 'data-axis=\"time\"' '$tmp/ta.svg' && grep -q 'data-axis=\"event\"' '$tmp/s.svg'"

# Every trace draws, as a ladder and as SVG, without a crash.
drawn=0
for f in $(find traces -name '*.trace' | sort); do
	"$TCPSIM" --ladder --ascii --svg "$tmp/all.svg" "$f" >/dev/null 2>&1
	st=$?
	if [ $st -gt 1 ]; then bad "drawing $f (exit $st)"; else drawn=$((drawn + 1)); fi
done
check "every trace drawn ($drawn)" "[ $drawn -gt 60 ]"

# --why: the causal chain behind a failed call and an RST.
"$TCPSIM" --why "$t" >"$tmp/w"
check "--why explains the EPIPE" \
	"grep -q 'why     write(c, 100) = -1 EPIPE ← pending error set when segment #7 (RST) arrived in CLOSE_WAIT ← #7 (RST) sent by server (orphan-data): new data arrived for an orphaned connection in FIN_WAIT_2 \[RFC 1122 §4.2.2.13; Linux tcp_timewait_state_process\] ← in reply to #6 (PSH|ACK) sent by client when line 20 (client: write(c, 100) = 100) ran' '$tmp/w'"
check "--why explains each RST" \
	"[ \"\$(grep -c '  why     #[0-9]* (RST' '$tmp/w')\" -eq \"\$(grep -c '  send  .*  RST' '$tmp/w')\" ]"
check "--why leaves the rest of the report as it is" \
	"[ \"\$(grep -v '  why  ' '$tmp/w')\" = \"\$(cat '$tmp/r')\" ]"

# --quiet: the failures and one summary line.
"$TCPSIM" --quiet "$t" >"$tmp/q"
check "--quiet on a passing trace prints only the summary" \
	"[ \"\$(cat '$tmp/q')\" = '$t: 12 expectations checked, 0 failed' ]"

# tcpsim test: one line a trace, the closing count, the exit status.
mkdir -p "$tmp/suite/sub"
cp "$t" "$tmp/suite/a.trace"
sed 's/= -1 EPIPE/= -1 ECONNRESET/' "$t" >"$tmp/suite/sub/b.trace"
printf '0 client: frobnicate()\n' >"$tmp/suite/sub/c.trace"
"$TCPSIM" test "$tmp/suite" >"$tmp/t"
st=$?
check "tcpsim test: exit 2 when a trace cannot run" "[ $st -eq 2 ]"
check "tcpsim test: one line each" "[ \"\$(grep -c '^\(PASS\|FAIL\|ERROR\)' '$tmp/t')\" -eq 3 ]"
check "tcpsim test: the failure says where" \
	"grep -q 'FAIL  $tmp/suite/sub/b.trace  .*b.trace:21: expected write(c, 100) = -1 ECONNRESET' '$tmp/t'"
check "tcpsim test: closing line" "tail -n 1 '$tmp/t' | grep -qx '1 passed, 1 failed, 1 could not run'"
rm "$tmp/suite/sub/c.trace"
"$TCPSIM" test "$tmp/suite" >/dev/null
check "tcpsim test: exit 1 when one failed" "[ \$? -eq 1 ]"
# tcpsim test against the expected reports beside the traces: a golden
# that does not match fails with a unified diff (as diff -u prints it);
# --update rewrites it; the path in the report's first line is not compared.
mkdir -p "$tmp/gold"
cp "$t" "$tmp/gold/a.trace"
cp traces/close/broken-pipe.out "$tmp/gold/a.out"
"$TCPSIM" test "$tmp/gold" >"$tmp/g1"
check "tcpsim test: a matching NAME.out passes" \
	"[ \$? -eq 0 ] && grep -qx 'PASS  $tmp/gold/a.trace' '$tmp/g1'"
sed -e '1a garbage' -e 's/EPIPE (Broken pipe)/EPIPE (Broke pipe)/' -e '12d' \
	traces/close/broken-pipe.out >"$tmp/gold/a.out"
"$TCPSIM" test "$tmp/gold" >"$tmp/g2"
st=$?
check "tcpsim test: a NAME.out that differs fails (exit 1)" \
	"[ $st -eq 1 ] && grep -qx 'FAIL  $tmp/gold/a.trace  the report differs from $tmp/gold/a.out:' '$tmp/g2' && tail -n 1 '$tmp/g2' | grep -qx '0 passed, 1 failed'"
"$TCPSIM" "$tmp/gold/a.trace" >"$tmp/g.rep"
diff -u "$tmp/gold/a.out" "$tmp/g.rep" | sed -n '/^@@/,$p' >"$tmp/g.want"
check "tcpsim test: the unified diff is diff -u's" \
	"sed -n '/^@@/,\$p' '$tmp/g2' | sed '\$d' | cmp -s - '$tmp/g.want'"
check "tcpsim test: the diff shows the garbage line removed" \
	"grep -qx -- '-garbage' '$tmp/g2' && grep -qx -- '+   0.300000  client  call    write(c, 100) = -1 EPIPE (Broken pipe) +SIGPIPE' '$tmp/g2'"
"$TCPSIM" test --update "$tmp/gold" >"$tmp/g3"
check "tcpsim test --update rewrites NAME.out" \
	"[ \$? -eq 0 ] && grep -qx 'wrote $tmp/gold/a.out' '$tmp/g3' && cmp -s '$tmp/gold/a.out' '$tmp/g.rep'"
"$TCPSIM" test --update "$tmp/gold" >"$tmp/g4"
check "tcpsim test --update leaves a matching NAME.out alone" \
	"! grep -q '^wrote' '$tmp/g4'"
(cd "$tmp" && "$TCPSIM" test ./gold/ >"$tmp/g5")
check "tcpsim test: the path in the report's header is not compared" \
	"[ \$? -eq 0 ] && grep -q '^PASS' '$tmp/g5'"
expect_fail() { ! "$@" >/dev/null 2>&1; }
check "--update is for tcpsim test" "expect_fail '$TCPSIM' --update '$t'"
"$TCPSIM" test traces >"$tmp/all"
check "tcpsim test traces: all pass" "[ \$? -eq 0 ] && tail -n 1 '$tmp/all' | grep -q ' passed, 0 failed\$'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
