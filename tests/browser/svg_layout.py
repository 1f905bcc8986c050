"""svg_layout.py TCPSIM TRACE... - the SVG ladder of each trace, by event and
on a time axis, laid out in headless Chromium (cdp.py): every text element's
box inside the canvas, no two text boxes intersecting, no text box crossed
by an arrow, every arrow ending on the row of its arrival time (the time
label of that row, data-t, at the arrow's end, data-y), every arrow
starting on the row of its sending time. Prints one line a check and a
closing count; exit status 1 when one failed."""
import os
import subprocess
import sys
import tempfile

from cdp import Browser

CHECK = r"""
(() => {
  const svg = document.documentElement;
  const W = svg.width.baseVal.value, H = svg.height.baseVal.value;
  const out = [];
  const texts = [...document.querySelectorAll('text')].map(t => {
    const b = t.getBBox();
    return {x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height,
            s: t.textContent};
  }).filter(b => b.s.trim() !== '');
  for (const b of texts)
    if (b.x0 < 0 || b.y0 < 0 || b.x1 > W || b.y1 > H)
      out.push('outside the canvas (' + W + 'x' + H + '): "' + b.s + '" ' +
               [b.x0, b.y0, b.x1, b.y1].map(v => v.toFixed(1)).join(','));
  const e = 0.5; /* boxes that only touch do not intersect */
  for (let i = 0; i < texts.length; i++)
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i], b = texts[j];
      if (a.x0 + e < b.x1 && b.x0 + e < a.x1 && a.y0 + e < b.y1 &&
          b.y0 + e < a.y1)
        out.push('labels intersect: "' + a.s + '" and "' + b.s + '"');
    }
  const segs = [...document.querySelectorAll('line.seg')];
  const hits = (l, b) => {
    const x1 = +l.getAttribute('x1'), y1 = +l.getAttribute('y1');
    const dx = +l.getAttribute('x2') - x1, dy = +l.getAttribute('y2') - y1;
    const p = [-dx, dx, -dy, dy];
    const q = [x1 - (b.x0 + e), (b.x1 - e) - x1, y1 - (b.y0 + e),
               (b.y1 - e) - y1];
    let t0 = 0, t1 = 1;
    for (let i = 0; i < 4; i++) {
      if (p[i] === 0) { if (q[i] < 0) return false; continue; }
      const r = q[i] / p[i];
      if (p[i] < 0) { if (r > t1) return false; if (r > t0) t0 = r; }
      else { if (r < t0) return false; if (r < t1) t1 = r; }
    }
    return true;
  };
  for (const l of segs)
    for (const b of texts)
      if (hits(l, b))
        out.push('arrow #' + l.dataset.segno + ' crosses "' + b.s + '"');
  const rows = [...document.querySelectorAll('text.time')].map(t =>
    ({t: t.dataset.t, y: +t.dataset.y}));
  const onRow = (t, y) => rows.some(r => r.t === t && Math.abs(r.y - y) < 0.1);
  let arrived = 0;
  for (const l of segs) {
    if (!onRow(l.dataset.sent, +l.getAttribute('y1')))
      out.push('arrow #' + l.dataset.segno + ' does not start on a row of ' +
               l.dataset.sent);
    if (l.dataset.arrive === undefined) continue;
    arrived++;
    if (!onRow(l.dataset.arrive, +l.getAttribute('y2')))
      out.push('arrow #' + l.dataset.segno + ' does not end on a row of ' +
               l.dataset.arrive);
  }
  return {problems: out, texts: texts.length, arrows: segs.length, arrived};
})()
"""


def main():
    tcpsim, traces = sys.argv[1], sys.argv[2:]
    tmp = tempfile.mkdtemp(prefix="tcpsim-svg-")
    b = Browser()
    passed = failed = 0
    texts = arrows = 0
    try:
        for t in traces:
            for axis in ([], ["--svg-time"]):
                svg = os.path.join(tmp, "l.svg")
                subprocess.run([tcpsim, "--svg", svg] + axis + [t],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                b.open("file://" + svg)
                r = b.eval(CHECK)
                name = "%s%s" % (t, " (time axis)" if axis else "")
                texts += r["texts"]
                arrows += r["arrived"]
                if r["problems"] or r["texts"] < 5:
                    failed += 1
                    print("FAIL: SVG layout of %s: %d problems" %
                          (name, len(r["problems"])))
                    for p in r["problems"][:10]:
                        print("    " + p)
                else:
                    passed += 1
                    print("PASS: SVG layout of %s (%d labels, %d arrows)" %
                          (name, r["texts"], r["arrows"]))
    finally:
        b.close()
    print("SVG layouts: %d labels, %d arrows that arrive, checked" %
          (texts, arrows))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
