/*
 * ladder.c - ladder diagrams from a run's events (see ladder.h). Rows are
 * collected during the run and drawn at the end, when every host is known.
 */
#include "cli/ladder.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/sb.h"
#include "render/text.h"
#include "trace/trace.h"

#define MAXH  64
#define TIMEW 11 /* "  0.000000 " */

/* ROW_RECV: a segment's arrival, which has no text (the SVG ends its
 * arrow there; the terminal draws arrows at their sending). */
typedef enum row_kind { ROW_ARROW, ROW_NOTE, ROW_FULL, ROW_RECV } row_kind;

/* What happened to a host's lifeline or process at a row (SVG). */
typedef enum row_mark {
	MARK_NONE,
	MARK_CRASH,  /* the host went down: its line breaks */
	MARK_REBOOT, /* it came back */
	MARK_KILL    /* its process was terminated */
} row_mark;

typedef struct row {
	row_kind kind;
	int64_t t;
	int host;     /* ROW_NOTE, ROW_RECV */
	int from, to; /* ROW_ARROW */
	int lost, red;
	uint32_t segno;
	int recv_row; /* ROW_ARROW: the row of its arrival, -1 */
	row_mark mark;
	char *text;
} row;

struct ts_ladder {
	char *title;
	int ascii, color;
	int width; /* the terminal's columns */
	char *hosts[MAXH];
	int nhosts;
	row *rows;
	size_t n, cap;
};

ts_ladder *ts_ladder_new(const char *title, int ascii, int color)
{
	ts_ladder *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->width = 80;
	l->title = strdup(title ? title : "");
	l->ascii = ascii;
	l->color = color;
	return l;
}

void ts_ladder_free(ts_ladder *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->rows[i].text);
	for (int i = 0; i < l->nhosts; i++)
		free(l->hosts[i]);
	free(l->rows);
	free(l->title);
	free(l);
}

static int host_index(ts_ladder *l, const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < l->nhosts; i++)
		if (!strcmp(l->hosts[i], name))
			return i;
	if (l->nhosts == MAXH)
		return MAXH - 1;
	l->hosts[l->nhosts] = strdup(name);
	return l->nhosts++;
}

int ts_ladder_rows(const ts_ladder *l)
{
	return (int)l->n;
}

void ts_ladder_width(ts_ladder *l, int columns)
{
	l->width = columns;
}

void ts_ladder_host(ts_ladder *l, const char *name)
{
	(void)host_index(l, name);
}

static row *add_row(ts_ladder *l, row_kind k, int64_t t, const char *text)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 256;
		row *r = realloc(l->rows, nc * sizeof *r);
		if (!r)
			return NULL;
		l->rows = r;
		l->cap = nc;
	}
	row *r = &l->rows[l->n++];
	memset(r, 0, sizeof *r);
	r->kind = k;
	r->t = t;
	r->host = r->from = r->to = -1;
	r->recv_row = -1;
	r->text = strdup(text ? text : "");
	return r;
}

/* tcpdump-style flags: S F R P . */
static void seg_label(const tcpsim_event *ev, char *buf, size_t n)
{
	const tcpsim_segment *s = &ev->u.seg.seg;
	char f[8];
	size_t k = 0;
	if (s->flags & TCPSIM_SYN)
		f[k++] = 'S';
	if (s->flags & TCPSIM_FIN)
		f[k++] = 'F';
	if (s->flags & TCPSIM_RST)
		f[k++] = 'R';
	if (s->flags & TCPSIM_PSH)
		f[k++] = 'P';
	if (s->flags & TCPSIM_ACK)
		f[k++] = '.';
	f[k] = 0;
	size_t len =
	    (size_t)snprintf(buf, n, "#%u [%s] %u", ev->u.seg.segno, f, s->seq);
	if (s->len && len < n)
		len += (size_t)snprintf(buf + len, n - len, ":%u(%u)",
					s->seq + s->len, s->len);
	if ((s->flags & TCPSIM_ACK) && len < n)
		len += (size_t)snprintf(buf + len, n - len, " ack %u", s->ack);
	if (ev->u.seg.duplicated && ev->kind != TCPSIM_EV_RECV && len < n)
		len += (size_t)snprintf(buf + len, n - len, " x2");
	if (ev->u.seg.delay_us && len < n)
		len += (size_t)snprintf(buf + len, n - len, " +%" PRId64 "ms",
					ev->u.seg.delay_us / 1000);
	if (ev->kind == TCPSIM_EV_INJECT && len < n)
		snprintf(buf + len, n - len, " forged");
	else if (ev->kind == TCPSIM_EV_REPLAY && len < n)
		snprintf(buf + len, n - len, " =#%u", ev->u.seg.replay_of);
}

/* The arrow of segment SEGNO ends at the row added next. */
static void arrived(ts_ladder *l, uint32_t segno)
{
	for (size_t i = l->n; i-- > 0;)
		if (l->rows[i].kind == ROW_ARROW && l->rows[i].segno == segno &&
		    l->rows[i].recv_row < 0) {
			l->rows[i].recv_row = (int)l->n;
			return;
		}
}

