#!/usr/bin/env python3
"""Mutation testing of tcpsim's model (doc/testing.md).

Each mutant is one small change to one source file: a relational operator
moved across its boundary (< and <=, > and >=) or turned around (== and
!=), && and || exchanged, the condition of an if or while negated, a call
or assignment statement deleted, an integer constant changed (0 and 1
exchanged, N made N+1), or a return at the top of a function or block.
Comments, preprocessor lines, declarations outside functions, the
constants of case labels and of array sizes, and assert() are left alone.

Every mutant is applied, one at a time, to a copy of the source tree built
in a directory of its own (--work, by default mutation-build/ of the build
directory), so the tree under test is never touched; the copy is built
incrementally, then the fast part of the suite runs (the unit tests of the
model, every trace against its expected report, the packetdrill scripts)
and stops at its first failure. Code outside the model runs its own tests
instead (FILE_SUITES: explain, pcap2trace and the capture reader theirs,
the explorer, the packetdrill runner and the kernel runner theirs). A mutant is killed when a test fails,
survives when all pass, is stillborn when it does not build, and timed
out when the build or the tests pass the time limit twice, the second
time with three times the time (an endless loop is noticed, so it counts
as killed in the score).

The sample is chosen by a seed: the mutants are ordered by a hash of the
seed and of each mutant's identity, and the first MUTANTS are taken, so a
sample does not depend on the machine or the Python version.

tests/mutation/equivalent.txt lists the mutants no test can kill, each
with its reason; they are not run. Exit status: 0 when no mutant outside
that list survived, 1 when one did, 2 on a usage error or when the
unmutated copy fails its own suite.
"""

import argparse
import hashlib
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time

DEFAULT_FILES = [
    "src/tcp/tcp_cong.c",
    "src/tcp/tcp_conn.c",
    "src/tcp/tcp_fastopen.c",
    "src/tcp/tcp_in.c",
    "src/tcp/tcp_out.c",
    "src/tcp/tcp_timer.c",
    "src/tcp/tcp_tw.c",
    "src/sock/sock.c",
    "src/net/net.c",
]

# The fast part of the suite, the likeliest to fail first coming first:
# ("unit", program) runs a check program; ("sh", script) a test script.
SUITE = [
    ("unit", "tests/unit/test_tcp"),
    ("sh", "tests/run-traces.sh"),
    ("unit", "tests/unit/test_errno"),
    ("unit", "tests/unit/test_net"),
    ("unit", "tests/unit/test_cong"),
    ("unit", "tests/unit/test_fastopen"),
    ("unit", "tests/unit/test_check"),
    ("unit", "tests/unit/test_events"),
    ("unit", "tests/unit/test_report"),
    ("unit", "tests/unit/test_api"),
    ("sh", "tests/run-packetdrill.sh"),
    ("unit", "tests/unit/test_step"),
    ("unit", "tests/unit/test_oom"),
]

# Code outside the model runs its own tests, not the model's: the first
# prefix that a file starts with chooses them.
EXPLAIN_SUITE = [
    ("unit", "tests/unit/test_explain"),
    ("sh", "tests/check-captures.sh"),
    ("sh", "tests/check-tutorial.sh"),
    ("sh", "tests/check-pcap2trace.sh"),
    ("sh", "tests/check-explain-traces.sh"),
]
FILE_SUITES = [
    ("src/explain/", EXPLAIN_SUITE),
    ("src/capture/", EXPLAIN_SUITE),
    ("src/explore/", [("sh", "tests/run-explore.sh")]),
    ("src/pkt/", [("unit", "tests/unit/test_pkt"),
                  ("sh", "tests/run-packetdrill.sh")]),
    ("src/kernel/", [("unit", "tests/unit/test_kernel")]),
]


def suite_for(path):
    for prefix, suite in FILE_SUITES:
        if path.startswith(prefix):
            return suite
    return SUITE


def in_library(path):
    """Whether PATH is built into src/libtcpsim-core.la (the model and
    its views), not only into the command."""
    return not any(path.startswith(p) for p, _ in FILE_SUITES
                   if p != "src/pkt/")


