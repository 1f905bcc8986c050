#!/bin/sh
# Fills the ladder diagrams of doc/tutorial.md from the traces: every line
#   <!-- ladder: traces/TOPIC/NAME.trace -->
# is followed by a fenced block holding `tcpsim --ladder --ascii --width 80`
# of that trace; a previous block there is replaced. Likewise
#   <!-- explain: tests/captures/NAME.pcap -->     tcpsim explain NAME.pcap
#   <!-- pcap2trace: tests/captures/NAME.pcap -->  tcpsim pcap2trace NAME.pcap
#   <!-- explore: ARGS -->                         tcpsim explore --brief ARGS
#   <!-- tcpdump: tests/captures/NAME.pcap -->     tcpdump -nn -ttttt -r NAME.pcap
# Reads doc/tutorial.md, writes
# the result on standard output. tests/check-tutorial.sh fails when the
# committed file differs, so the diagrams cannot drift from the model.
set -u
LC_ALL=C
export LC_ALL
: "${TCPSIM:?set TCPSIM to the tcpsim binary}"
: "${TOP_SRCDIR:?set TOP_SRCDIR to the source tree}"
cd "$TOP_SRCDIR" || exit 99
# strip_trace FILE: FILE as an exercise (see above).
strip_trace() {
	printf '# %s, with its expectations removed: predict, then run.\n' "$1"
	awk '
	function us(tok,   n, u, i, f, w, fr) {
		u = 1000000
		if (tok ~ /us$/) { u = 1; sub(/us$/, "", tok) }
		else if (tok ~ /ms$/) { u = 1000; sub(/ms$/, "", tok) }
		else sub(/s$/, "", tok)
		i = index(tok, ".")
		if (!i) return tok * u
		w = substr(tok, 1, i - 1); fr = substr(tok, i + 1)
		f = 0
		for (n = 1; n <= 6; n++)
			f = f * 10 + (n <= length(fr) ? substr(fr, n, 1) : 0)
		return w * u + f * u / 1000000
	}
	function fmt(v,   s, f) {
		s = int(v / 1000000); f = v % 1000000
		if (!f) return s
		f = sprintf("%06d", f); sub(/0+$/, "", f)
		return s "." f
	}
	/^#/ { next }
	/^[ \t]*expect / { next }
	$1 ~ /^\+?[0-9]/ {
		tok = $1
		if (tok ~ /^\+/) now += us(substr(tok, 2)); else now = us(tok)
		if ($2 == "expect") next
		rest = substr($0, index($0, tok) + length(tok))
		sub(/^[ \t]+/, "", rest)
		sub(/\) *= .*$/, ")", rest)
		printf "%-6s %s\n", fmt(now), rest
		next
	}
	{ print }
	' "$1" | cat -s
}

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
	'<!-- exercise: '*' -->')
		# the trace without what it expects: no comments, no expect
		# lines, no results; times made absolute, as removing a timed
		# expect line would move the lines after it
		t=${line#<!-- exercise: }
		t=${t% -->}
		printf '```text\n'
		strip_trace "$t"
		printf '```\n'
		skip=1
		;;
	'<!-- answer: '*' -->')
		# the report's lines, of the trace as it is, that PATTERN
		# (an extended regular expression) matches
		a=${line#<!-- answer: }
		a=${a% -->}
		t=${a%% *}
		pat=${a#* }
		printf '```text\n'
		"$TCPSIM" --color=never "$t" |
			grep -E '^ *[0-9]+\.[0-9]{6}  ' |
			grep -Ev '^ *[0-9.]+  [^ ]+ +(expect|FAIL) ' |
			grep -E "$pat"
		printf '```\n'
		skip=1
		;;
	'<!-- ladder: '*' -->')
		t=${line#<!-- ladder: }
		t=${t% -->}
		printf '```text\n'
		"$TCPSIM" --ladder --ascii --width 80 --color=never "$t" | tail -n +2
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
	'<!-- tcpdump: '*' -->')
		# a capture as tcpdump shows it (times from its first frame)
		t=${line#<!-- tcpdump: }
		t=${t% -->}
		printf '```text\n'
		tcpdump -nn -ttttt -r "$t" 2>/dev/null
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
