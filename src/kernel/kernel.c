/*
 * kernel.c - "tcpsim --kernel" and "tcpsim --diff": what this machine must
 * have, what the runner cannot reproduce, and the report of each run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/kdiff.h"
#include "kernel/krun.h"
#include "render/report.h"

/* ---- what the machine must have ---- */

static int has_caps(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	uint64_t eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	return (eff >> CAP_NET_ADMIN & 1) && (eff >> CAP_SYS_ADMIN & 1);
}

int ts_kernel_can_run(char *msg, size_t cap)
{
	struct utsname u;
	if (uname(&u) < 0 || strcmp(u.sysname, "Linux")) {
		snprintf(msg, cap, "the kernel runner needs Linux");
		return -1;
	}
	if (!has_caps()) {
		snprintf(msg, cap,
			 "the kernel runner needs root (CAP_NET_ADMIN and "
			 "CAP_SYS_ADMIN) to make network namespaces");
		return -1;
	}
	if (access("/proc/self/ns/net", F_OK) < 0) {
		snprintf(msg, cap, "this kernel has no network namespaces");
		return -1;
	}
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, cap, "cannot open /dev/net/tun: %s",
			 strerror(errno));
		return -1;
	}
	close(fd);
	/* a namespace, made and dropped in a child */
	pid_t pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) < 0 ? 1 : 0);
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st)) {
		snprintf(msg, cap,
			 "cannot make a network namespace "
			 "(unshare(CLONE_NEWNET) fails)");
		return -1;
	}
	return 0;
}

/* ---- what the runner cannot reproduce ---- */

/* The line of T's source that sets KNOB on host HOST ("set HOST KNOB"). */
static int set_line(const ts_trace *t, int host, int knob)
{
	const char *p = t->text, *end = t->text + t->textlen;
	const char *hn = t->hosts[host].name, *kn = ts_knobs[knob].name;
	for (int line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		char buf[256];
		size_t n = (size_t)(e - p) < sizeof buf - 1 ? (size_t)(e - p)
							    : sizeof buf - 1;
		memcpy(buf, p, n);
		buf[n] = 0;
		char w1[64], w2[64], w3[64];
		if (sscanf(buf, " %63s %63s %63s", w1, w2, w3) == 3 &&
		    !strcmp(w1, "set") && !strcmp(w2, hn) && !strcmp(w3, kn))
			return line;
		p = e + 1;
	}
	return 0;
}

static int host_line(const ts_trace *t, int host)
{
	const char *p = t->text, *end = t->text + t->textlen;
	for (int line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		char buf[256], w1[64], w2[64];
		size_t n = (size_t)(e - p) < sizeof buf - 1 ? (size_t)(e - p)
							    : sizeof buf - 1;
		memcpy(buf, p, n);
		buf[n] = 0;
		if (sscanf(buf, " %63s %63s", w1, w2) == 2 &&
		    !strcmp(w1, "host") && !strcmp(w2, t->hosts[host].name))
			return line;
		p = e + 1;
	}
	return 0;
}

int ts_kernel_unsupported(const ts_trace *t, char *msg, size_t cap)
{
	for (int h = 0; h < t->nhosts; h++) {
		const ts_host_decl *d = &t->hosts[h];
		if (d->nostack) {
			snprintf(msg, cap,
				 "unsupported on the kernel: a host without a "
				 "stack (nostack)");
			return host_line(t, h);
		}
		if (d->knob_set[TS_KNOB_HZ]) {
			snprintf(msg, cap,
				 "unsupported on the kernel: hz is the "
				 "kernel's own (CONFIG_HZ), not a sysctl");
			return set_line(t, h, TS_KNOB_HZ);
		}
	}
	return 0;
}

int ts_kernel_set_line(const ts_trace *t, int host, int knob)
{
	return set_line(t, host, knob);
}

/* ---- the command ---- */

typedef struct kopts {
	int diff;
	int quiet;
	int color;
	int tolerance_ms;
} kopts;

static void write_out(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	fwrite(data, 1, len, stdout);
}

static void print_error(const char *file, int line, int col, const char *msg,
			const char *source)
{
	if (line > 0)
		fprintf(stderr, "%s:%d:%d: %s\n", file, line, col > 0 ? col : 1,
			msg);
	else
		fprintf(stderr, "%s: %s\n", file, msg);
	if (source && *source)
		fprintf(stderr, "  %s\n", source);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	while (b) {
		size_t k = fread(b + n, 1, cap - n, f);
		n += k;
		if (n < cap)
			break;
		char *nb = cap < (64u << 20) ? realloc(b, cap * 2) : NULL;
		if (!nb) {
			free(b);
			b = NULL;
			break;
		}
		b = nb;
		cap *= 2;
	}
	fclose(f);
	*len = n;
	return b;
}

