#!/bin/sh
# Fills the ladder diagrams of doc/tutorial.md from the traces: every line
#   <!-- ladder: traces/TOPIC/NAME.trace -->
# is followed by a fenced block holding `tcpsim --ladder --ascii` of that
# trace, and every line
#   <!-- explore: ARGS -->
# by one holding `tcpsim explore --brief ARGS`; a previous block there is
# replaced. Reads doc/tutorial.md, writes
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
	'<!-- explore: '*' -->')
		# tcpsim explore --brief ARGS (doc/explore.md)
		a=${line#<!-- explore: }
		a=${a% -->}
		printf '```text\n'
		# shellcheck disable=SC2086 # ARGS are words
		"$TCPSIM" explore --brief $a
		printf '```\n'
		skip=1
		;;
	esac
done <doc/tutorial.md