ARROW = "\u2192"

# ---------------------------------------------------------------------------
# Lexing: just enough C to find operators, constants and statements.


class Tok:
    __slots__ = ("kind", "text", "start", "end", "line")

    def __init__(self, kind, text, start, end, line):
        self.kind = kind  # id, num, op, str
        self.text = text
        self.start = start
        self.end = end
        self.line = line

    def __repr__(self):
        return "%s:%r@%d" % (self.kind, self.text, self.line)


OPS = [
    "<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=",
    "&&", "||", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
]
ID_RE = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
NUM_RE = re.compile(r"(0[xX][0-9A-Fa-f]+|[0-9]+)([uUlL]*)(?![.\w])")
FLOAT_RE = re.compile(r"[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?[fFlL]?")


def lex(src):
    """Tokens of SRC without comments and preprocessor lines."""
    toks = []
    i = 0
    n = len(src)
    line = 1
    at_line_start = True
    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
            at_line_start = True
            continue
        if c in " \t\r\f\v":
            i += 1
            continue
        if c == "#" and at_line_start:
            # A preprocessor line, with its continuations.
            while i < n and src[i] != "\n":
                if src[i] == "\\" and i + 1 < n and src[i + 1] == "\n":
                    line += 1
                    i += 2
                    continue
                if src.startswith("/*", i):
                    j = src.find("*/", i + 2)
                    j = n if j < 0 else j + 2
                    line += src.count("\n", i, j)
                    i = j
                    continue
                i += 1
            continue
        at_line_start = False
        if src.startswith("//", i):
            while i < n and src[i] != "\n":
                i += 1
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += src.count("\n", i, j)
            i = j
            continue
        if c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            j += 1
            toks.append(Tok("str", src[i:j], i, j, line))
            line += src.count("\n", i, j)
            i = j
            continue
        m = ID_RE.match(src, i)
        if m:
            toks.append(Tok("id", m.group(0), i, m.end(), line))
            i = m.end()
            continue
        if c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit()):
            m = NUM_RE.match(src, i)
            if m:
                toks.append(Tok("num", m.group(0), i, m.end(), line))
                i = m.end()
                continue
            m = FLOAT_RE.match(src, i)
            j = m.end() if m and m.end() > i else i + 1
            toks.append(Tok("float", src[i:j], i, j, line))
            i = j
            continue
        for op in OPS:
            if src.startswith(op, i):
                toks.append(Tok("op", op, i, i + len(op), line))
                i += len(op)
                break
        else:
            toks.append(Tok("op", c, i, i + 1, line))
            i += 1
    return toks


# ---------------------------------------------------------------------------
# Finding the mutants.

KEYWORDS_STMT = {
    "if", "for", "while", "do", "switch", "return", "break", "continue",
    "goto", "case", "default", "else",
}
TYPE_WORDS = {
    "void", "char", "short", "int", "long", "unsigned", "signed", "float",
    "double", "bool", "_Bool", "const", "static", "struct", "enum", "union",
    "volatile", "register", "extern", "inline", "_Static_assert",
}
REL_SWAP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=",
            "!=": "=="}
ASSIGN_OPS = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=",
              ">>=", "++", "--"}


class Mutant:
    __slots__ = ("file", "func", "line", "op", "start", "end", "repl",
                 "orig_text", "mut_text", "key", "index")

    def __init__(self, file, func, line, op, start, end, repl):
        self.file = file
        self.func = func
        self.line = line
        self.op = op
        self.start = start
        self.end = end
        self.repl = repl
        self.orig_text = ""
        self.mut_text = ""
        self.key = ""
        self.index = 0

    def apply(self, src):
        return src[: self.start] + self.repl + src[self.end:]


