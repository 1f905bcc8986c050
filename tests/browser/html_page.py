"""html_page.py TCPSIM [SCREENSHOT.png] - the page of --html in headless
Chromium (cdp.py), loaded from file://: it asks for nothing over the
network; the keyboard steps forward and back and the highlight follows;
play advances by itself; a click on a segment shows both ends' sequence
variables and running timers as the events carry them; a click on an RST
or a failed call shows its chain of causes. With SCREENSHOT, a picture of
the page at a step (for the documentation). Exit status 1 when a check
failed."""
import json
import os
import subprocess
import sys
import tempfile
import time

from cdp import Browser

passed = failed = 0


def check(what, ok, got=None):
    global passed, failed
    if ok:
        passed += 1
        print("PASS: " + what)
    else:
        failed += 1
        print("FAIL: " + what + ("" if got is None else ": got %r" % (got,)))


def click_on(b, selector):
    """Click the middle of the first element SELECTOR names; its text."""
    r = b.eval("""(() => {
      const e = document.querySelector(%s);
      if (!e) return null;
      e.scrollIntoView({block: 'center', inline: 'center'});
      const r = e.getBoundingClientRect();
      return {x: r.x + r.width / 2, y: r.y + r.height / 2,
              text: e.textContent};
    })()""" % json.dumps(selector))
    if r:
        b.click(r["x"], r["y"])
    return r


def main():
    tcpsim = sys.argv[1]
    shot = sys.argv[2] if len(sys.argv) > 2 else None
    tmp = tempfile.mkdtemp(prefix="tcpsim-html-")
    page = os.path.join(tmp, "broken-pipe.html")
    trace = "traces/close/broken-pipe.trace"
    r = subprocess.run([tcpsim, "--html", page, trace],
                       stdout=subprocess.DEVNULL)
    check("--html writes the page (exit %d)" % r.returncode,
          r.returncode == 0 and os.path.getsize(page) > 1000)
    with open(page, encoding="utf-8") as f:
        html = f.read()
    check("one file: no script, style or picture fetched from elsewhere",
          "src=" not in html and "href=" not in html and
          "@import" not in html and "url(http" not in html)
    b = Browser(1500, 900)
    requests = []
    try:
        b.call("Network.enable")
        b.open("file://" + page)
        requests = [e for e in b.events
                    if e.get("method") == "Network.requestWillBeSent"]
        urls = [e["params"]["request"]["url"] for e in requests]
        check("the page loads from file:// alone",
              all(u.startswith("file://") or u.startswith("data:")
                  for u in urls), urls)
        n = b.eval("RUN.steps.length")
        check("the events are the page's steps (%s)" % n, n and n > 30)
        pos = lambda: b.eval("document.getElementById('pos').textContent")
        text = lambda: b.eval(
            "document.getElementById('step').textContent")
        detail = lambda: b.eval(
            "document.getElementById('detail').textContent")
        check("it opens on the first step", pos() == "1 / %d" % n, pos())
        for _ in range(3):
            b.key("ArrowRight")
        check("ArrowRight three times: step 4", pos() == "4 / %d" % n,
              pos())
        want = b.eval("RUN.steps[3].text")
        check("the step's words are shown", want in text(), text())
        b.key("ArrowLeft")
        check("ArrowLeft: step 3", pos() == "3 / %d" % n, pos())
        hl = b.eval("""(() => {
          const s = RUN.steps[2];
          const y = document.querySelector('#rowy').textContent.trim()
                      .split(/\\s+/)[s.row];
          return [+document.getElementById('hl').getAttribute('y'), +y];
        })()""")
        check("the highlight is on the step's row", hl[0] == hl[1] - 20, hl)
        b.key("End")
        check("End: the last step", pos() == "%d / %d" % (n, n), pos())
        b.key("Home")
        b.key(" ")
        time.sleep(2.4)
        b.key(" ")
        at = int(pos().split(" ")[0])
        check("play steps by itself, and pauses", 3 <= at <= 5, pos())
        time.sleep(1)
        check("paused, it stays", int(pos().split(" ")[0]) == at, pos())

        # A click on segment #1, the SYN: the client's variables as it
        # sent it; the server has no connection for it yet (its listener
        # answers).
        click_on(b, "line.hit[data-segno='1']")
        d = detail()
        check("click on #1: the client as it sent the SYN",
              "segment #1" in d and "client SYN_SENT" in d and
              "SND.UNA" in d and "10001001" in d.replace(" ", ""), d)
        check("click on #1: the server had no connection yet",
              "server: no connection" in d, d)
        # #2, the SYN-ACK: the client as it arrived, its SYN's
        # retransmission timer (1 s) still running.
        click_on(b, "line.hit[data-segno='2']")
        d = detail()
        check("click on #2: the client as the SYN-ACK arrived, its SYN's "
              "retransmission timer running",
              "client SYN_SENT as it arrived, at 0.020000" in d and
              "retransmission timer: fires at 1.000000" in d, d)
        check("click on #2: the server, in SYN_RECEIVED as it sent it",
              "server SYN_RECEIVED as it sent it, at 0.010000" in d, d)
        # #6, the client's data: its variables after sending, and the
        # server's, an orphan in FIN_WAIT_2, as it arrived.
        click_on(b, "line.hit[data-segno='6']")
        d = detail()
        check("click on #6: SND.NXT past the 100 bytes, RCV.NXT past the "
              "FIN", "client CLOSE_WAIT" in d and "1101" in d and
              "2002" in d, d)
        check("click on #6: the server's orphan in FIN_WAIT_2 as it "
              "arrived, with its FIN_WAIT_2 timer",
              "server FIN_WAIT_2" in d and
              "TIME_WAIT or FIN_WAIT_2 timer: fires at" in d, d)
        if shot:
            b.screenshot(shot)
        # The RST's reason: why it was sent.
        r = click_on(b, "text.red[data-row]")
        d = detail()
        check("click on the RST: its chain of causes",
              r is not None and "RST: new data arrived" in r["text"] and
              "why" in d and "in reply to #6" in d, d)
        # The failed call: why it failed.
        rows = b.eval("""[...document.querySelectorAll('text.red[data-row]')]
                         .map(t => t.textContent)""")
        idx = next((i for i, t in enumerate(rows) if "EPIPE" in t), -1)
        if idx >= 0:
            click_on(b, "text.red[data-row]:nth-of-type(1)")
            b.eval("""(() => {
              const t = [...document.querySelectorAll('text.red[data-row]')]
                          [%d];
              t.dispatchEvent(new MouseEvent('click', {bubbles: true}));
            })()""" % idx)
        d = detail()
        check("click on the failed write(): its chain of causes",
              idx >= 0 and "pending error set when segment #7" in d, d)
        check("no error in the page's script",
              not any(e.get("method") == "Runtime.exceptionThrown"
                      for e in b.events))
    finally:
        b.close()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
