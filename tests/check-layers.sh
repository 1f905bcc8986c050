#!/bin/sh
# check-layers.sh [SRCDIR] - the seam between the model and its views
# (doc/architecture.md): the renderers (src/render) and the command
# (src/cli) see the model only through the typed events of <tcpsim.h>, so
# none of their files includes a header of the model (src/engine, src/tcp,
# src/net, src/sock, src/event) or of the library's glue (src/api); nor
# does the kernel runner (src/kernel), which runs the model through
# <tcpsim.h> alone; and no file of the model includes a renderer's, the
# command's or the kernel runner's header. Prints
# FILE:LINE: the include, and exits 1, for each that does.
set -eu
top=${1:-${TOP_SRCDIR:-.}}
cd "$top"
bad=0
# check DIRS PATTERN WHAT: no #include "X/..." with X in PATTERN
check() {
	dirs=$1 pat=$2 what=$3
	for f in $(find $dirs -name '*.[ch]' | sort); do
		grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]+\"($pat)/" "$f" |
			while IFS= read -r hit; do
				echo "$f:${hit%%:*}: includes a header of $what: ${hit#*:}"
			done
	done
}
out=$(check "src/render src/cli src/kernel" "engine|tcp|net|sock|event|api" "the model")
out2=$(check "src/engine src/tcp src/net src/sock src/event" "render|cli|kernel" "a view")
for o in "$out" "$out2"; do
	if [ -n "$o" ]; then
		echo "$o"
		bad=1
	fi
done
n=$(find src/render src/cli src/kernel src/engine src/tcp src/net src/sock src/event -name '*.[ch]' | wc -l)
echo "check-layers.sh: $n files checked" >&2
exit $bad
