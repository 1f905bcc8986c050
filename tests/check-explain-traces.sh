#!/bin/sh
# check-explain-traces.sh - for every trace under traces/, the capture
# "tcpsim --pcap" writes of it, explained: each RST the model sent is
# explained with the rule the report gave it (the rule_id of its JSON
# reset event) among the candidates; how many rank it first is printed.
set -u
LC_ALL=C
export LC_ALL
: "${TCPSIM:?set TCPSIM to the tcpsim binary}"
top=${TOP_SRCDIR:-.}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
rsts=0
first=0

for t in $(find "$top/traces" -name '*.trace' | sort); do
	name=${t#"$top"/}
	"$TCPSIM" --json --pcap "$tmp/cap.pcap" "$t" >"$tmp/json" 2>/dev/null
	st=$?
	if [ $st -gt 1 ]; then
		echo "FAIL: $name: tcpsim exit status $st"
		fail=$((fail + 1))
		continue
	fi
	# FRAME ID for each RST the model sent: frames are the send, inject
	# and replay events in order; a reset event names the rule of the
	# next RST its host sends.
	awk '
	/"kind":"reset"/ {
		h = $0; sub(/.*"host":"/, "", h); sub(/".*/, "", h)
		id = $0; sub(/.*"rule_id":"/, "", id); sub(/".*/, "", id)
		pend[h] = pend[h] " " id
		next
	}
	/"kind":"(send|inject|replay)"/ {
		frame++
		if ($0 !~ /"kind":"send"/ || $0 !~ /"flags":\[[^]]*"RST"/)
			next
		h = $0; sub(/.*"host":"/, "", h); sub(/".*/, "", h)
		if (pend[h] == "") next
		split(pend[h], a, " ")
		print frame, a[1]
		sub(/^ [^ ]*/, "", pend[h])
	}' "$tmp/json" >"$tmp/want"
	[ -s "$tmp/want" ] || { pass=$((pass + 1)); continue; }
	if ! "$TCPSIM" explain --json "$tmp/cap.pcap" >"$tmp/xp" 2>"$tmp/err"; then
		echo "FAIL: $name: explain failed"
		sed 's/^/    /' "$tmp/err"
		fail=$((fail + 1))
		continue
	fi
	ok=1
	while read -r frame id; do
		rsts=$((rsts + 1))
		line=$(grep "\"type\":\"rst\",\"conn\":[0-9]*,\"frame\":$frame," "$tmp/xp")
		ids=$(printf '%s\n' "$line" | grep -o '"id":"[^"]*"' |
			sed 's/"id":"//; s/"$//' | tr '\n' ' ')
		case " $ids" in
		" $id "*) first=$((first + 1)) ;;
		*" $id "*) ;;
		*)
			echo "FAIL: $name: RST #$frame: the report says $id, explain: ${ids:-nothing}"
			ok=0
			;;
		esac
	done <"$tmp/want"
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "check-explain-traces.sh: $pass traces as expected, $fail not; $rsts RSTs, $first ranked first"
[ $fail = 0 ]