/* EV's words (the report's DETAIL column), or part of them, into B. */
typedef enum { WORDS_DETAIL, WORDS_RESULT } words_what;
static void words(const tcpsim_event *ev, words_what what, char *b, size_t n)
{
	char local[512];
	ts_sb sb;
	ts_sb_init(&sb, local, sizeof local);
	if (what == WORDS_RESULT) {
		/* "call = result", without "(blocked since ...)" */
		ts_call_fmt(&sb, ev->u.call.call);
		ts_sb_putn(&sb, " = ", 3);
		ts_text_result(&sb, &ev->u.call);
	} else {
		ts_text_detail(&sb, ev);
	}
	ts_sb_copy_out(&sb, b, n);
	ts_sb_free(&sb);
}

void ts_ladder_event(ts_ladder *l, const tcpsim_event *ev)
{
	char b[512], c[256];
	ts_sb sb;
	int h = host_index(l, ev->host_name);
	row *r = NULL;
	switch (ev->kind) {
	case TCPSIM_EV_SEND:
	case TCPSIM_EV_INJECT:
	case TCPSIM_EV_REPLAY:
		seg_label(ev, b, sizeof b);
		r = add_row(l, ROW_ARROW, ev->time_us, b);
		if (!r)
			return;
		r->from = host_index(l, ev->u.seg.from_name);
		r->to = host_index(l, ev->u.seg.to_name);
		r->lost = ev->u.seg.dropped;
		r->red = !!(ev->u.seg.seg.flags & TCPSIM_RST);
		r->segno = ev->u.seg.segno;
		return;
	case TCPSIM_EV_WHY:
	case TCPSIM_EV_FINAL:
	case TCPSIM_EV_DONE:
		return; /* too long for a margin: see the report */
	case TCPSIM_EV_RECV:
		/* The arrow of this segment ends here (SVG). */
		arrived(l, ev->u.seg.segno);
		r = add_row(l, ROW_RECV, ev->time_us, "");
		if (r)
			r->host = h;
		return;
	case TCPSIM_EV_LOST:
		/* it reached a host that is down: its arrow ends there */
		arrived(l, ev->u.seg.segno);
		snprintf(b, sizeof b, "#%u lost: host down", ev->u.seg.segno);
		break;
	case TCPSIM_EV_STATE:
		ts_sb_init(&sb, c, sizeof c);
		ts_sb_sock(&sb, &ev->u.state.sock);
		ts_sb_copy_out(&sb, c, sizeof c);
		ts_sb_free(&sb);
		snprintf(b, sizeof b, "%s %s %s %s", c,
			 tcpsim_state_name((int)ev->u.state.old_state),
			 l->ascii ? "->" : "\xe2\x86\x92",
			 tcpsim_state_name((int)ev->u.state.new_state));
		break;
	case TCPSIM_EV_CALL:
	case TCPSIM_EV_RETURN:
		if (ev->u.call.errno_name) {
			tcpsim_call_text(ev->u.call.call, c, sizeof c);
			snprintf(b, sizeof b, "%s = -1 %s%s", c,
				 ev->u.call.errno_name,
				 ev->u.call.sigpipe ? " +SIGPIPE" : "");
		} else { /* the report's form: POLLIN|POLLOUT, 10.0.0.2:80 */
			words(ev, WORDS_RESULT, b, sizeof b);
		}
		break;
	case TCPSIM_EV_BLOCK:
		tcpsim_call_text(ev->u.call.call, c, sizeof c);
		snprintf(b, sizeof b, "%s ...", c);
		break;
	case TCPSIM_EV_RESET:
		snprintf(
		    b, sizeof b, "RST: %s",
		    tcpsim_reason_text(TCPSIM_EV_RESET, ev->u.reset.reason));
		break;
	case TCPSIM_EV_EXPECT:
	case TCPSIM_EV_FAIL:
	case TCPSIM_EV_END: {
		char d[480];
		words(ev, WORDS_DETAIL, d, sizeof d);
		snprintf(b, sizeof b, "%s %s", tcpsim_event_kind_name(ev->kind),
			 d);
		r = add_row(l, ROW_FULL, ev->time_us, b);
		if (r)
			r->red =
			    ev->kind == TCPSIM_EV_FAIL ||
			    (ev->kind == TCPSIM_EV_EXPECT && !ev->u.expect.ok);
		return;
	}
	case TCPSIM_EV_DROP:
	case TCPSIM_EV_TIMER:
	case TCPSIM_EV_REXMIT:
	case TCPSIM_EV_SIGNAL:
	case TCPSIM_EV_PROC:
	case TCPSIM_EV_HOST:
	case TCPSIM_EV_SKIP:
		words(ev, WORDS_DETAIL, b, sizeof b);
		break;
	}
	if (h < 0) {
		r = add_row(l, ROW_FULL, ev->time_us, b);
		return;
	}
	r = add_row(l, ROW_NOTE, ev->time_us, b);
	if (!r)
		return;
	r->host = h;
	if (ev->kind == TCPSIM_EV_HOST)
		r->mark = ev->u.host == TCPSIM_HOST_CRASHES ? MARK_CRASH
							    : MARK_REBOOT;
	else if ((ev->kind == TCPSIM_EV_PROC &&
		  ev->u.proc.reason == TCPSIM_PROC_KILLED) ||
		 (ev->kind == TCPSIM_EV_SIGNAL &&
		  ev->u.signal == TCPSIM_SIGPIPE_TERMINATES))
		r->mark = MARK_KILL;
	r->red =
	    ((ev->kind == TCPSIM_EV_CALL || ev->kind == TCPSIM_EV_RETURN) &&
	     ev->u.call.errno_name != NULL) ||
	    ev->kind == TCPSIM_EV_RESET;
}