/* The model's run of the trace: its events (kept in M) and when it
 * ends. */
static void on_model_event(void *ctx, const tcpsim_event *ev)
{
	kd_events *m = ctx;
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 256;
		tcpsim_event *e = realloc(m->ev, nc * sizeof *e);
		if (!e) {
			m->oom = 1;
			return;
		}
		m->ev = e;
		m->cap = nc;
	}
	m->ev[m->n++] = *ev;
	if (ev->time_us > m->end)
		m->end = ev->time_us;
}

static int run_file(const kopts *o, const char *path)
{
	size_t len = 0;
	char *text = slurp(path, &len);
	if (!text) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
		return TCPSIM_ERROR;
	}
	ts_error perr;
	ts_trace *t = ts_trace_parse(path, text, len, &perr);
	if (!t) {
		print_error(perr.file, perr.line, perr.col, perr.msg,
			    perr.source);
		free(text);
		return TCPSIM_ERROR;
	}
	char msg[256];
	int line = ts_kernel_unsupported(t, msg, sizeof msg);
	if (line > 0) {
		print_error(path, line, 1, msg, NULL);
		ts_trace_free(t);
		free(text);
		return TCPSIM_ERROR;
	}
	/* the model: when it ends, and, for --diff, what it does */
	kd_events model = {0};
	tcpsim_options mo;
	tcpsim_options_init(&mo);
	mo.event = on_model_event;
	mo.event_ctx = &model;
	mo.event_mask = 0;
	tcpsim_error merr;
	tcpsim_sim *sim = tcpsim_load(path, text, len, &mo, &merr);
	int mrc = sim ? tcpsim_run(sim, &merr) : TCPSIM_ERROR;
	free(text);
	if (model.oom) {
		fprintf(stderr, "%s: out of memory\n", path);
		tcpsim_free(sim);
		ts_trace_free(t);
		free(model.ev);
		return TCPSIM_ERROR;
	}
	/* the state each variable ends in on the model */
	int nv = 0;
	for (int h = 0; h < t->nhosts; h++)
		nv += t->hosts[h].nvars;
	int *want = mrc == TCPSIM_ERROR
			? NULL
			: malloc(((size_t)nv + 1) * sizeof *want);
	for (int h = 0, k = 0; want && h < t->nhosts; h++)
		for (int v = 0; v < t->hosts[h].nvars; v++, k++) {
			want[k] = -1;
			for (size_t i = 0; i < model.n; i++) {
				const tcpsim_event *ev = &model.ev[i];
				if (ev->kind == TCPSIM_EV_FINAL &&
				    ev->host == h && ev->u.final.sock.var &&
				    !strcmp(ev->u.final.sock.var,
					    t->hosts[h].vars[v]))
					want[k] = ev->u.final.reason ==
							  TCPSIM_FINAL_SOCKET
						      ? (int)ev->u.final.state
						      : TCPSIM_CLOSED;
			}
		}
	kr_run r;
	int rc = kr_run_trace(&r, t, model.end, want);
	free(want);
	if (rc < 0) {
		/* a line the run could not carry out, or a namespace or
		 * sysctl refused: no report is presented as a result */
		print_error(path, r.errline, 1, r.msg, NULL);
		kr_free(&r);
		tcpsim_free(sim);
		ts_trace_free(t);
		free(model.ev);
		return TCPSIM_ERROR;
	}
	int status = r.nfailed ? TCPSIM_FAILED : TCPSIM_OK;
	if (o->diff) {
		if (mrc == TCPSIM_ERROR) {
			print_error(merr.file, merr.line, merr.col,
				    merr.message, merr.source);
			status = TCPSIM_ERROR;
		} else {
			kd_events k = {0};
			k.n = r.nev;
			k.ev = malloc((r.nev + 1) * sizeof *k.ev);
			if (!k.ev) {
				status = TCPSIM_ERROR;
			} else {
				for (size_t i = 0; i < r.nev; i++)
					k.ev[i] = r.ev[i].ev;
				int nd = kd_compare(
				    t, &model, &k,
				    (int64_t)o->tolerance_ms * 1000, stdout);
				status = nd ? TCPSIM_FAILED : TCPSIM_OK;
				free(k.ev);
			}
		}
	} else if (!o->quiet) {
		struct utsname u;
		uname(&u);
		printf("# on the kernel: %s %s, in real time; sequence "
		       "numbers, timestamps and ephemeral ports as the model "
		       "numbers them\n",
		       u.sysname, u.release);
		fflush(stdout);
		ts_report *rep = ts_report_new(t, 0, o->color, write_out, NULL);
		if (rep) {
			ts_report_begin(rep);
			for (size_t i = 0; i < r.nev; i++)
				ts_report_event(rep, &r.ev[i].ev);
			ts_report_free(rep);
		}
		fflush(stdout);
	} else {
		/* --quiet: the failures alone, as the model's are */
		ts_report *rep = ts_report_new(t, 0, o->color, write_out, NULL);
		if (rep) {
			for (size_t i = 0; i < r.nev; i++)
				if (r.ev[i].ev.kind == TCPSIM_EV_FAIL)
					ts_report_event(rep, &r.ev[i].ev);
			ts_report_free(rep);
		}
	}
	kr_free(&r);
	tcpsim_free(sim);
	ts_trace_free(t);
	free(model.ev);
	return status;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tcpsim --kernel [--quiet] [--color=WHEN] TRACE...\n"
		   "       tcpsim --diff [--tolerance MS] TRACE...\n"
		   "       tcpsim --kernel --can-run\n"
		   "Runs each trace on this machine's kernel (root, network "
		   "namespaces, /dev/net/tun);\n"
		   "--diff also runs the model and prints where they "
		   "differ.\n");
}

