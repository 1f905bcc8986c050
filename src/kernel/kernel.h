/*
 * kernel.h - the trace on the real Linux kernel (doc/kernel.md).
 *
 * tcpsim --kernel runs a trace on the kernel of the machine it runs on:
 * each host a network namespace made for the run, with a TUN device holding
 * the host's address; each host's process a real process (host.c) making
 * the trace's system calls; the network a relay in this process (run.c)
 * that carries every IPv4 packet between the TUN devices with the link's
 * delay and applies the trace's net: lines. What it observes becomes the
 * same typed events the model emits, written by the same report.
 * tcpsim --diff runs the model and the kernel and compares (diff.c).
 */
#ifndef TS_KERNEL_H
#define TS_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tcpsim.h"
#include "trace/trace.h"

/* The command's entry: "tcpsim --kernel|--diff [OPTIONS] TRACE...".
 * Returns the exit status. */
int ts_kernel_main(int argc, char **argv);

/* Whether this machine can run traces on its kernel: 0, or -1 with the
 * reason in MSG. */
int ts_kernel_can_run(char *msg, size_t cap);

/* The first line of T the runner cannot reproduce: 0 when none, else its
 * line number (0 for a declaration without one is never returned: such
 * a line gets its number from the source) with the reason in MSG. */
int ts_kernel_unsupported(const ts_trace *t, char *msg, size_t cap);

/* The line of T that sets KNOB on host HOST, 0 when none. */
int ts_kernel_set_line(const ts_trace *t, int host, int knob);

/* ---- A host: its namespace and its process (host.c) ---- */

/* A request to the host's process: run statement STMT of the trace. */
typedef struct kh_req {
	int stmt;
} kh_req;

/* Its answer: the call's result and when it ran (CLOCK_MONOTONIC, µs). */
typedef struct kh_rep {
	int stmt;
	int64_t began, ended;
	int64_t value;
	int err;
	int sigpipe;
	int has_addr;
	uint32_t addr;
	uint16_t port;
	uint64_t ino; /* the inode of the socket the call made or used */
	int term_sig; /* the process ends after this answer (SIGPIPE) */
} kh_rep;

typedef struct kh_host {
	pid_t pid;      /* its process, 0 when none */
	int ctl;        /* the control socket to it, -1 */
	int tun;        /* its TUN device, -1 */
	int diag;       /* a NETLINK_SOCK_DIAG socket in its namespace, -1 */
	uint64_t netns; /* the namespace's inode */
} kh_host;

/* Make host INDEX of T: a namespace with its address, sysctls and TUN
 * device, and its process, ready for requests. 0, or -1 with MSG (and
 * *BADKNOB, the knob a sysctl refused, or -1). */
int kh_start(kh_host *h, const ts_trace *t, int index, char *msg, size_t cap,
	     int *badknob);
/* End it: kill its process, close its descriptors (the namespace goes
 * with them). */
void kh_stop(kh_host *h);
/* Close its descriptors, leaving its process (killed) to be reaped. */
void kh_drop(kh_host *h);

/* Microseconds of CLOCK_MONOTONIC. */
int64_t kh_now(void);

#endif