/* ---- terminal ---- */

typedef struct cell {
	const char *g; /* glyph (UTF-8), NULL: the character c */
	char c;
	char red;
} cell;

/* Where things go across a terminal line of WIDTH columns: the time, the
 * first host's notes left of its line, a gap between two hosts' lines
 * (the notes of the left one, the arrows between them), the last host's
 * notes right of its line, in the proportions 26:35:27 of a 100-column
 * line, each with room for an errno name at least. */
typedef struct layout {
	int w;               /* the line's width */
	int margin, gap, rm; /* as MARGIN, GAP, RMARGIN */
} layout;

#define MIN_SIDE 18
#define MIN_GAP  22

static layout lay_out(const ts_ladder *l)
{
	int nh = l->nhosts ? l->nhosts : 1;
	int need = 2 * MIN_SIDE + (nh - 1) * MIN_GAP;
	int extra = l->width - TIMEW - 1 - need;
	int parts = 26 + 35 * (nh - 1) + 27;
	layout y;
	if (extra < 0)
		extra = 0; /* too many hosts for the width: wider */
	y.margin = MIN_SIDE + extra * 26 / parts;
	y.gap = nh > 1 ? MIN_GAP + extra * 35 / parts : 0;
	y.rm = MIN_SIDE + extra - (y.margin - MIN_SIDE) -
	       (nh - 1) * (nh > 1 ? y.gap - MIN_GAP : 0);
	y.w = TIMEW + y.margin + (nh - 1) * y.gap + 1 + y.rm;
	return y;
}

static int col_of(const layout *y, int h)
{
	return TIMEW + y->margin + h * y->gap;
}

static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* The next piece of *S that fits in ROOM columns, into OUT (NUL-ended):
 * broken at the last space that fits, or within a word longer than ROOM;
 * *S moves past it (and past the space it was broken at). Nothing is ever
 * left out: a long note takes more lines. */
static void next_piece(const char **s, int room, char *out, size_t cap)
{
	const char *p = *s, *brk = NULL, *after = NULL;
	int col = 0;
	if (room < 1)
		room = 1;
	while (*p && col < room) {
		const char *q = p + 1;
		while (((unsigned char)*q & 0xc0) == 0x80)
			q++;
		if (*p == ' ' && col > 0) {
			brk = p;
			after = q;
		}
		p = q;
		col++;
	}
	if (*p == ' ' || !*p) { /* the rest fits, or ends at a space */
		brk = p;
		after = *p ? p + 1 : p;
	} else if (!brk) { /* one word longer than ROOM */
		brk = after = p;
	}
	size_t n = (size_t)(brk - *s);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, *s, n);
	out[n] = 0;
	*s = after;
}

/* Text into cells from AT; it fits (next_piece). The only multi-byte
 * characters the notes use are the arrows. */
static void put_text(cell *c, int w, int at, const char *s, int red)
{
	for (int col = 0; *s && at + col < w; col++) {
		if (at + col < 0) {
			s++;
			continue;
		}
		cell *x = &c[at + col];
		x->red = (char)red;
		if ((unsigned char)*s >= 0x80) {
			x->g = !strncmp(s, "\xe2\x86\x92", 3)   ? "\xe2\x86\x92"
			       : !strncmp(s, "\xe2\x86\xba", 3) ? "\xe2\x86\xba"
								: NULL;
			x->c = '?';
			s++;
			while (((unsigned char)*s & 0xc0) == 0x80)
				s++;
			continue;
		}
		x->g = NULL;
		x->c = *s++;
	}
}

static void emit(const ts_ladder *l, const cell *c, int w, FILE *f)
{
	int last = w;
	while (last > 0 && !c[last - 1].g && c[last - 1].c == ' ')
		last--;
	int red = 0;
	for (int i = 0; i < last; i++) {
		if (l->color && c[i].red != red) {
			fputs(c[i].red ? "\033[31m" : "\033[0m", f);
			red = c[i].red;
		}
		if (c[i].g)
			fputs(c[i].g, f);
		else
			fputc(c[i].c, f);
	}
	if (red)
		fputs("\033[0m", f);
	fputc('\n', f);
}

/* Blank cells with the hosts' lines. */
static void blank(const ts_ladder *l, const layout *y, cell *c)
{
	for (int i = 0; i < y->w; i++)
		c[i] = (cell){NULL, ' ', 0};
	for (int h = 0; h < l->nhosts; h++)
		c[col_of(y, h)].g = l->ascii ? "|" : "\xe2\x94\x82";
}

/* One row's text: where it goes on each line of the row. */
typedef struct place {
	int at, room; /* the first column and the columns it may take */
	int align;    /* 0 left, 1 right (ending at AT + ROOM), 2 centred */
} place;

static void put_piece(cell *c, const layout *y, const place *pl,
		      const char *piece, int red)
{
	int tw = (int)text_width(piece), at = pl->at;
	if (pl->align == 1)
		at = pl->at + pl->room - tw;
	else if (pl->align == 2)
		at = pl->at + (pl->room - tw) / 2;
	put_text(c, y->w, at, piece, red);
}

