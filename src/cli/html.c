/*
 * html.c - the interactive page of a run (see html.h): one HTML file with
 * everything inline (style, script, the SVG ladder, the events as data),
 * which needs no network and works from file://. The page steps through
 * the events (keyboard or play), highlights each on the ladder, and shows
 * for a segment both endpoints' sequence variables and running timers as
 * the SEND and RECV events carry them, for a failed call or an RST its
 * chain of causes (the WHY events that follow it).
 */
#include "cli/html.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ladder.h"

typedef struct step {
	int64_t t;
	int kind;
	char *host; /* NULL: a line or the network */
	char *text; /* the report's words */
	int row;    /* its ladder row, -1 */
	uint32_t segno;
	int from, to, red;
	tcpsim_seqvars vars; /* SEND, RECV */
	char *why;           /* the chain behind it, NULL */
} step;

struct ts_html {
	ts_ladder *lad;
	char *title;
	char *hosts[64];
	int nhosts;
	step *s;
	size_t n, cap;
	int failed; /* out of memory */
};

ts_html *ts_html_new(const char *title)
{
	ts_html *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->title = strdup(title ? title : "");
	h->lad = ts_ladder_new(title, 0, 0);
	if (!h->title || !h->lad) {
		ts_html_free(h);
		return NULL;
	}
	return h;
}

void ts_html_host(ts_html *h, const char *name)
{
	ts_ladder_host(h->lad, name);
	if (h->nhosts < 64)
		h->hosts[h->nhosts++] = strdup(name);
}

void ts_html_free(ts_html *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		free(h->s[i].host);
		free(h->s[i].text);
		free(h->s[i].why);
	}
	for (int i = 0; i < h->nhosts; i++)
		free(h->hosts[i]);
	free(h->s);
	free(h->title);
	ts_ladder_free(h->lad);
	free(h);
}

void ts_html_event(ts_html *h, const tcpsim_event *ev)
{
	if (ev->kind == TCPSIM_EV_FINAL || ev->kind == TCPSIM_EV_DONE)
		return;
	int before = ts_ladder_rows(h->lad);
	ts_ladder_event(h->lad, ev);
	char b[2048];
	tcpsim_event_text(ev, b, sizeof b);
	if (ev->kind == TCPSIM_EV_WHY) {
		/* the chain of the call just before it, or of the RST segment
		 * just sent: its RESET (the reason) and its SEND both */
		for (size_t i = h->n; i-- > 0;) {
			step *p = &h->s[i];
			int rst = ev->u.why.source == TCPSIM_WHY_RST;
			if (p->why || p->t != ev->time_us)
				break;
			if (rst ? p->kind == TCPSIM_EV_SEND ||
				      p->kind == TCPSIM_EV_RESET
				: p->kind == TCPSIM_EV_CALL ||
				      p->kind == TCPSIM_EV_RETURN)
				p->why = strdup(b);
			if (!rst || p->kind == TCPSIM_EV_RESET)
				break;
		}
		return;
	}
	if (h->n == h->cap) {
		size_t nc = h->cap ? 2 * h->cap : 256;
		step *ns = realloc(h->s, nc * sizeof *ns);
		if (!ns) {
			h->failed = 1;
			return;
		}
		h->s = ns;
		h->cap = nc;
	}
	step *s = &h->s[h->n++];
	memset(s, 0, sizeof *s);
	s->t = ev->time_us;
	s->kind = ev->kind;
	s->host = ev->host_name ? strdup(ev->host_name) : NULL;
	s->text = strdup(b);
	s->row = ts_ladder_rows(h->lad) > before ? before : -1;
	s->from = s->to = -1;
	switch (ev->kind) {
	case TCPSIM_EV_SEND:
	case TCPSIM_EV_INJECT:
	case TCPSIM_EV_REPLAY:
	case TCPSIM_EV_RECV:
	case TCPSIM_EV_LOST:
		s->segno = ev->u.seg.segno;
		s->from = ev->u.seg.from;
		s->to = ev->u.seg.to;
		s->vars = ev->u.seg.vars;
		s->red = !!(ev->u.seg.seg.flags & TCPSIM_RST);
		break;
	case TCPSIM_EV_CALL:
	case TCPSIM_EV_RETURN:
		s->red = ev->u.call.errno_name != NULL;
		break;
	case TCPSIM_EV_RESET:
	case TCPSIM_EV_FAIL:
		s->red = 1;
		break;
	case TCPSIM_EV_EXPECT:
		s->red = !ev->u.expect.ok;
		break;
	case TCPSIM_EV_BLOCK:
	case TCPSIM_EV_STATE:
	case TCPSIM_EV_DROP:
	case TCPSIM_EV_TIMER:
	case TCPSIM_EV_REXMIT:
	case TCPSIM_EV_SIGNAL:
	case TCPSIM_EV_PROC:
	case TCPSIM_EV_HOST:
	case TCPSIM_EV_SKIP:
	case TCPSIM_EV_END:
	case TCPSIM_EV_WHY:
	case TCPSIM_EV_FINAL:
	case TCPSIM_EV_DONE:
		break;
	}
	if ((ev->host_name && !s->host) || !s->text)
		h->failed = 1;
}