def match_paren(toks, i):
    """Index of the token closing the bracket at toks[i]."""
    pair = {"(": ")", "[": "]", "{": "}"}[toks[i].text]
    opener = toks[i].text
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j].text
        if toks[j].kind != "op":
            continue
        if t == opener:
            depth += 1
        elif t == pair:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def is_declaration(stmt, typedefs):
    """Whether the statement's tokens STMT start a declaration."""
    if not stmt:
        return False
    a = stmt[0]
    if a.kind != "id":
        return False
    if a.text in TYPE_WORDS or a.text in typedefs:
        return True
    if a.text.endswith("_t") and len(stmt) > 1 and stmt[1].kind == "id":
        return True
    if len(stmt) > 1 and stmt[1].kind == "id":
        return True  # "type name"
    if (len(stmt) > 2 and stmt[1].text == "*" and stmt[2].kind == "id"
            and (len(stmt) == 3 or stmt[3].text in ("=", ";", ",", "["))):
        return True  # "type *name": a product on its own would do nothing
    return False


def function_return(toks, name_idx):
    """'void', 'value' or None (a struct by value) for the function whose
    name is toks[name_idx]."""
    j = name_idx - 1
    words = []
    while j >= 0 and toks[j].text not in (";", "}", ")") and \
            toks[j].kind in ("id", "op") and toks[j].text not in ("{",):
        words.append(toks[j].text)
        j -= 1
    if "*" in words:
        return "value"
    if "void" in words:
        return "void"
    if "struct" in words or "union" in words:
        return None
    return "value"


def find_mutants(path, rel, src):
    toks = lex(src)
    typedefs = set(re.findall(r"\b(ts_[A-Za-z0-9_]+|tcpsim_[A-Za-z0-9_]+)\b",
                              src))
    typedefs = {t for t in typedefs if re.search(
        r"\b" + re.escape(t) + r"\s*\*?\s*[A-Za-z_][A-Za-z_0-9]*\s*[=;,\[)]",
        src)}
    mutants = []
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        # A function body: "{" at file level right after ")".
        if t.text == "{" and t.kind == "op" and i > 0 and \
                toks[i - 1].text == ")":
            close = match_paren(toks, i)
            # The function's name: the identifier before the "(" matching
            # the ")" just before the body.
            depth = 0
            k = i - 1
            while k >= 0:
                if toks[k].text == ")":
                    depth += 1
                elif toks[k].text == "(":
                    depth -= 1
                    if depth == 0:
                        break
                k -= 1
            name_idx = k - 1
            fname = toks[name_idx].text if name_idx >= 0 else "?"
            ret = function_return(toks, name_idx)
            mutants.extend(body_mutants(rel, src, toks, i, close, fname, ret,
                                        typedefs))
            i = close + 1
            continue
        if t.text in ("{", "(", "[") and t.kind == "op":
            i = match_paren(toks, i) + 1
            continue
        i += 1
    return mutants


