#!/bin/sh
# rule-ids.sh - every rule and scenario id the sources cite is defined in
# doc/rules.md, and no file names a path outside the repository.
#
# Usage: tests/rule-ids.sh [SRCDIR]     (SRCDIR defaults to $TOP_SRCDIR, then .)
#
# Scanned: the files under src/ include/ tests/ traces/ doc/ and README.md
# (git's tracked and untracked-but-not-ignored files when SRCDIR is a work
# tree, every regular file otherwise; binary files are skipped).
#
# 1. Ids. Each use, found with word boundaries on both sides, must be
#    defined in doc/rules.md (the first word of a heading, or the first
#    cell of a table row):
#      RST rules       R followed by 1-2 digits and an optional a-c  (R15b)
#      no-RST cases    N followed by 1-2 digits                       (N8)
#      scenarios       s, 2 digits, 1 lower-case letter               (s17b)
#      errno steps     "2.4 step 7", "2.4 steps 7, 8": the section must
#                      be a heading and the step a numbered line in it.
#    Not rule ids: RFC 1122's retransmission thresholds, written
#    "§4.2.3.5 R2" or "R1 = 3" / "R2 >= 100 s" (an R1 or R2 right after
#    "4.2.3.5", or followed by a comparison sign).
#    doc/rules.md and this script are not scanned for ids.
# 2. Paths. No file may name a place outside the repository: a relative
#    path that climbs out of its folder ("../" then a name), or an absolute
#    path whose first folder is not one of the system's (SYSTEM_DIRS
#    below: /dev, /tmp, /usr ...). .gitignore files are excepted: their
#    patterns are relative to their own directory. So are the packetdrill
#    scripts under tests/packetdrill/ (.pkt): upstream files copied
#    unchanged, whose paths (a defaults.sh a folder up) are those of their
#    upstream trees, and which tcpsim reads without following them.
#
# Prints FILE:LINE: and the problem for each, and exits 1 if there is any.
set -eu

src=${1:-${TOP_SRCDIR:-.}}
rules=doc/rules.md
self=tests/rule-ids.sh

if [ ! -f "$src/$rules" ]; then
	echo "rule-ids.sh: $src/$rules not found" >&2
	exit 1
fi
cd "$src"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rule-ids.XXXXXX")
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

# The files to scan, one per line, relative to SRCDIR.
if [ "$(git rev-parse --is-inside-work-tree 2>/dev/null)" = true ]; then
	git ls-files --cached --others --exclude-standard -- \
		src include tests traces doc README.md
else
	find src include tests traces doc README.md -type f 2>/dev/null
fi | sort -u | while IFS= read -r f; do
	[ -f "$f" ] && printf '%s\n' "$f"
done >"$tmp/all"

grep -v -x -e "$rules" -e "$self" "$tmp/all" >"$tmp/ids" || :
grep -v -x -e '.*\.gitignore' -e 'tests/packetdrill/.*\.pkt' "$tmp/all" \
	>"$tmp/paths" || :

# Candidate lines ("FILE:LINE:TEXT"); awk makes the exact matches.
# grep -I skips binary files; /dev/null makes grep name the file even
# when it gets just one.
run_grep() { # PATTERN LIST OUT
	if [ -s "$2" ]; then
		tr '\n' '\0' <"$2" | xargs -0 grep -I -n -H -E -e "$1" /dev/null \
			>"$3" || :
	else
		: >"$3"
	fi
}
run_grep 'R[0-9]|N[0-9]|s[0-9][0-9][a-z]|2\.[1-9] step' "$tmp/ids" \
	"$tmp/id-lines"
# The first folders of the absolute paths a file may name.
SYSTEM_DIRS='bin dev etc lib opt proc run sbin sys tmp usr var'
run_grep '(^|[^.])\.\./[A-Za-z.]|(^|[^A-Za-z0-9_.~$):/-])/[A-Za-z][A-Za-z0-9_.-]*/' \
	"$tmp/paths" "$tmp/path-cand"