/* S as a JavaScript string literal, safe inside <script>. */
static void js_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == '<' || c == '>' || c == '&')
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *const timer_words[] = {
#define TS_X_(n, w) w,
    TCPSIM_TIMERS(TS_X_)
#undef TS_X_
};

/* The page's style and script: the data are in const RUN. */
static const char style[] =
    "body{font-family:sans-serif;margin:0;display:flex;height:100vh}"
    "#ladder{flex:1;overflow:auto;border-right:1px solid #ccc}"
    "#side{width:440px;padding:12px;overflow:auto;font-size:15px}"
    "#side h1{font-size:17px;margin:0 0 8px}"
    "#controls button{font-size:15px;margin-right:4px}"
    "#step{font-family:monospace;white-space:pre-wrap;margin:10px 0;"
    "padding:8px;background:#f4f4f4}"
    "#detail{font-family:monospace;font-size:14px;white-space:pre-wrap}"
    "#detail table{border-collapse:collapse;margin:6px 0}"
    "#detail td,#detail th{border:1px solid #ccc;padding:2px 6px;"
    "text-align:right}"
    ".why{color:#900}.hint{color:#666;font-size:13px}"
    "#hl{fill:#fd3;opacity:.35;pointer-events:none}"
    "line.hit{stroke:transparent;stroke-width:12;cursor:pointer}"
    "text[data-row]{cursor:pointer}";