def body_mutants(rel, src, toks, open_i, close_i, fname, ret, typedefs):
    out = []

    def add(op, a, b, repl, line):
        out.append(Mutant(rel, fname, line, op, a, b, repl))

    # Regions to leave alone: assert(...), case labels, array sizes in
    # declarations, local static declarations (tables) whole, and
    # whole declarations' statement-level mutants.
    skip = set()
    j = open_i + 1
    while j < close_i:
        t = toks[j]
        if t.kind == "id" and t.text == "static" and \
                toks[j - 1].text in (";", "{", "}"):
            k = j
            while k < close_i and toks[k].text != ";":
                if toks[k].text in ("(", "[", "{") and toks[k].kind == "op":
                    k = match_paren(toks, k)
                k += 1
            skip.update(range(j, k + 1))
            j = k + 1
            continue
        if t.kind == "id" and t.text in ("assert", "_Static_assert",
                                         "sizeof") and \
                toks[j + 1].text == "(":
            e = match_paren(toks, j + 1)
            if t.text != "sizeof":
                skip.update(range(j, e + 1))
            else:
                skip.update(range(j, e + 1))
            j = e + 1
            continue
        if t.kind == "id" and t.text == "case":
            k = j
            while k < close_i and toks[k].text != ":":
                skip.add(k)
                k += 1
            j = k + 1
            continue
        j += 1

    # Statements: start positions inside the body.
    starts = []
    stack = []  # kinds of open brackets
    j = open_i + 1
    expect_start = True
    header_close = {}  # index of ")" closing an if/while/for header
    while j < close_i:
        t = toks[j]
        if expect_start and t.text not in ("}",) and not (
                t.kind == "op" and t.text in (")",)):
            starts.append(j)
            expect_start = False
        if t.kind == "id" and t.text in ("if", "while", "for", "switch") \
                and toks[j + 1].text == "(":
            e = match_paren(toks, j + 1)
            header_close[e] = t.text
            if t.text in ("if", "while"):
                cond_a = toks[j + 1].end
                cond_b = toks[e].start
                if not (set(range(j + 1, e + 1)) & skip):
                    add("negate", cond_a, cond_b,
                        "!(" + src[cond_a:cond_b] + ")", t.line)
            if t.text == "for":
                # Mutants of the header's expressions only, not statements.
                mutate_exprs(out, rel, fname, src, toks, j + 2, e, skip)
                j = e + 1
                expect_start = True
                continue
            mutate_exprs(out, rel, fname, src, toks, j + 2, e, skip)
            j = e + 1
            expect_start = True
            continue
        if t.kind == "id" and t.text in ("else", "do"):
            j += 1
            expect_start = True
            continue
        if t.kind == "id" and t.text in ("case", "default"):
            while j < close_i and toks[j].text != ":":
                j += 1
            j += 1
            expect_start = True
            continue
        if t.text in ("{", "}", ";") and t.kind == "op":
            expect_start = True
            j += 1
            continue
        if t.text == "(" and t.kind == "op":
            # Parenthesised expressions do not start statements.
            e = match_paren(toks, j)
            mutate_exprs(out, rel, fname, src, toks, j + 1, e, skip)
            j = e + 1
            continue
        if t.text == "[" and t.kind == "op":
            e = match_paren(toks, j)
            j = e + 1
            continue
        if t.kind == "id" and j + 1 < close_i and toks[j + 1].text == ":" \
                and j in starts:
            j += 2  # a label
            expect_start = True
            continue
        mutate_token(out, rel, fname, toks, j, skip)
        j += 1

    # Statement deletion and early returns.
    for s in starts:
        t = toks[s]
        if t.text in ("{", ";") or (t.kind == "id" and t.text in
                                    KEYWORDS_STMT):
            continue
        # The statement's tokens, up to its ";" at this level.
        e = s
        while e < close_i and toks[e].text != ";":
            if toks[e].text in ("(", "[", "{") and toks[e].kind == "op":
                e = match_paren(toks, e)
            e += 1
        stmt = toks[s:e + 1]
        if s in skip or is_declaration(stmt, typedefs):
            continue
        has_effect = any(x.text in ASSIGN_OPS for x in stmt) or any(
            stmt[k].kind == "id" and stmt[k + 1].text == "("
            for k in range(len(stmt) - 1))
        if has_effect:
            add("delete", toks[s].start, toks[e].end, ";", t.line)
    # A return at the top of the function and of each block within it.
    if ret is not None:
        rv = "return;" if ret == "void" else "return 0;"
        block_opens = [open_i] + [k for k in range(open_i + 1, close_i)
                                  if toks[k].text == "{" and
                                  toks[k].kind == "op" and
                                  toks[k - 1].text in (")", "else", "do")]
        for k in block_opens:
            if toks[k + 1].text == "}":
                continue
            first = toks[k + 1]
            # (before a switch's first label nothing ever runs)
            if first.kind == "id" and first.text in ("return", "case",
                                                      "default"):
                continue
            add("return", first.start, first.start, rv + " ", first.line)
    return out


def mutate_exprs(out, rel, fname, src, toks, a, b, skip):
    for k in range(a, b):
        mutate_token(out, rel, fname, toks, k, skip)


