#!/bin/sh
# Writes doc/behaviour.md on standard output: for every trace under
# traces/, which side sends each RST (and why) and which call fails with
# which errno, read from the report tcpsim gives for it. Run by "make
# update-docs" (and "make regen-golden"), never by "make" itself;
# tests/check-behaviour.sh fails when the committed copy is out of date.
set -u
LC_ALL=C
export LC_ALL
: "${TCPSIM:?set TCPSIM to the tcpsim binary}"
: "${TOP_SRCDIR:?set TOP_SRCDIR to the source tree}"
cd "$TOP_SRCDIR" || exit 99
cat <<'HEAD'
# Behaviour: who sends RST, which call fails with which errno

Generated from the traces under `traces/` by `make update-docs`
(`tests/gen-behaviour.sh`); do not edit. For each scenario: its first
comment line, every RST with the host that sent it, the reason and the rule,
and every call that failed, with its errno (`+SIGPIPE` when it raised
SIGPIPE). The full story of each is in its expected report, beside it.
HEAD
topic=
for t in $(find traces -name '*.trace' | sort); do
	dir=${t#traces/}
	dir=${dir%%/*}
	if [ "$dir" != "$topic" ]; then
		topic=$dir
		printf '\n## %s\n' "$topic"
	fi
	name=${t#traces/}
	name=${name%.trace}
	title=$(sed -n '/^#/{s/^#[ ]*//;s/^[A-Za-z0-9_.-]*\.trace:[ ]*//;p;q;}' "$t")
	printf '\n### %s\n\n%s\n\n' "$name" "$title"
	"$TCPSIM" "$t" 2>/dev/null | awk '
		/^#/ { next }
		$3 == "reset" {
			host = $2
			$1 = ""; $2 = ""; $3 = ""
			sub(/^ +/, "")
			# "SOCK sends RST (ID): WORDS [RULE]"
			i = index($0, " sends RST")
			sock = substr($0, 1, i - 1)
			rest = substr($0, i + 10)
			id = ""
			if (substr(rest, 1, 2) == " (") {
				j = index(rest, ")")
				id = " `" substr(rest, 3, j - 3) "`"
				rest = substr(rest, j + 1)
			}
			sub(/^: /, "", rest)
			print "- RST from " host " (" sock ")" id ": " rest
			n++
			next
		}
		($3 == "call" || $3 == "return") && / = -1 [A-Z]+ / {
			host = $2
			$1 = ""; $2 = ""; $3 = ""
			sub(/^ +/, "")
			sub(/  \(blocked since.*/, "")
			print "- " host ": `" $0 "`"
			n++
		}
		END { if (!n) print "- no RST, no failed call" }'
done