static const char script[] =
    "(function(){\n"
    "var svg=document.querySelector('#ladder svg');\n"
    "var rowY=svg.querySelector('#rowy').textContent.trim().split(/\\s+/)"
    ".map(Number);\n"
    "var W=svg.viewBox.baseVal.width;\n"
    "var hl=document.createElementNS('http://www.w3.org/2000/svg','rect');\n"
    "hl.id='hl';hl.setAttribute('x',0);hl.setAttribute('width',W);"
    "hl.setAttribute('height',22);svg.appendChild(hl);\n"
    "var cur=-1,timer=null;\n"
    "function fmt(us){var s=Math.floor(us/1e6),f=String(us%1e6);"
    "while(f.length<6)f='0'+f;return s+'.'+f;}\n"
    "function vars(h,v,when){if(!v)return '<p>'+h+': no connection"
    " (a listener, or none)</p>';\n"
    "var r='<p><b>'+h+'</b> '+v.state+' '+when+'</p><table><tr>"
    "<th>SND.UNA</th><th>SND.NXT</th><th>SND.WND</th></tr><tr><td>'+"
    "v.snd_una+'</td><td>'+v.snd_nxt+'</td><td>'+v.snd_wnd+"
    "'</td></tr><tr><th>RCV.NXT</th><th>RCV.WND</th><th>cwnd</th></tr>"
    "<tr><td>'+v.rcv_nxt+'</td><td>'+v.rcv_wnd+'</td><td>'+v.cwnd+"
    "'</td></tr></table>';\n"
    "var t=v.timers.map(function(x){return x[0]+' timer: fires at '+"
    "fmt(x[1]);});\n"
    "r+='<div class=\"timers\">'+(t.length?t.join('<br>'):"
    "'no timer running')+'</div>';return r;}\n"
    "function seg(n){var s=null,r=null;RUN.steps.forEach(function(x){"
    "if(x.segno===n&&(x.kind==='send'||x.kind==='inject'||"
    "x.kind==='replay')&&!s)s=x;if(x.segno===n&&x.kind==='recv'&&!r)"
    "r=x;});return [s,r];}\n"
    "function showSeg(n){var p=seg(n),s=p[0],r=p[1];if(!s)return;\n"
    "var d='<p><b>segment #'+n+'</b></p>'+vars(RUN.hosts[s.from],s.vars,"
    "'as it sent it, at '+fmt(s.t));\n"
    "d+=r?vars(RUN.hosts[r.to],r.vars,'as it arrived, at '+fmt(r.t)):"
    "'<p>'+RUN.hosts[s.to]+': never arrived</p>';\n"
    "document.getElementById('detail').innerHTML=d;}\n"
    "function esc(s){return s.replace(/&/g,'&amp;').replace(/</g,'&lt;');}\n"
    "function show(i){if(i<0||i>=RUN.steps.length)return;cur=i;"
    "var s=RUN.steps[i];\n"
    "document.getElementById('pos').textContent=(i+1)+' / '+"
    "RUN.steps.length;\n"
    "document.getElementById('step').textContent=fmt(s.t)+'  '+"
    "(s.host||'-')+'  '+s.kind+'\\n'+s.text;\n"
    "if(s.row>=0){hl.setAttribute('y',rowY[s.row]-20);"
    "hl.style.display='';var b=svg.getBoundingClientRect();"
    "var lad=document.getElementById('ladder');"
    "var y=rowY[s.row]*b.height/svg.viewBox.baseVal.height;"
    "if(y<lad.scrollTop+40||y>lad.scrollTop+lad.clientHeight-40)"
    "lad.scrollTop=y-lad.clientHeight/2;}else hl.style.display='none';\n"
    "if(s.segno)showSeg(s.segno);else if(s.why)showWhy(i);"
    "else document.getElementById('detail').innerHTML='';}\n"
    "function showWhy(i){var s=RUN.steps[i];"
    "document.getElementById('detail').innerHTML='<p><b>why</b></p>"
    "<div class=\"why\">'+esc(s.why).split(' \\u2190 ').join("
    "'<br>\\u2190 ')+'</div>';}\n"
    "function play(){if(timer){clearInterval(timer);timer=null;"
    "document.getElementById('play').textContent='play';return;}"
    "document.getElementById('play').textContent='pause';"
    "timer=setInterval(function(){if(cur+1>=RUN.steps.length){play();"
    "return;}show(cur+1);},700);}\n"
    "document.getElementById('next').onclick=function(){show(cur+1);};\n"
    "document.getElementById('prev').onclick=function(){show(cur-1);};\n"
    "document.getElementById('play').onclick=play;\n"
    "document.addEventListener('keydown',function(e){"
    "if(e.key==='ArrowRight'||e.key==='n'||e.key==='j'){show(cur+1);"
    "e.preventDefault();}else if(e.key==='ArrowLeft'||e.key==='p'||"
    "e.key==='k'){show(cur-1);e.preventDefault();}else if(e.key===' '){"
    "play();e.preventDefault();}else if(e.key==='Home')show(0);"
    "else if(e.key==='End')show(RUN.steps.length-1);});\n"
    "svg.querySelectorAll('line.seg').forEach(function(l){"
    "var h=l.cloneNode();h.setAttribute('class','hit');"
    "h.removeAttribute('marker-end');h.dataset.segno=l.dataset.segno;"
    "h.addEventListener('click',function(){var n=+l.dataset.segno;"
    "for(var i=0;i<RUN.steps.length;i++)if(RUN.steps[i].segno===n){"
    "show(i);break;}showSeg(n);});l.parentNode.appendChild(h);});\n"
    "svg.querySelectorAll('text[data-row]').forEach(function(t){"
    "t.addEventListener('click',function(){var r=+t.dataset.row;"
    "for(var i=0;i<RUN.steps.length;i++)if(RUN.steps[i].row===r){"
    "show(i);if(RUN.steps[i].why)showWhy(i);break;}});});\n"
    "show(0);\n"
    "})();\n";

