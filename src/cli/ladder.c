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

typedef enum row_kind { ROW_ARROW, ROW_NOTE, ROW_FULL } row_kind;

typedef struct row {
	row_kind kind;
	int64_t t;
	int host;     /* ROW_NOTE */
	int from, to; /* ROW_ARROW */
	int lost, red;
	uint32_t segno;
	int recv_row; /* ROW_ARROW: the row its arrival precedes, -1 */
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
		for (size_t i = l->n; i-- > 0;)
			if (l->rows[i].kind == ROW_ARROW &&
			    l->rows[i].segno == ev->u.seg.segno &&
			    l->rows[i].recv_row < 0) {
				l->rows[i].recv_row = (int)l->n;
				break;
			}
		return;
	case TCPSIM_EV_LOST:
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

int ts_ladder_svg(ts_ladder *l, FILE *f)
{
	const int rowh = 18, top = 60, left = 90, gap = 330, note = 300;
	int nh = l->nhosts ? l->nhosts : 1;
	int width = left + note + (nh - 1) * gap + note;
	int height = top + (int)(l->n + 1) * rowh + 20;
	fprintf(
	    f,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"monospace\" "
	    "font-size=\"11\">\n"
	    "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
	    "<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" "
	    "refX=\"7\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 "
	    "L0,8 z\" fill=\"context-stroke\"/></marker></defs>\n"
	    "<text x=\"10\" y=\"20\" font-size=\"13\">",
	    width, height, width, height);
	xml_text(f, l->title);
	fputs("</text>\n", f);
	for (int h = 0; h < l->nhosts; h++) {
		int x = left + note + h * gap;
		fprintf(f,
			"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
			"font-weight=\"bold\" font-size=\"13\">",
			x, top - 20);
		xml_text(f, l->hosts[h]);
		fprintf(
		    f,
		    "</text>\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		    "stroke=\"#444\"/>\n",
		    x, top - 10, x, height - 10);
	}
	for (size_t r = 0; r < l->n; r++) {
		const row *rw = &l->rows[r];
		int y = top + (int)r * rowh + rowh / 2;
		const char *fill = rw->red ? "#c00" : "#000";
		fprintf(f,
			"<text x=\"10\" y=\"%d\" fill=\"#666\">%" PRId64
			".%06" PRId64 "</text>\n",
			y + 4, rw->t / 1000000, rw->t % 1000000);
		switch (rw->kind) {
		case ROW_ARROW: {
			if (rw->from < 0 || rw->to < 0)
				break;
			int x1 = left + note + rw->from * gap;
			int x2 = left + note + rw->to * gap;
			int y2 = rw->recv_row >= 0
				     ? top + rw->recv_row * rowh + rowh / 2
				     : y + rowh;
			if (rw->lost) {
				x2 = (x1 + x2) / 2;
				y2 = y + rowh;
			}
			fprintf(f,
				"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
				"stroke=\"%s\" stroke-width=\"%s\"%s/>\n",
				x1, y, x2, y2, rw->red ? "#c00" : "#246",
				rw->red ? "2" : "1.2",
				rw->lost ? "" : " marker-end=\"url(#arrow)\"");
			if (rw->lost)
				fprintf(
				    f,
				    "<text x=\"%d\" y=\"%d\" fill=\"#c00\" "
				    "text-anchor=\"middle\" font-size=\"14\">"
				    "x</text>\n",
				    x2, y2 + 5);
			fprintf(
			    f,
			    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
			    "fill=\"%s\">",
			    (x1 + (rw->lost ? 2 * x2 - x1 : x2)) / 2, y - 3,
			    fill);
			xml_text(f, rw->text);
			fputs("</text>\n", f);
			break;
		}
		case ROW_NOTE: {
			int x = left + note + rw->host * gap;
			int first = rw->host == 0 && l->nhosts > 1;
			fprintf(f,
				"<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" "
				"fill=\"%s\"%s>",
				first ? x - 8 : x + 8, y + 4,
				first ? "end" : "start", fill,
				rw->red ? " font-weight=\"bold\"" : "");
			xml_text(f, rw->text);
			fputs("</text>\n", f);
			break;
		}
		case ROW_FULL:
			fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"%s\">", left,
				y + 4, rw->red ? "#c00" : "#070");
			xml_text(f, rw->text);
			fputs("</text>\n", f);
			break;
		}
	}
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}