int ts_kernel_main(int argc, char **argv)
{
	kopts o = {0, 0, 0, 50};
	const char *color = "auto";
	int nfiles = 0, mode = 0;
	char **files = calloc((size_t)argc, sizeof *files);
	if (!files)
		return TCPSIM_ERROR;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--kernel"))
			mode |= 1;
		else if (!strcmp(a, "--diff"))
			mode |= 2;
		else if (!strcmp(a, "--can-run"))
			mode |= 4;
		else if (!strcmp(a, "--quiet") || !strcmp(a, "-q"))
			o.quiet = 1;
		else if (!strncmp(a, "--color=", 8) ||
			 !strncmp(a, "--colour=", 9))
			color = strchr(a, '=') + 1;
		else if (!strcmp(a, "--tolerance") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 0 || v > 60000) {
				fprintf(stderr, "tcpsim: --tolerance takes "
						"milliseconds (0-60000)\n");
				free(files);
				return TCPSIM_ERROR;
			}
			o.tolerance_ms = (int)v;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			free(files);
			return TCPSIM_OK;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr,
				"tcpsim: %s cannot be used with --kernel or "
				"--diff\n",
				a);
			usage(stderr);
			free(files);
			return TCPSIM_ERROR;
		} else
			files[nfiles++] = argv[i];
	}
	if (mode & 4) {
		/* whether this machine can run traces on its kernel */
		char why[256];
		free(files);
		if (ts_kernel_can_run(why, sizeof why) < 0) {
			printf("no: %s\n", why);
			return TCPSIM_ERROR;
		}
		printf("yes\n");
		return TCPSIM_OK;
	}
	if (mode == 3) {
		fprintf(stderr, "tcpsim: --kernel and --diff: choose one\n");
		free(files);
		return TCPSIM_ERROR;
	}
	o.diff = mode == 2;
	if (!strcmp(color, "always"))
		o.color = 1;
	else if (!strcmp(color, "auto"))
		o.color = isatty(1) && getenv("TERM") &&
			  strcmp(getenv("TERM"), "dumb");
	if (!nfiles) {
		usage(stderr);
		free(files);
		return TCPSIM_ERROR;
	}
	char msg[256];
	if (ts_kernel_can_run(msg, sizeof msg) < 0) {
		fprintf(stderr, "tcpsim: %s\n", msg);
		free(files);
		return TCPSIM_ERROR;
	}
	kr_install_signals();
	/* Time is real: on a busy machine a line must still run when the
	 * trace says and a packet arrive after the link's delay, not when
	 * the scheduler gets round to it. The lowest real-time priority
	 * (inherited by the hosts' processes) is enough; they sleep almost
	 * all the time. Without it (no CAP_SYS_NICE), the run goes on
	 * under the ordinary scheduler. */
	struct sched_param sp = {.sched_priority = 1};
	(void)sched_setscheduler(0, SCHED_FIFO, &sp);
	int status = TCPSIM_OK;
	for (int i = 0; i < nfiles; i++) {
		int rc = run_file(&o, files[i]);
		if (rc > status)
			status = rc;
	}
	free(files);
	return status;
}
