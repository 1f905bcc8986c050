#!/bin/sh
# The views in a real browser: Debian's headless Chromium driven through
# its DevTools protocol (tests/browser/cdp.py, with python3-websocket).
# The SVG ladder of every trace under traces/, by event and on a time axis
# (tests/browser/svg_layout.py): every text inside the canvas, no two texts
# intersecting, no text crossed by an arrow, arrows starting and ending on
# the rows of their sending and arrival times. Then the interactive page of
# --html (tests/browser/html_page.py). Skipped (77) only without Chromium.
set -u
LC_ALL=C
export LC_ALL
: "${TCPSIM:?set TCPSIM to the tcpsim binary}"
: "${TOP_SRCDIR:?set TOP_SRCDIR to the source tree}"
command -v chromium >/dev/null 2>&1 || { echo "SKIP: no chromium"; exit 77; }
# Debian's python3, where python3-websocket installs (a python3 earlier in
# PATH may be another one)
py=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import websocket' 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || { echo "FAIL: no python3 with the websocket module (python3-websocket)"; exit 1; }
cd "$TOP_SRCDIR" || exit 99
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
status=0
"$py" tests/browser/svg_layout.py "$TCPSIM" $(find traces -name '*.trace' | sort) || status=1
"$py" tests/browser/html_page.py "$TCPSIM" || status=1
exit $status