void ts_ladder_print(ts_ladder *l, FILE *f)
{
	layout y = lay_out(l);
	cell *c = calloc((size_t)y.w, sizeof *c);
	if (!c)
		return;
	const char *hline = l->ascii ? "-" : "\xe2\x94\x80";
	const char *right = l->ascii ? ">" : "\xe2\x96\xb6";
	const char *left = l->ascii ? "<" : "\xe2\x97\x80";
	const char *cross = l->ascii ? "X" : "\xe2\x9c\x95";
	char piece[600];
	fprintf(f, "%s\n", l->title);
	/* Host names, centred on their lines. */
	for (int i = 0; i < y.w; i++)
		c[i] = (cell){NULL, ' ', 0};
	for (int h = 0; h < l->nhosts; h++) {
		int n = (int)strlen(l->hosts[h]);
		put_text(c, y.w, col_of(&y, h) - n / 2, l->hosts[h], 0);
	}
	put_text(c, y.w, 0, "       TIME", 0);
	emit(l, c, y.w, f);
	for (size_t r = 0; r < l->n; r++) {
		const row *rw = &l->rows[r];
		if (rw->kind == ROW_RECV)
			continue;
		blank(l, &y, c);
		char tb[32];
		snprintf(tb, sizeof tb, "%4" PRId64 ".%06" PRId64,
			 rw->t / 1000000, rw->t % 1000000);
		put_text(c, y.w, TIMEW - 1 - (int)strlen(tb), tb, 0);
		place pl = {TIMEW, y.w - TIMEW, 0};
		const char *text = rw->text;
		char lb[600];
		switch (rw->kind) {
		case ROW_ARROW: {
			if (rw->from < 0 || rw->to < 0) {
				text = "";
				break;
			}
			int a = col_of(&y, rw->from), b = col_of(&y, rw->to);
			if (a == b) {
				/* A host sending to itself (loopback): a label
				 * beside its line. */
				snprintf(lb, sizeof lb, "%s %s",
					 l->ascii ? "<>" : "\xe2\x86\xba",
					 rw->text);
				text = lb;
				pl.at = a + 2;
				pl.room = rw->to == l->nhosts - 1 ? y.rm - 2
								  : y.gap - 3;
				break;
			}
			int dir = b > a ? 1 : -1;
			int end = rw->lost ? a + (b - a) / 2 : b - dir;
			for (int x = a + dir; x != end + dir; x += dir) {
				c[x].g = hline;
				c[x].red = (char)rw->red;
			}
			c[end].g = rw->lost ? cross : (dir > 0 ? right : left);
			pl.at = (a < end ? a : end) + 2;
			pl.room = (a < end ? end - a : a - end) - 3;
			pl.align = 2;
			break;
		}
		case ROW_NOTE: {
			int x = col_of(&y, rw->host);
			if (rw->host == 0 && l->nhosts > 1) {
				pl.at = TIMEW;
				pl.room = x - 1 - TIMEW;
				pl.align = 1;
			} else {
				pl.at = x + 2;
				pl.room = rw->host == l->nhosts - 1
					      ? y.w - x - 2
					      : y.gap - 3;
			}
			break;
		}
		case ROW_FULL:
		case ROW_RECV:
			break;
		}
		/* the first line of the row, then as many more as the text
		 * needs, under it, with the hosts' lines only */
		int first = 1;
		while (first || *text) {
			if (!first)
				blank(l, &y, c);
			next_piece(&text, pl.room, piece, sizeof piece);
			put_piece(c, &y, &pl, piece, rw->red);
			emit(l, c, y.w, f);
			first = 0;
		}
	}
	free(c);
}

/* ---- SVG ---- */

/* Sizes in pixels: text of FONT px in a monospace face whose characters
 * are at most CHARW wide (DejaVu Sans Mono, Debian's monospace: 0.602
 * em), lines LINEH apart. */
#define FONT       14
#define CHARW      8.7
#define LINEH      18
#define PAD        10
#define NOTE_COLS  40 /* a note wraps past this many characters */
#define LABEL_COLS 34 /* an arrow's label */
#define LANE_COLS  64 /* the right-hand column: checks, displaced notes */
/* idle time: by event, a gap of at least BIG_GAP_US gets a band saying
 * how long; on a time axis PX_PER_MS, a longer stretch than MAX_GAP_PX
 * drawn COMPRESSED_PX high */
#define BIG_GAP_US    1000000
#define PX_PER_MS     2
#define MAX_GAP_PX    240
#define COMPRESSED_PX 44

/* A text broken into lines of at most COLS characters. */
typedef struct wrapped {
	char **line;
	int n, cols; /* lines, the widest in characters */
} wrapped;

static void wrap_text(const char *s, int cols, wrapped *w)
{
	char piece[600];
	w->n = w->cols = 0;
	w->line = NULL;
	do {
		next_piece(&s, cols, piece, sizeof piece);
		char **nl = realloc(w->line, (size_t)(w->n + 1) * sizeof *nl);
		if (!nl)
			return;
		w->line = nl;
		w->line[w->n] = strdup(piece);
		if (!w->line[w->n])
			return;
		int c = (int)text_width(piece);
		if (c > w->cols)
			w->cols = c;
		w->n++;
	} while (*s);
}

