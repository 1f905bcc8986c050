#!/bin/sh
# Hostile input through the command: garbage, endless input, files past
# the limits of doc/trace-format.md, and traces that would run forever.
# Each must end with exit status 2 and a clear message, or run to the end
# when it stays inside the limits; never a crash or a hang. Outcomes only:
# how long they take is measured by bench/, not here.
set -u
LC_ALL=C
export LC_ALL
: "${TCPSIM:?set TCPSIM to the tcpsim binary}"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

# expect WHAT STATUS MESSAGE-REGEX COMMAND...: the exit status, and the
# first line of the standard error matching the regex (when not empty).
expect() {
	what=$1
	want=$2
	re=$3
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" != "$want" ]; then
		bad "$what: exit status $got, expected $want"
		head -n 3 "$tmp/err" | sed 's/^/    /'
	elif [ -n "$re" ] && ! head -n 1 "$tmp/err" | grep -Eq "$re"; then
		bad "$what: message"
		head -n 3 "$tmp/err" | sed 's/^/    /'
	else
		ok "$what"
	fi
}

prologue() {
	cat <<'EOF'
host client 10.0.0.1
host server 10.0.0.2
link client server delay 10ms
0      server: s = socket()
+0     server: bind(s, 80) = 0
+0     server: listen(s, 8) = 0
+0     client: c = socket()
+0     client: connect(c, server:80) = 0
+0     server: a = accept(s)
EOF
}

# Endless input: a character device, and a pipe that never ends.
expect "/dev/zero as the trace" 2 '^/dev/zero: cannot read: file larger than 256 MiB$' \
	"$TCPSIM" /dev/zero
expect "endless standard input" 2 '^-: cannot read: file larger than 256 MiB$' \
	sh -c 'yes "# a comment" | "$0" -' "$TCPSIM"
# A file past the size limit (sparse: it takes no room on the disk).
if truncate -s 300M "$tmp/big.trace" 2>/dev/null; then
	expect "a 300 MiB file" 2 'big.trace: cannot read: file larger than 256 MiB$' \
		"$TCPSIM" "$tmp/big.trace"
	rm -f "$tmp/big.trace"
fi
expect "a directory" 2 '^/: cannot read: ' "$TCPSIM" /

# Garbage: bytes that are not text, NUL bytes, control characters.
awk 'BEGIN { srand(7); for (i = 0; i < 20000; i++) printf "%c", int(rand() * 256) }' \
	>"$tmp/garbage.trace"
expect "random bytes" 2 'garbage.trace:[0-9]+:[0-9]+: ' "$TCPSIM" "$tmp/garbage.trace"
printf 'host a 10.0.0.1\n0 a: s = sock\000et()\n' >"$tmp/nul.trace"
expect "a NUL byte" 2 'nul.trace:2:14: ' "$TCPSIM" "$tmp/nul.trace"
printf 'host a 10.0.0.1\n0 a: s = sock\033[31met()\n' >"$tmp/esc.trace"
"$TCPSIM" "$tmp/esc.trace" >/dev/null 2>"$tmp/err"
if tr -d '\n' <"$tmp/err" | LC_ALL=C grep -q '[[:cntrl:]]'; then
	bad "a control character is not echoed to the terminal"
else
	ok "a control character is not echoed to the terminal"
fi
# A line of a megabyte, with no line end.
awk 'BEGIN { printf "host a 10.0.0.1\n#"; for (i = 0; i < 1048576; i++) printf "x" }' \
	>"$tmp/long.trace"
expect "a line of 1 MiB" 2 'long.trace:2:4097: line longer than 4096 bytes' \
	"$TCPSIM" "$tmp/long.trace"

# Sizes: the statement limit, and a trace right inside every limit.
{
	prologue
	awk 'BEGIN { for (i = 0; i < 1000000; i++) print "+0 expect client c state ESTABLISHED" }'
} >"$tmp/lines.trace"
expect "1,000,009 statements" 2 'lines.trace:1000004:1: too many statements \(limit 1000000\)' \
	"$TCPSIM" "$tmp/lines.trace"
awk 'BEGIN {
	for (h = 0; h < 256; h++) printf "host h%d 10.%d.0.1\n", h, h
	for (h = 0; h < 256; h++) for (i = 0; i < 3900; i++)
		printf "0 h%d: s%d = socket()\n", h, i
}' >"$tmp/sockets.trace"
expect "256 hosts of 3900 sockets" 0 '' "$TCPSIM" --quiet "$tmp/sockets.trace"
grep -q 'sockets.trace: 998400 expectations checked, 0 failed$' "$tmp/out" ||
	bad "256 hosts of 3900 sockets: every socket() returns"
rm -f "$tmp/lines.trace" "$tmp/sockets.trace"

# Runs that would never end: a receiver that never reads keeps the
# sender probing its zero window forever.
{
	prologue
	echo "+0.1   client: write(c, 2147483647) = 2147483647"
	echo "+0     client: write(c, 2147483647) = 2147483647"
} >"$tmp/forever.trace"
expect "zero-window probes forever: --max-time" 2 \
	'forever.trace: virtual time limit of 10000000s exceeded \(--max-time\)$' \
	"$TCPSIM" "$tmp/forever.trace"
expect "zero-window probes forever: --max-events" 2 \
	'forever.trace: event limit of 100000 exceeded \(--max-events\)$' \
	"$TCPSIM" --max-time 100000000 --max-events 100000 "$tmp/forever.trace"
# A call blocked forever, with a million lines behind it.
{
	prologue
	echo "+0 client: read(c, 100)"
	awk 'BEGIN { for (i = 0; i < 999000; i++) print "+0 client: write(c, 1)" }'
} >"$tmp/blocked.trace"
expect "a blocked call and a million lines behind it" 1 '' \
	"$TCPSIM" --quiet "$tmp/blocked.trace"
grep -q 'blocked.trace: 999007 expectations checked, 999001 failed$' "$tmp/out" ||
	bad "a blocked call: each line behind it fails"
rm -f "$tmp/blocked.trace"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