int ts_html_write(ts_html *h, FILE *f)
{
	if (h->failed)
		return -1;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	      "charset=\"utf-8\"><title>",
	      f);
	for (const char *p = h->title; *p; p++)
		if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '&')
			fputs("&amp;", f);
		else
			fputc(*p, f);
	fprintf(f,
		" - tcpsim</title><style>%s</style></head><body>\n"
		"<div id=\"ladder\">\n",
		style);
	if (ts_ladder_svg(h->lad, f, 0) < 0)
		return -1;
	fputs("</div>\n<div id=\"side\"><h1>", f);
	for (const char *p = h->title; *p; p++)
		if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '&')
			fputs("&amp;", f);
		else
			fputc(*p, f);
	fputs("</h1><div id=\"controls\"><button id=\"prev\">&#9664; "
	      "back</button><button id=\"play\">play</button><button "
	      "id=\"next\">next &#9654;</button> <span id=\"pos\"></span>"
	      "</div><p class=\"hint\">Keys: &#8594; or n next, &#8592; or p "
	      "back, space play or pause, Home, End. Click a segment for both "
	      "ends' sequence variables and timers, a red call or RST for why "
	      "it happened.</p><div id=\"step\"></div><div "
	      "id=\"detail\"></div></div>\n<script>\nvar RUN={hosts:[",
	      f);
	for (int i = 0; i < h->nhosts; i++) {
		if (i)
			fputc(',', f);
		js_str(f, h->hosts[i]);
	}
	fputs("],steps:[\n", f);
	for (size_t i = 0; i < h->n; i++) {
		const step *s = &h->s[i];
		fprintf(f, "{t:%" PRId64 ",kind:", s->t);
		js_str(f, tcpsim_event_kind_name(s->kind));
		fputs(",host:", f);
		js_str(f, s->host);
		fputs(",text:", f);
		js_str(f, s->text);
		fprintf(f, ",row:%d,red:%d", s->row, s->red);
		if (s->segno)
			fprintf(f, ",segno:%u,from:%d,to:%d", s->segno, s->from,
				s->to);
		if (s->segno && s->vars.valid) {
			const tcpsim_seqvars *v = &s->vars;
			fputs(",vars:{state:", f);
			js_str(f, tcpsim_state_name((int)v->state));
			fprintf(f,
				",snd_una:%u,snd_nxt:%u,snd_wnd:%u,rcv_nxt:%u,"
				"rcv_wnd:%u,cwnd:%u,timers:[",
				v->snd_una, v->snd_nxt, v->snd_wnd, v->rcv_nxt,
				v->rcv_wnd, v->snd_cwnd);
			int first = 1;
			for (int t = 0; t < TCPSIM_NTIMERS; t++) {
				if (v->timer_us[t] < 0)
					continue;
				fputs(first ? "[" : ",[", f);
				js_str(f, timer_words[t]);
				fprintf(f, ",%" PRId64 "]", v->timer_us[t]);
				first = 0;
			}
			fputs("]}", f);
		}
		if (s->why) {
			fputs(",why:", f);
			js_str(f, s->why);
		}
		fputs("},\n", f);
	}
	fprintf(f, "]};\n%s</script>\n</body></html>\n", script);
	return ferror(f) ? -1 : 0;
}