def mutate_token(out, rel, fname, toks, k, skip):
    if k in skip:
        return
    t = toks[k]
    if t.kind == "op" and t.text in REL_SWAP:
        out.append(Mutant(rel, fname, t.line, "relational", t.start, t.end,
                          REL_SWAP[t.text]))
    elif t.kind == "op" and t.text in ("&&", "||"):
        out.append(Mutant(rel, fname, t.line, "logical", t.start, t.end,
                          "||" if t.text == "&&" else "&&"))
    elif t.kind == "num":
        m = NUM_RE.match(t.text)
        digits, suffix = m.group(1), m.group(2)
        value = int(digits, 0)
        # An array size in a declaration: "name[N]" after a type.
        if k > 0 and toks[k - 1].text == "[" and k + 1 < len(toks) and \
                toks[k + 1].text == "]" and k >= 3 and \
                toks[k - 3].kind == "id" and toks[k - 2].kind == "id":
            return
        new = {0: 1, 1: 0}.get(value, value + 1)
        text = (hex(new) if digits[:2].lower() == "0x" else str(new)) + suffix
        out.append(Mutant(rel, fname, t.line, "constant", t.start, t.end,
                          text))


def describe(m, src):
    """The changed line before and after, stripped."""
    ls = src.rfind("\n", 0, m.start) + 1
    le = src.find("\n", m.start)
    le = len(src) if le < 0 else le
    if m.op == "delete":
        se = src.find("\n", m.end)
        se = len(src) if se < 0 else se
        orig = src[ls:se] if m.end > le else src[ls:le]
        orig = " ".join(orig.split())
        mut = " ".join((src[ls:m.start] + m.repl + src[m.end:se]).split())
        return orig, mut
    orig = " ".join(src[ls:le].split())
    mut_src = m.apply(src)
    mle = mut_src.find("\n", m.start)
    mle = len(mut_src) if mle < 0 else mle
    mut = " ".join(mut_src[ls:mle].split())
    return orig, mut


def collect(srcdir, files):
    mutants = []
    for rel in files:
        path = os.path.join(srcdir, rel)
        with open(path, encoding="utf-8") as f:
            src = f.read()
        found = find_mutants(path, rel, src)
        found.sort(key=lambda m: (m.start, m.end, m.op, m.repl))
        seen = {}
        for m in found:
            m.orig_text, m.mut_text = describe(m, src)
            base = "%s:%s: %s %s %s" % (rel, m.func, m.orig_text, ARROW,
                                        m.mut_text)
            # The same change twice on one line of one function: numbered.
            seen[base] = seen.get(base, 0) + 1
            m.index = seen[base]
            m.key = base if m.index == 1 else "%s #%d" % (base, m.index)
            mutants.append(m)
    return mutants


# ---------------------------------------------------------------------------
# Equivalent mutants.


def read_equivalent(path):
    """{key: reason} from PATH: each entry is a line "FILE:FUNCTION:
    ORIGINAL -> MUTANT" (the arrow as the runner prints it), followed by
    its reason on indented lines; "#" starts a comment line."""
    eq = {}
    errors = []
    if not os.path.exists(path):
        return eq, errors
    key = None
    with open(path, encoding="utf-8") as f:
        for no, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line[0] in " \t":
                if key is None:
                    errors.append("%s:%d: a reason with no mutant" %
                                  (path, no))
                    continue
                eq[key] = (eq[key] + " " + line.strip()).strip()
                continue
            if key is not None and not eq[key]:
                errors.append("%s: %s: no reason given" % (path, key))
            key = line.strip()
            if key in eq:
                errors.append("%s:%d: listed twice" % (path, no))
            eq[key] = ""
    if key is not None and not eq[key]:
        errors.append("%s: %s: no reason given" % (path, key))
    return eq, errors


# ---------------------------------------------------------------------------
# The copy, its build and the suite.


def log(msg):
    print(msg, flush=True)


# A mutant may allocate without end: each test process gets at most this
# much address space, so that it fails instead of taking the machine's
# memory.
MEMORY_LIMIT = 1 << 30


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run(cmd, cwd, timeout, env=None, limit=False, keep=True):
    """(status, output); status None when TIMEOUT seconds passed. The whole
    process group is ended on a timeout. LIMIT: the memory limit; KEEP:
    the output is kept (else thrown away)."""
    out = subprocess.PIPE if keep else subprocess.DEVNULL
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out,
                         stderr=subprocess.STDOUT, start_new_session=True,
                         preexec_fn=limit_memory if limit else None)
    try:
        text, _ = p.communicate(timeout=timeout)
        return p.returncode, (text or b"").decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
        return None, ""