awk -v sys="$SYSTEM_DIRS" '
BEGIN { n = split(sys, d, " "); for (i = 1; i <= n; i++) ok[d[i]] = 1 }
{
	text = $0
	sub(/^[^:]*:[0-9]*:/, "", text)
	if (text ~ /(^|[^.])\.\.\/[A-Za-z.]/) { print; next }
	rest = text
	while (match(rest, /(^|[^A-Za-z0-9_.~$):\/-])\/[A-Za-z][A-Za-z0-9_.-]*\//)) {
		m = substr(rest, RSTART, RLENGTH)
		sub(/^[^\/]*\//, "", m)
		sub(/\/$/, "", m)
		if (!(m in ok)) { print; next }
		rest = substr(rest, RSTART + RLENGTH)
	}
}' "$tmp/path-cand" >"$tmp/path-lines"

status=0

awk -v rules="$rules" '
function isword(c) { return c ~ /^[A-Za-z0-9_]$/ }
function trim(s) { gsub(/^[ \t*`]+|[ \t*`]+$/, "", s); return s }
function isid(s) {
	return s ~ /^R[0-9][0-9]?[a-c]?$/ || s ~ /^N[0-9][0-9]?$/ ||
	       s ~ /^s[0-9][0-9][a-z]$/
}
# Every match of RE in TEXT with a word boundary on both sides, checked
# against the definitions.
function scan(text, re, where,    rest, off, st, id, pre, post) {
	rest = text; off = 0
	while (match(rest, re)) {
		st = off + RSTART
		id = substr(text, st, RLENGTH)
		pre = substr(text, 1, st - 1)
		post = substr(text, st + RLENGTH)
		off = st; rest = substr(text, st + 1)
		if (st > 1 && isword(substr(text, st - 1, 1)))
			continue
		if (post != "" && isword(substr(post, 1, 1)))
			continue
		if (id ~ /^R[12]$/ &&
		    (pre ~ /4\.2\.3\.5[^A-Za-z0-9]*$/ ||
		     post ~ /^ *(=|>=|<=|>|<|≥|≤)/))
			continue # RFC 1122 R1/R2 thresholds
		uses++
		if (!(id in def)) {
			printf "%s: %s is not defined in %s\n", where, id, rules
			bad++
		}
	}
}
# "2.N step M" and "2.N steps M, M and M".
function steps(text, where,    rest, m, sec, nums, n, i, k) {
	rest = text
	while (match(rest, /2\.[1-9] steps? [0-9]+((, *| and )[0-9]+)*/)) {
		m = substr(rest, RSTART, RLENGTH)
		rest = substr(rest, RSTART + RLENGTH)
		sec = substr(m, 1, 3)
		sub(/^2\.[1-9] steps? /, "", m)
		gsub(/ and /, ",", m); gsub(/ /, "", m)
		n = split(m, nums, ",")
		for (i = 1; i <= n; i++) {
			k = sec ":" nums[i]
			uses++
			if (!(sec in sect)) {
				printf "%s: section %s is not defined in %s\n",
				    where, sec, rules
				bad++
			} else if (!(k in def)) {
				printf "%s: %s step %s is not defined in %s\n",
				    where, sec, nums[i], rules
				bad++
			}
		}
	}
}
FNR == NR {
	# doc/rules.md: headings and first table cells define ids; numbered
	# lines under "### 2.N" define that section'"'"'s steps.
	if ($0 ~ /^#+ /) {
		h = $0; sub(/^#+ +/, "", h)
		split(h, w)
		if (isid(trim(w[1])))
			def[trim(w[1])] = 1
		cur = ""
		if (h ~ /^2\.[1-9]( |$)/) {
			cur = substr(h, 1, 3); sect[cur] = 1
		}
		next
	}
	if ($0 ~ /^\|/) {
		n = split($0, c, "|")
		if (n > 2 && isid(trim(c[2])))
			def[trim(c[2])] = 1
		next
	}
	if (cur != "" && $0 ~ /^[0-9]+\. /) {
		s = $0; sub(/\..*/, "", s)
		def[cur ":" s] = 1
	}
	next
}
{
	# FILE:LINE:TEXT (file names here have no colon)
	i = index($0, ":"); f = substr($0, 1, i - 1); r = substr($0, i + 1)
	j = index(r, ":"); ln = substr(r, 1, j - 1); text = substr(r, j + 1)
	where = f ":" ln
	scan(text, "R[0-9][0-9]?[a-c]?", where)
	scan(text, "N[0-9][0-9]?", where)
	scan(text, "s[0-9][0-9][a-z]", where)
	steps(text, where)
}
END {
	printf "rule-ids.sh: %d id uses checked, %d undefined\n", uses, bad \
	    > "/dev/stderr"
	exit bad ? 1 : 0
}
' "$rules" "$tmp/id-lines" || status=1

if [ -s "$tmp/path-lines" ]; then
	sed 's/^\([^:]*:[0-9]*\):.*/\1: names a path outside the repository/' \
		"$tmp/path-lines"
	n=$(wc -l <"$tmp/path-lines")
	echo "rule-ids.sh: $((n)) lines name a path outside the repository" >&2
	status=1
fi

exit $status