static void wrap_free(wrapped *w)
{
	for (int i = 0; i < w->n; i++)
		free(w->line[i]);
	free(w->line);
	w->line = NULL;
	w->n = 0;
}

static double text_px(int cols)
{
	return cols * CHARW;
}

/* A label's box, for the placing. */
typedef struct box {
	double x0, y0, x1, y1;
} box;

/* An arrow from (x1, y1) to (x2, y2). */
typedef struct seg {
	double x1, y1, x2, y2;
} seg;

/* Does segment A cross the box B (Liang-Barsky clipping)? */
static int seg_hits(const seg *a, const box *b)
{
	double t0 = 0, t1 = 1, dx = a->x2 - a->x1, dy = a->y2 - a->y1;
	double p[4] = {-dx, dx, -dy, dy};
	double q[4] = {a->x1 - b->x0, b->x1 - a->x1, a->y1 - b->y0,
		       b->y1 - a->y1};
	for (int i = 0; i < 4; i++) {
		if (p[i] == 0) {
			if (q[i] < 0)
				return 0;
		} else {
			double r = q[i] / p[i];
			if (p[i] < 0) {
				if (r > t1)
					return 0;
				if (r > t0)
					t0 = r;
			} else {
				if (r < t0)
					return 0;
				if (r < t1)
					t1 = r;
			}
		}
	}
	return 1;
}

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* A <text> of W's lines, the first line's top at Y, starting (ANCHOR
 * "start"), ending ("end") or centred ("middle") at X. */
static void svg_lines(FILE *f, const wrapped *w, double x, double y,
		      const char *anchor, const char *cls, const char *extra)
{
	fprintf(f,
		"<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" "
		"text-anchor=\"%s\"%s>",
		cls, x, y + LINEH - 5, anchor, extra ? extra : "");
	for (int i = 0; i < w->n; i++) {
		if (w->n > 1)
			fprintf(f, "<tspan x=\"%.1f\" dy=\"%d\">", x,
				i ? LINEH : 0);
		xml_text(f, w->line[i]);
		if (w->n > 1)
			fputs("</tspan>", f);
	}
	fputs("</text>\n", f);
}

/* Per row, where it is drawn. */
typedef struct slot {
	int show;      /* the row has a band of its own */
	int at;        /* the row whose band it shares (arrivals) */
	double top;    /* its band: TOP to TOP + H */
	double h;      /* its height */
	double anchor; /* the y of its time, its arrows' ends */
	double gap;    /* > 0: a band of idle time above it, this high */
	wrapped w;     /* its label's lines */
	wrapped lw;    /* the same in the right-hand column, with its host */
	int lane;      /* its label goes to the right-hand column */
	double lx;     /* its label's x (text-anchor start) */
} slot;