def tracked_files(srcdir):
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=srcdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if out.returncode != 0:
        sys.exit("mutation: %s is not a git checkout: the copy is made of "
                 "its tracked files" % srcdir)
    return [f for f in out.stdout.decode().split("\0") if f]


def sync(srcdir, dest):
    """Copy the tracked files of SRCDIR into DEST, writing only those that
    differ, so that the copy's build stays incremental. Returns whether
    the build files changed."""
    changed_build = False
    for rel in tracked_files(srcdir):
        a = os.path.join(srcdir, rel)
        b = os.path.join(dest, rel)
        if not os.path.isfile(a):
            continue
        with open(a, "rb") as f:
            data = f.read()
        try:
            with open(b, "rb") as f:
                same = f.read() == data
        except OSError:
            same = False
        if not same:
            os.makedirs(os.path.dirname(b) or ".", exist_ok=True)
            with open(b, "wb") as f:
                f.write(data)
            shutil.copymode(a, b)
            if rel in ("configure.ac", "Makefile.am") or rel.startswith("m4/"):
                changed_build = True
    return changed_build


def suite_targets(suites=(SUITE,)):
    return ["tcpsim"] + sorted({p for suite in suites
                                for k, p in suite if k == "unit"})


def suite_env(tree):
    env = dict(os.environ)
    env.update({
        "TCPSIM": os.path.join(tree, "tcpsim"),
        "TOP_SRCDIR": tree,
        "TCPSIM_BENCH": os.path.join(tree, "bench", "tcpsim-bench"),
        "FAILFAST": "1",
        "LC_ALL": "C",
        "CK_VERBOSITY": "silent",
        # One process a program: check's forked tests would each be a
        # process group of their own, out of reach of the time limit.
        "CK_FORK": "no",
    })
    return env


def prepare(srcdir, work, jobs):
    tree = os.path.join(work, "tree")
    os.makedirs(tree, exist_ok=True)
    build_changed = sync(srcdir, tree)
    if build_changed or not os.path.exists(os.path.join(tree, "configure")):
        log("mutation: autoreconf and configure in %s" % tree)
        for cmd in (["autoreconf", "-fi"],
                    ["./configure", "--disable-shared", "CFLAGS=-O1 -g0"]):
            st, out = run(cmd, tree, 1800)
            if st != 0:
                sys.stderr.write(out)
                sys.exit("mutation: %s failed in %s" % (cmd[0], tree))
    return tree


def build(tree, jobs, timeout, targets=None):
    return run(["make", "-s", "-j%d" % jobs] +
               (targets if targets is not None else suite_targets()), tree,
               timeout)


def run_suite(tree, timeout, jobs=1, suite=SUITE):
    """'pass', 'fail' (with the failing step), 'timeout' or 'stillborn'.
    Each program is linked just before it runs, so that a mutant the
    first test kills costs one link, not all of them; linking is outside
    the time limit."""
    env = suite_env(tree)
    spent = 0.0
    for kind, path in suite:
        st, _ = build(tree, jobs, 600,
                      [path] if kind == "unit" else ["tcpsim"])
        if st != 0:
            return "stillborn", path
        left = timeout - spent
        if left <= 0:
            return "timeout", path
        cmd = [os.path.join(tree, path)] if kind == "unit" else \
            ["sh", os.path.join(tree, path)]
        a = time.monotonic()
        st, _ = run(cmd, tree, left, env, limit=True, keep=False)
        spent += time.monotonic() - a
        if st is None:
            return "timeout", path
        if st != 0:
            return "fail", path
    return "pass", None


