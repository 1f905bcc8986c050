#!/bin/sh
# Fills the ladder diagrams of doc/tutorial.md from the traces: every line
#   <!-- ladder: traces/TOPIC/NAME.trace -->
# is followed by a fenced block holding `tcpsim --ladder --ascii` of that
# trace; a previous block there is replaced. Likewise
#   <!-- explain: tests/captures/NAME.pcap -->     tcpsim explain NAME.pcap
#   <!-- pcap2trace: tests/captures/NAME.pcap -->  tcpsim pcap2trace NAME.pcap Reads doc/tutorial.md, writes
# the result on standard output. tests/check-tutorial.sh fails when the
# committed file differs, so the diagrams cannot drift from the model.
set -u
LC_ALL=C
export LC_ALL
: "${TCPSIM:?set TCPSIM to the tcpsim binary}"
: "${TOP_SRCDIR:?set TOP_SRCDIR to the source tree}"
cd "$TOP_SRCDIR" || exit 99
skip=0
while IFS= read -r line || [ -n "$line" ]; do
	if [ "$skip" = 1 ]; then
		# Drop the old generated block: from its opening fence to the
		# closing one.
		case "$line" in
		'```text') skip=2; continue ;;
		*) skip=0 ;;
		esac
	elif [ "$skip" = 2 ]; then
		[ "$line" = '```' ] && skip=0
		continue
	fi
	printf '%s\n' "$line"
	case "$line" in
	'<!-- ladder: '*' -->')
		t=${line#<!-- ladder: }
		t=${t% -->}
		printf '```text\n'
		"$TCPSIM" --ladder --ascii --color=never "$t" | tail -n +2
		printf '```\n'
		skip=1
		;;
	'<!-- explain: '*' -->')
		t=${line#<!-- explain: }
		t=${t% -->}
		printf '```text\n'
		"$TCPSIM" explain "$t"
		printf '```\n'
		skip=1
		;;
	'<!-- pcap2trace: '*' -->')
		t=${line#<!-- pcap2trace: }
		t=${t% -->}
		printf '```text\n'
		"$TCPSIM" pcap2trace "$t"
		printf '```\n'
		skip=1
		;;
	esac
done <doc/tutorial.md