int ts_ladder_svg(ts_ladder *l, FILE *f, int time_axis)
{
	int nh = l->nhosts ? l->nhosts : 1;
	size_t n = l->n;
	slot *sl = calloc(n ? n : 1, sizeof *sl);
	seg *arrows = calloc(n ? n : 1, sizeof *arrows);
	int *arrow_row = calloc(n ? n : 1, sizeof *arrow_row);
	if (!sl || !arrows || !arrow_row) {
		free(sl);
		free(arrows);
		free(arrow_row);
		return -1;
	}
	/* The labels, wrapped; the widest of each place. */
	int left_cols = 0, right_cols = 0, gap_cols = 0, lane_cols = 0;
	for (size_t r = 0; r < n; r++) {
		const row *rw = &l->rows[r];
		slot *s = &sl[r];
		s->at = (int)r;
		s->show = 1;
		if (rw->kind == ROW_RECV) {
			/* an arrival shares the band of the next row when that
			 * row is at the same time */
			size_t j = r + 1;
			while (j < n && l->rows[j].kind == ROW_RECV &&
			       l->rows[j].t == rw->t)
				j++;
			if (j < n && l->rows[j].t == rw->t) {
				s->at = (int)j;
				s->show = 0;
			}
			continue;
		}
		if (rw->kind == ROW_ARROW && rw->from >= 0 &&
		    rw->from == rw->to) {
			/* a host sending to itself: a note beside its line */
			char lb[600];
			snprintf(lb, sizeof lb, "\xe2\x86\xba %s", rw->text);
			wrap_text(lb, NOTE_COLS, &s->w);
		} else if (rw->kind == ROW_FULL) {
			wrap_text(rw->text, LANE_COLS, &s->w);
			s->lane = 1;
		} else {
			wrap_text(rw->text,
				  rw->kind == ROW_ARROW ? LABEL_COLS
							: NOTE_COLS,
				  &s->w);
		}
		if (!s->lane && (rw->kind == ROW_ARROW ||
				 (rw->host > 0 && rw->host < nh - 1))) {
			/* where it goes if arrows leave it no room */
			int who = rw->kind == ROW_ARROW ? rw->from : rw->host;
			char lb[700];
			snprintf(lb, sizeof lb, "%s: %s",
				 who >= 0 ? l->hosts[who] : "-", rw->text);
			wrap_text(lb, LANE_COLS, &s->lw);
		}
		int c = s->w.cols;
		if (s->lane)
			lane_cols = c > lane_cols ? c : lane_cols;
		else if (rw->kind == ROW_ARROW && rw->from != rw->to)
			gap_cols = c > gap_cols ? c : gap_cols;
		else if ((rw->host == 0 || rw->from == 0) && nh > 1)
			left_cols = c > left_cols ? c : left_cols;
		else if (rw->host == nh - 1 || rw->from == nh - 1)
			right_cols = c > right_cols ? c : right_cols;
		else /* a middle host's note: in the gap to its right */
			gap_cols = c + 2 > gap_cols ? c + 2 : gap_cols;
	}
	for (int h = 0; h < l->nhosts; h++) {
		int c = (int)text_width(l->hosts[h]) + 2;
		gap_cols = c > gap_cols ? c : gap_cols;
		if (h == 0)
			left_cols = c / 2 > left_cols ? c / 2 : left_cols;
		if (h == nh - 1)
			right_cols = c / 2 > right_cols ? c / 2 : right_cols;
	}
	/* Across: the times, the first host's notes, the gaps between the
	 * hosts' lines, the last host's notes, the right-hand column. */
	double time_w = text_px(10) + PAD;
	double left_w = text_px(left_cols < 12 ? 12 : left_cols) + 2 * PAD;
	double gap_w = text_px(gap_cols < 16 ? 16 : gap_cols) + 4 * PAD;
	double right_w = text_px(right_cols < 12 ? 12 : right_cols) + 2 * PAD;
	double x0 = PAD + time_w + left_w;
#define HOST_X(h) (x0 + (h)*gap_w)
	double lane_x = HOST_X(nh - 1) + right_w + 2 * PAD;
	/* Down: each row's band, below the last; idle time between them. */
	double y = 92;
	int64_t prev_t = 0;
	int have_prev = 0;
	for (size_t r = 0; r < n; r++) {
		slot *s = &sl[r];
		const row *rw = &l->rows[r];
		if (!s->show)
			continue;
		int lines = s->w.n > s->lw.n ? s->w.n : s->lw.n;
		if (lines < 1)
			lines = 1;
		s->h = lines * LINEH + 6 + (rw->lost ? 14 : 0);
		if (have_prev) {
			int64_t dt = rw->t - prev_t;
			double px =
			    time_axis ? (double)dt / 1000 * PX_PER_MS : 0;
			if (time_axis && px > MAX_GAP_PX)
				s->gap = COMPRESSED_PX; /* and marked so */
			else if (!time_axis && dt >= BIG_GAP_US)
				s->gap = COMPRESSED_PX;
			else
				y += px;
			y += s->gap;
		}
		s->top = y;
		s->anchor = y + lines * LINEH + 1;
		y += s->h;
		prev_t = rw->t;
		have_prev = 1;
	}
	for (size_t r = 0; r < n; r++)
		if (!sl[r].show) {
			sl[r].top = sl[sl[r].at].top;
			sl[r].anchor = sl[sl[r].at].anchor;
		}
	double rows_end = y + PAD;
	/* The arrows. */
	size_t na = 0;
	for (size_t r = 0; r < n; r++) {
		const row *rw = &l->rows[r];
		if (rw->kind != ROW_ARROW || rw->from < 0 || rw->to < 0 ||
		    rw->from == rw->to)
			continue;
		seg *a = &arrows[na];
		a->x1 = HOST_X(rw->from);
		a->y1 = sl[r].anchor;
		a->x2 = HOST_X(rw->to);
		if (rw->lost) {
			a->x2 = (a->x1 + a->x2) / 2;
			a->y2 = a->y1 + 12;
		} else if (rw->recv_row >= 0) {
			a->y2 = sl[rw->recv_row].anchor;
		} else { /* still in flight at the end */
			a->y2 = rows_end;
		}
		arrow_row[na++] = (int)r;
	}
	/* The labels in the diagram: beside their line, or across the gap
	 * where no arrow passes; else in the right-hand column. */
	for (size_t r = 0; r < n; r++) {
		const row *rw = &l->rows[r];
		slot *s = &sl[r];
		if (!s->show || rw->kind == ROW_RECV || s->lane || !s->w.n)
			continue;
		double wpx = text_px(s->w.cols);
		box b = {0, s->top, 0, s->anchor - 1};
		double cand[64];
		int nc = 0;
		if (rw->kind == ROW_ARROW && rw->from != rw->to &&
		    rw->from >= 0 && rw->to >= 0) {
			double a = HOST_X(rw->from), c = HOST_X(rw->to);
			double lo = (a < c ? a : c) + PAD,
			       hi = (a < c ? c : a) - PAD;
			/* from the sender's end, then along the gap */
			cand[nc++] = a < c ? lo : hi - wpx;
			for (int k = 1; k < 24 && nc < 64; k++)
				cand[nc++] =
				    a < c ? lo + k * (hi - lo - wpx) / 23
					  : hi - wpx - k * (hi - lo - wpx) / 23;
			for (int i = 0; i < nc; i++)
				if (cand[i] < lo || cand[i] + wpx > hi + 0.01)
					cand[i] = -1;
		} else {
			int h = rw->kind == ROW_ARROW ? rw->from : rw->host;
			if (h < 0)
				h = 0;
			double x = HOST_X(h);
			if (h == 0 && nh > 1)
				cand[nc++] = x - PAD - wpx;
			else
				cand[nc++] = x + PAD;
			if (h > 0 && h < nh - 1)
				cand[nc++] = x - PAD - wpx; /* left of it */
		}
		s->lane = 1;
		for (int i = 0; i < nc && s->lane; i++) {
			if (cand[i] < 0)
				continue;
			b.x0 = cand[i];
			b.x1 = cand[i] + wpx;
			int hit = 0;
			for (size_t k = 0; k < na && !hit; k++)
				hit = seg_hits(&arrows[k], &b);
			if (!hit) {
				s->lane = 0;
				s->lx = cand[i];
			}
		}
		if (s->lane) {
			/* displaced: with its host's name (its band has room
			 * for these lines: made for both) */
			wrapped t = s->w;
			s->w = s->lw;
			s->lw = t;
			lane_cols =
			    s->w.cols > lane_cols ? s->w.cols : lane_cols;
		}
	}
	double width = lane_x + (lane_cols ? text_px(lane_cols) : 0) + PAD;
	double title_w =
	    2 * PAD + text_px((int)text_width(l->title) + 2) * 16 / FONT;
	if (width < title_w)
		width = title_w;
	/* The legend, under the rows. */
	static const char *const legend[] = {
	    "segment: sent (start) and arrived (arrowhead)",
	    "RST, a failed call",
	    "segment lost in the network",
	    "host down (crashed): no line until it reboots",
	    "process terminated",
	    "idle time, drawn shorter",
	    "checks (expect) and notes moved out of the arrows' way",
	};
	int nleg = (int)(sizeof legend / sizeof legend[0]);
	double leg_y = rows_end + 2 * PAD;
	double height = leg_y + (nleg + 1) * LINEH + 2 * PAD;
	double leg_w = PAD + 40 + text_px(56) + PAD;
	if (width < leg_w)
		width = leg_w;

	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		"font-family=\"DejaVu Sans Mono, monospace\" "
		"font-size=\"%d\" data-axis=\"%s\">\n"
		"<style>.time{fill:#555}.gap{fill:#555;font-style:italic}"
		".note{fill:#000}.red{fill:#c00;font-weight:bold}"
		".label{fill:#123}.lane{fill:#060}.host{font-weight:bold;"
		"font-size:16px}.title{font-size:16px}</style>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<defs><marker id=\"arrow\" markerWidth=\"8\" "
		"markerHeight=\"8\" refX=\"7\" refY=\"4\" orient=\"auto\">"
		"<path d=\"M0,0 L8,4 L0,8 z\" fill=\"context-stroke\"/>"
		"</marker></defs>\n",
		width, height, width, height, FONT,
		time_axis ? "time" : "event");
	wrapped w1;
	wrap_text(l->title, 400, &w1);
	svg_lines(f, &w1, PAD, 6, "start", "title", NULL);
	wrap_free(&w1);
	/* Lifelines: broken while a host is down. */
	for (int h = 0; h < l->nhosts; h++) {
		double x = HOST_X(h), from = 72;
		fprintf(f,
			"<text class=\"host\" x=\"%.1f\" y=\"62\" "
			"text-anchor=\"middle\">",
			x);
		xml_text(f, l->hosts[h]);
		fputs("</text>\n", f);
		int is_down = 0;
		for (size_t r = 0; r < n; r++) {
			const row *rw = &l->rows[r];
			if (rw->host != h || rw->kind != ROW_NOTE)
				continue;
			if (rw->mark == MARK_CRASH && !is_down) {
				fprintf(f,
					"<line class=\"life\" x1=\"%.1f\" "
					"y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
					"stroke=\"#444\"/>\n",
					x, from, x, sl[r].anchor);
				fprintf(
				    f,
				    "<path class=\"crash\" d=\"M%.1f,%.1f "
				    "l12,12 m0,-12 l-12,12\" stroke=\"#c00\" "
				    "stroke-width=\"2.5\"/>\n",
				    x - 6, sl[r].anchor - 6);
				is_down = 1;
			} else if (rw->mark == MARK_REBOOT && is_down) {
				from = sl[r].anchor;
				fprintf(f,
					"<rect class=\"reboot\" x=\"%.1f\" "
					"y=\"%.1f\" width=\"12\" height=\"4\" "
					"fill=\"#444\"/>\n",
					x - 6, from - 2);
				is_down = 0;
			} else if (rw->mark == MARK_KILL) {
				fprintf(f,
					"<rect class=\"killed\" x=\"%.1f\" "
					"y=\"%.1f\" width=\"10\" height=\"10\" "
					"fill=\"#c00\"/>\n",
					x - 5, sl[r].anchor - 5);
			}
		}
		if (!is_down)
			fprintf(f,
				"<line class=\"life\" x1=\"%.1f\" y1=\"%.1f\" "
				"x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
				x, from, x, rows_end);
	}
	/* Rows: idle bands, times, arrows, labels. */
	for (size_t r = 0; r < n; r++) {
		const row *rw = &l->rows[r];
		const slot *s = &sl[r];
		if (!s->show)
			continue;
		if (s->gap > 0) {
			int64_t dt = 0;
			for (size_t j = r; j-- > 0;)
				if (sl[j].show) {
					dt = rw->t - l->rows[j].t;
					break;
				}
			fprintf(f,
				"<rect class=\"idle\" x=\"%.1f\" y=\"%.1f\" "
				"width=\"%.1f\" height=\"%.1f\" "
				"fill=\"#eee\"/>\n",
				(double)PAD, s->top - s->gap + 4,
				lane_x - 2 * PAD, s->gap - 8);
			char gb[64];
			snprintf(gb, sizeof gb, "+%" PRId64 ".%03" PRId64 " s",
				 dt / 1000000, dt % 1000000 / 1000);
			wrapped gw;
			wrap_text(gb, 40, &gw);
			svg_lines(f, &gw, PAD, s->top - s->gap + 4 + 2, "start",
				  "gap", NULL);
			wrap_free(&gw);
		}
		fprintf(f,
			"<text class=\"time\" x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"end\" data-t=\"%" PRId64
			"\" data-y=\"%.1f\">%" PRId64 ".%06" PRId64 "</text>\n",
			PAD + time_w - PAD, s->anchor - 5, rw->t, s->anchor,
			rw->t / 1000000, rw->t % 1000000);
	}
	for (size_t k = 0; k < na; k++) {
		const row *rw = &l->rows[arrow_row[k]];
		const seg *a = &arrows[k];
		fprintf(f,
			"<line class=\"seg\" data-segno=\"%u\" "
			"data-sent=\"%" PRId64 "\"",
			rw->segno, rw->t);
		if (rw->recv_row >= 0 && !rw->lost)
			fprintf(f, " data-arrive=\"%" PRId64 "\"",
				l->rows[rw->recv_row].t);
		fprintf(f,
			" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"%s\" stroke-width=\"%s\"%s%s/>\n",
			a->x1, a->y1, a->x2, a->y2, rw->red ? "#c00" : "#246",
			rw->red ? "2.5" : "1.5",
			rw->recv_row < 0 && !rw->lost
			    ? " stroke-dasharray=\"6,4\""
			    : "",
			rw->lost ? "" : " marker-end=\"url(#arrow)\"");
		if (rw->lost)
			fprintf(f,
				"<path class=\"lost\" d=\"M%.1f,%.1f l10,10 "
				"m0,-10 l-10,10\" stroke=\"#c00\" "
				"stroke-width=\"2\"/>\n",
				a->x2 - 5, a->y2 - 5);
	}
	for (size_t r = 0; r < n; r++) {
		const row *rw = &l->rows[r];
		const slot *s = &sl[r];
		if (!s->show || !s->w.n)
			continue;
		const char *cls = rw->red                 ? "red"
				  : rw->kind == ROW_FULL  ? "lane"
				  : rw->kind == ROW_ARROW ? "label"
							  : "note";
		char dr[48];
		snprintf(dr, sizeof dr, " data-row=\"%zu\"", r);
		svg_lines(f, &s->w, s->lane ? lane_x : s->lx, s->top, "start",
			  cls, dr);
	}
	/* Each row's y (its arrows' ends), for a page that steps through
	 * them (html.c). */
	fputs("<desc id=\"rowy\">", f);
	for (size_t r = 0; r < n; r++)
		fprintf(f, "%s%.1f", r ? " " : "", sl[r].anchor);
	fputs("</desc>\n", f);
	/* The legend. */
	wrapped lw;
	wrap_text("Legend", 20, &lw);
	svg_lines(f, &lw, PAD, leg_y, "start", "note", " font-weight=\"bold\"");
	wrap_free(&lw);
	for (int i = 0; i < nleg; i++) {
		double ly = leg_y + (i + 1) * LINEH, my = ly + LINEH / 2.0;
		switch (i) {
		case 0:
		case 1:
			fprintf(f,
				"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
				"y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\" "
				"marker-end=\"url(#arrow)\"/>\n",
				PAD, my - 4, PAD + 30, my + 2,
				i ? "#c00" : "#246");
			break;
		case 2:
			fprintf(f,
				"<path d=\"M%d,%.1f l10,10 m0,-10 l-10,10\" "
				"stroke=\"#c00\" stroke-width=\"2\"/>\n",
				PAD + 10, my - 5);
			break;
		case 3:
			fprintf(f,
				"<path d=\"M%d,%.1f l12,12 m0,-12 l-12,12\" "
				"stroke=\"#c00\" stroke-width=\"2.5\"/>\n",
				PAD + 9, my - 6);
			break;
		case 4:
			fprintf(f,
				"<rect x=\"%d\" y=\"%.1f\" width=\"10\" "
				"height=\"10\" fill=\"#c00\"/>\n",
				PAD + 10, my - 5);
			break;
		case 5:
			fprintf(f,
				"<rect x=\"%d\" y=\"%.1f\" width=\"30\" "
				"height=\"10\" fill=\"#eee\"/>\n",
				PAD, my - 5);
			break;
		default:
			fprintf(f,
				"<rect x=\"%d\" y=\"%.1f\" width=\"30\" "
				"height=\"4\" fill=\"#060\"/>\n",
				PAD, my - 2);
		}
		wrapped e;
		wrap_text(legend[i], 80, &e);
		svg_lines(f, &e, PAD + 40, ly, "start", "note", NULL);
		wrap_free(&e);
	}
	fputs("</svg>\n", f);
#undef HOST_X
	for (size_t r = 0; r < n; r++) {
		wrap_free(&sl[r].w);
		wrap_free(&sl[r].lw);
	}
	free(sl);
	free(arrows);
	free(arrow_row);
	return ferror(f) ? -1 : 0;
}