def write_file(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# ---------------------------------------------------------------------------


def main():
    # Stopped from outside: the copy's mutated file is put back first.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--srcdir", default=".")
    ap.add_argument("--work", default="mutation-build")
    ap.add_argument("--files", default="",
                    help="space- or comma-separated paths below srcdir")
    ap.add_argument("--mutants", type=int, default=0,
                    help="how many, chosen by the seed (0: every one)")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--timeout", type=float, default=0,
                    help="seconds for a mutant's tests (0: 5 times the "
                    "unmutated run, at least 20)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--equivalent", default="")
    ap.add_argument("--match", default="",
                    help="only the mutants whose key this regular "
                    "expression finds")
    ap.add_argument("--list", action="store_true",
                    help="print the chosen mutants and stop")
    ap.add_argument("--count", action="store_true",
                    help="print the number of mutants per file and stop")
    ap.add_argument("--include-equivalent", action="store_true",
                    help="run the listed equivalent mutants too")
    ap.add_argument("--log", default="", help="one line per mutant here")
    args = ap.parse_args()

    srcdir = os.path.abspath(args.srcdir)
    files = [f for f in re.split(r"[\s,]+", args.files) if f] or \
        DEFAULT_FILES
    for f in files:
        if not os.path.isfile(os.path.join(srcdir, f)):
            sys.stderr.write("mutation: %s: no such file\n" % f)
            return 2
    eq_path = args.equivalent or os.path.join(srcdir, "tests", "mutation",
                                              "equivalent.txt")
    equivalent, errors = read_equivalent(eq_path)
    if errors:
        for e in errors:
            sys.stderr.write("mutation: %s\n" % e)
        return 2

    every = collect(srcdir, files)
    if args.count:
        per = {}
        for m in every:
            per.setdefault(m.file, []).append(m)
        for f in files:
            ms = per.get(f, [])
            ops = {}
            for m in ms:
                ops[m.op] = ops.get(m.op, 0) + 1
            log("%-26s %5d  %s" % (f, len(ms), " ".join(
                "%s=%d" % kv for kv in sorted(ops.items()))))
        log("%-26s %5d" % ("total", len(every)))
        return 0
    keys = {m.key for m in every}
    stale = sorted(k for k in equivalent if k not in keys and
                   k.split(":", 1)[0] in files)
    for k in stale:
        log("mutation: %s: listed as equivalent, no longer made "
            "(remove it from %s)" % (k, os.path.relpath(eq_path, srcdir)))

    def rank(m):
        h = hashlib.sha256(("%s\0%s" % (args.seed, m.key)).encode())
        return h.hexdigest()

    # The sample is drawn from every mutant, listed ones too, and those
    # are then left out: listing a mutant does not bring another one
    # into a seed's sample.
    match = re.compile(args.match)
    pool = [m for m in every if match.search(m.key)]
    chosen = sorted(pool, key=rank)
    if args.mutants > 0:
        chosen = chosen[: args.mutants]
    skipped = 0
    if not args.include_equivalent:
        skipped = sum(1 for m in chosen if m.key in equivalent)
        chosen = [m for m in chosen if m.key not in equivalent]
    order = {f: i for i, f in enumerate(files)}
    chosen.sort(key=lambda m: (order[m.file], m.start, m.end, m.op))
    log("mutation: %d mutants in %s; running %d (seed %s), %d left out as "
        "equivalent" % (len(every), " ".join(files), len(chosen), args.seed,
                        skipped))
    if args.list:
        for m in chosen:
            log("%s:%d: [%s] %s %s %s" % (m.file, m.line, m.op, m.orig_text,
                                          ARROW, m.mut_text))
            log("    key: " + m.key)
        return 0

    work = os.path.abspath(args.work)
    tree = prepare(srcdir, work, args.jobs)
    t0 = time.monotonic()
    suites = []
    for f in files:
        if suite_for(f) not in suites:
            suites.append(suite_for(f))
    st, out = build(tree, args.jobs, 3600, suite_targets(suites))
    if st != 0:
        sys.stderr.write(out)
        sys.stderr.write("mutation: the unmutated copy does not build\n")
        return 2
    t1 = time.monotonic()
    longest = 0.0
    for suite in suites:
        a = time.monotonic()
        verdict, step = run_suite(tree, 600, suite=suite)
        longest = max(longest, time.monotonic() - a)
        if verdict != "pass":
            sys.stderr.write("mutation: the unmutated copy fails %s (%s)\n"
                             % (step, verdict))
            return 2
    t2 = time.monotonic()
    timeout = args.timeout or max(20.0, 4 * longest)
    log("mutation: unmutated copy built in %.1f s, suite passed in %.1f s; "
        "time limit %.0f s a mutant" % (t1 - t0, t2 - t1, timeout))

    originals = {}
    for f in files:
        with open(os.path.join(srcdir, f), encoding="utf-8") as fh:
            originals[f] = fh.read()
    logf = open(args.log, "w", encoding="utf-8") if args.log else None
    results = {}
    survivors = []
    dirty = None
    start = time.monotonic()
    try:
        for n, m in enumerate(chosen, 1):
            if dirty is not None and dirty != m.file:
                write_file(os.path.join(tree, dirty), originals[dirty])
            write_file(os.path.join(tree, m.file), m.apply(originals[m.file]))
            dirty = m.file
            a = time.monotonic()
            # The mutated file alone first: a mutant that does not
            # compile is stillborn.
            st, _ = build(tree, args.jobs, 600,
                          ["src/libtcpsim-core.la"
                           if in_library(m.file) else "tcpsim"])
            if st != 0:
                res, step = "stillborn", None
            else:
                suite = suite_for(m.file)
                verdict, step = run_suite(tree, timeout, args.jobs, suite)
                if verdict == "timeout":
                    # A loaded machine, or an endless loop: once more with
                    # three times the time before calling it a timeout.
                    verdict, step = run_suite(tree, 3 * timeout, args.jobs,
                                              suite)
                res = {"pass": "survived", "fail": "killed",
                       "timeout": "timeout",
                       "stillborn": "stillborn"}[verdict]
            secs = time.monotonic() - a
            results.setdefault(m.file, []).append(res)
            line = "%s:%d: %s %s %s" % (m.file, m.line, m.orig_text, ARROW,
                                        m.mut_text)
            tag = {"killed": "killed by " + str(step),
                   "survived": "SURVIVED", "stillborn": "stillborn",
                   "timeout": "timed out in " + str(step)}[res]
            log("[%d/%d] %s  (%s, %.1f s)" % (n, len(chosen), line, tag,
                                               secs))
            if logf:
                logf.write("%s\t%s\t%s\t%.1f\t%s\n" % (res, step or "-",
                                                       m.op, secs, m.key))
                logf.flush()
            if res == "survived":
                survivors.append((m, line))
    finally:
        if dirty is not None:
            write_file(os.path.join(tree, dirty), originals[dirty])
        if logf:
            logf.close()
    elapsed = time.monotonic() - start

    log("")
    log("%-26s %7s %7s %8s %9s %9s %7s" % ("file", "mutants", "killed",
                                            "timeout", "survived",
                                            "stillborn", "score"))
    tot = {"killed": 0, "timeout": 0, "survived": 0, "stillborn": 0}
    for f in files:
        rs = results.get(f, [])
        c = {k: rs.count(k) for k in tot}
        for k in tot:
            tot[k] += c[k]
        log("%-26s %7d %7d %8d %9d %9d %7s" % (
            f, len(rs), c["killed"], c["timeout"], c["survived"],
            c["stillborn"], score(c)))
    log("%-26s %7d %7d %8d %9d %9d %7s" % (
        "total", sum(tot.values()), tot["killed"], tot["timeout"],
        tot["survived"], tot["stillborn"], score(tot)))
    log("(score: killed and timed out over all that built; %.0f s for %d "
        "mutants, %.1f s each)" % (elapsed, len(chosen),
                                   elapsed / max(1, len(chosen))))
    if survivors:
        log("")
        log("Survivors (a test should fail; or list the mutant in %s with "
            "the reason no test can):" % os.path.relpath(eq_path, srcdir))
        for m, line in survivors:
            log("  " + line)
            log("    key: " + m.key)
        return 1
    return 0


def score(c):
    built = c["killed"] + c["timeout"] + c["survived"]
    if built == 0:
        return "-"
    return "%.1f%%" % (100.0 * (c["killed"] + c["timeout"]) / built)


if __name__ == "__main__":
    sys.exit(main())
