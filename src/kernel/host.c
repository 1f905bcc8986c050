/*
 * host.c - one host of a kernel run: a network namespace of its own, with
 * the loopback device up, a TUN device holding the host's address (a /32,
 * and a default route through it, so every packet to another host goes to
 * the relay and nowhere else), the trace's sysctls; and the host's process,
 * which makes the trace's system calls one request at a time. A call that
 * blocks blocks that process, and the requests after it wait in its
 * control socket, as later lines of a host wait in the model.
 *
 * The namespace has no name and is held only by the process and the two
 * descriptors it hands to the relay (the TUN device and a sock_diag
 * socket): when they are gone, so is the namespace with everything in it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/kernel.h"

#define CTL_FD 100 /* the control socket in the host's process */

/* A coverage build ("make coverage" defines TCPSIM_COVERAGE) counts what
 * the hosts' processes run too. They end by _exit() or SIGKILL, which
 * write no counters, so each writes its counters after every call. */
#ifdef TCPSIM_COVERAGE
void __gcov_dump(void);
void __gcov_reset(void);
static void coverage_flush(void)
{
	__gcov_dump();
	__gcov_reset();
}
#else
static void coverage_flush(void)
{
}
#endif

int64_t kh_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- rtnetlink: the address, the link up, the default route ---- */

typedef struct nlbuf {
	struct nlmsghdr *h;
	char buf[512];
} nlbuf;

static void nl_init(nlbuf *b, int type, int flags, size_t hdr)
{
	memset(b, 0, sizeof *b);
	b->h = (struct nlmsghdr *)b->buf;
	b->h->nlmsg_len = (uint32_t)NLMSG_LENGTH(hdr);
	b->h->nlmsg_type = (uint16_t)type;
	b->h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	b->h->nlmsg_seq = 1;
}

static void nl_attr(nlbuf *b, int type, const void *data, size_t len)
{
	struct rtattr *a =
	    (struct rtattr *)(b->buf + NLMSG_ALIGN(b->h->nlmsg_len));
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	b->h->nlmsg_len =
	    (uint32_t)(NLMSG_ALIGN(b->h->nlmsg_len) + RTA_ALIGN(a->rta_len));
}

/* Send B on rtnetlink socket FD and read the kernel's answer: 0 or
 * -errno. */
static int nl_talk(int fd, nlbuf *b)
{
	if (send(fd, b->buf, b->h->nlmsg_len, 0) < 0)
		return -errno;
	char rbuf[1024];
	ssize_t n = recv(fd, rbuf, sizeof rbuf, 0);
	if (n < 0)
		return -errno;
	struct nlmsghdr *r = (struct nlmsghdr *)rbuf;
	if (!NLMSG_OK(r, (size_t)n) || r->nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	return ((struct nlmsgerr *)NLMSG_DATA(r))->error;
}

static int net_setup(unsigned ifindex, unsigned lo, uint32_t addr)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	nlbuf b;
	int rc;
	/* both links up (RTM_NEWLINK, IFF_UP) */
	unsigned links[2] = {lo, ifindex};
	for (int i = 0; i < 2; i++) {
		nl_init(&b, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
		struct ifinfomsg *ifi = NLMSG_DATA(b.h);
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = (int)links[i];
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
		if ((rc = nl_talk(fd, &b)) < 0)
			goto out;
	}
	/* the host's address, a /32 on the TUN device (RTM_NEWADDR) */
	nl_init(&b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
		sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = NLMSG_DATA(b.h);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_index = ifindex;
	uint32_t a = htonl(addr);
	nl_attr(&b, IFA_LOCAL, &a, 4);
	nl_attr(&b, IFA_ADDRESS, &a, 4);
	if ((rc = nl_talk(fd, &b)) < 0)
		goto out;
	/* every other address through it (RTM_NEWROUTE 0.0.0.0/0) */
	nl_init(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL,
		sizeof(struct rtmsg));
	struct rtmsg *rt = NLMSG_DATA(b.h);
	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_STATIC;
	rt->rtm_scope = RT_SCOPE_LINK;
	rt->rtm_type = RTN_UNICAST;
	nl_attr(&b, RTA_OIF, &ifindex, 4);
	nl_attr(&b, RTA_PREFSRC, &a, 4);
	rc = nl_talk(fd, &b);
out:
	close(fd);
	return rc;
}

/* ---- sysctls ---- */

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, val, strlen(val));
	int e = n < 0 ? -errno : 0;
	close(fd);
	return e;
}

/* Every knob of the host that is a sysctl, written in its namespace: the
 * trace's value, or the model's default (so that the namespace is the
 * model's Linux: tcp_congestion_control cubic, not the machine's). The
 * knob that fails, or -1. */
static int sysctls(const ts_host_decl *d)
{
	static const char *const ipv4 = "/proc/sys/net/ipv4/";
	char path[128], val[128];
	for (int k = 0; k < TS_NKNOBS; k++) {
		const ts_knob_info *ki = &ts_knobs[k];
		if (strchr(ki->name, '.'))
			continue; /* the second value of a knob */
		const int64_t *v = &d->knobs[k];
		if (k == TS_KNOB_ISN || k == TS_KNOB_HZ)
			continue; /* not sysctls (ts_kernel_unsupported) */
		if (k == TS_KNOB_RMEM_MAX || k == TS_KNOB_WMEM_MAX) {
			/* net.core: the machine's, not a namespace's; only
			 * when the trace sets them */
			if (!d->knob_set[k])
				continue;
			snprintf(path, sizeof path, "/proc/sys/net/core/%s",
				 ki->name);
			snprintf(val, sizeof val, "%lld", (long long)*v);
		} else if (k == TS_KNOB_TCP_CONGESTION_CONTROL) {
			snprintf(path, sizeof path, "%s%s", ipv4, ki->name);
			snprintf(val, sizeof val, "%s", ki->names[*v]);
		} else if (k == TS_KNOB_TCP_FASTOPEN_KEY) {
			if (!d->knob_set[k])
				continue;
			snprintf(path, sizeof path, "%s%s", ipv4, ki->name);
			snprintf(
			    val, sizeof val, "%08llx-%08llx-%08llx-%08llx",
			    (unsigned long long)v[0], (unsigned long long)v[1],
			    (unsigned long long)v[2], (unsigned long long)v[3]);
		} else {
			snprintf(path, sizeof path, "%s%s", ipv4, ki->name);
			if (ki->nvals == 3)
				snprintf(val, sizeof val, "%lld %lld %lld",
					 (long long)v[0], (long long)v[1],
					 (long long)v[2]);
			else if (ki->nvals == 2)
				snprintf(val, sizeof val, "%lld %lld",
					 (long long)v[0], (long long)v[1]);
			else
				snprintf(val, sizeof val, "%lld",
					 (long long)*v);
		}
		if (write_file(path, val) < 0 &&
		    k != TS_KNOB_TCP_CONGESTION_CONTROL)
			return k;
	}
	return -1;
}

/* ---- handing descriptors over ---- */

typedef struct setup_msg {
	int rc;      /* 0, or -errno */
	int badknob; /* the sysctl refused, -1 */
	char what[96];
	uint64_t netns;
} setup_msg;

static void send_fds(int sock, const setup_msg *m, const int *fds, int n)
{
	setup_msg copy = *m;
	struct iovec iov = {&copy, sizeof copy};
	char cbuf[CMSG_SPACE(2 * sizeof(int))];
	struct msghdr msg = {0};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (n) {
		memset(cbuf, 0, sizeof cbuf);
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)n * sizeof(int));
	}
	(void)sendmsg(sock, &msg, MSG_NOSIGNAL);
}

/* ---- the host's process ---- */

/* SIGPIPE is caught and counted, whatever the trace's disposition, so
 * that the call that raised it can say so; under the default disposition
 * the process then dies of it, as it would have (agent_call). */
static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

typedef struct agent {
	const ts_trace *t;
	int host;
	int *fd; /* variable -> descriptor, -1 */
	int sigpipe_ignored;
	char *buf;
	size_t cap;
} agent;

static uint64_t ino_of(int fd)
{
	struct stat st;
	return fd >= 0 && fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static int sockopt_of(int opt, int *level, int *name)
{
	static const int map[TS_NSOCKOPTS][2] = {
	    [TS_OPT_SO_LINGER] = {SOL_SOCKET, SO_LINGER},
	    [TS_OPT_SO_KEEPALIVE] = {SOL_SOCKET, SO_KEEPALIVE},
	    [TS_OPT_SO_REUSEADDR] = {SOL_SOCKET, SO_REUSEADDR},
	    [TS_OPT_TCP_KEEPIDLE] = {IPPROTO_TCP, TCP_KEEPIDLE},
	    [TS_OPT_TCP_KEEPINTVL] = {IPPROTO_TCP, TCP_KEEPINTVL},
	    [TS_OPT_TCP_KEEPCNT] = {IPPROTO_TCP, TCP_KEEPCNT},
	    [TS_OPT_TCP_USER_TIMEOUT] = {IPPROTO_TCP, TCP_USER_TIMEOUT},
	    [TS_OPT_SO_ERROR] = {SOL_SOCKET, SO_ERROR},
	    [TS_OPT_SO_SNDBUF] = {SOL_SOCKET, SO_SNDBUF},
	    [TS_OPT_SO_RCVBUF] = {SOL_SOCKET, SO_RCVBUF},
	    [TS_OPT_TCP_NODELAY] = {IPPROTO_TCP, TCP_NODELAY},
	    [TS_OPT_TCP_MAXSEG] = {IPPROTO_TCP, TCP_MAXSEG},
	    [TS_OPT_TCP_FASTOPEN] = {IPPROTO_TCP, TCP_FASTOPEN},
	    [TS_OPT_TCP_FASTOPEN_CONNECT] = {IPPROTO_TCP, TCP_FASTOPEN_CONNECT},
	    [TS_OPT_TCP_SYNCNT] = {IPPROTO_TCP, TCP_SYNCNT}};
	if (opt < 0 || opt >= TS_NSOCKOPTS)
		return -1;
	*level = map[opt][0];
	*name = map[opt][1];
	return 0;
}

static int need(agent *ag, int64_t n)
{
	size_t want = n > 0 ? (size_t)n : 1;
	if (want <= ag->cap)
		return 0;
	/* zeroed, and for a large one fresh pages the kernel maps as it
	 * reads them: a write of 100 MB that sends 46 KB touches 46 KB, and
	 * starts when the trace says (filling it took ~85 ms here, past
	 * --diff's tolerance) */
	char *b = calloc(1, want);
	if (!b)
		return -1;
	free(ag->buf);
	ag->buf = b;
	ag->cap = want;
	return 0;
}

static void sin_of(struct sockaddr_in *s, uint32_t addr, int port)
{
	memset(s, 0, sizeof *s);
	s->sin_family = AF_INET;
	s->sin_addr.s_addr = htonl(addr);
	s->sin_port = htons((uint16_t)port);
}

/* Run call C, as the trace wrote it, into R. */
static void agent_call(agent *ag, const ts_call *c, kh_rep *r)
{
	int fd = c->fd_var >= 0 ? ag->fd[c->fd_var] : -1;
	const ts_host_decl *hosts = ag->t->hosts;
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	long rc = -1;
	sigpipes = 0;
	errno = 0;
	r->began = kh_now();
	switch (c->id) {
	case TCPSIM_CALL_SOCKET:
		rc = socket(AF_INET, SOCK_STREAM, 0);
		if (rc >= 0) {
			/* A namespace other than the first may only make a
			 * congestion control of tcp_allowed_congestion_control
			 * its default (Linux
			 * tcp_set_default_congestion_control); a socket of a
			 * process with CAP_NET_ADMIN may take any
			 * (tcp_set_congestion_control). So each socket takes
			 * the host's, and accepted ones inherit it. */
			const char *cc =
			    ts_knobs[TS_KNOB_TCP_CONGESTION_CONTROL]
				.names[hosts[ag->host].knobs
					   [TS_KNOB_TCP_CONGESTION_CONTROL]];
			(void)setsockopt((int)rc, IPPROTO_TCP, TCP_CONGESTION,
					 cc, (socklen_t)strlen(cc));
		}
		break;
	case TCPSIM_CALL_BIND:
		sin_of(&sa, 0, (int)c->a);
		rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
		break;
	case TCPSIM_CALL_LISTEN:
		rc = listen(fd, (int)c->a);
		break;
	case TCPSIM_CALL_CONNECT:
		if (c->peer_host < 0) {
			struct sockaddr un = {.sa_family = AF_UNSPEC};
			rc = connect(fd, &un, sizeof un);
		} else {
			sin_of(&sa, hosts[c->peer_host].addr, (int)c->a);
			rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
		}
		break;
	case TCPSIM_CALL_ACCEPT:
		rc = accept(fd, NULL, NULL);
		break;
	case TCPSIM_CALL_WRITE:
	case TCPSIM_CALL_SEND:
	case TCPSIM_CALL_SENDTO:
		if (need(ag, c->a) < 0) {
			errno = ENOMEM;
			break;
		}
		if (c->id == TCPSIM_CALL_WRITE)
			rc = write(fd, ag->buf, (size_t)c->a);
		else if (c->id == TCPSIM_CALL_SEND)
			rc = send(fd, ag->buf, (size_t)c->a, c->flags);
		else {
			sin_of(&sa, hosts[c->peer_host].addr, (int)c->b);
			rc = sendto(fd, ag->buf, (size_t)c->a, c->flags,
				    (struct sockaddr *)&sa, sizeof sa);
		}
		break;
	case TCPSIM_CALL_READ:
	case TCPSIM_CALL_RECV:
		if (need(ag, c->a) < 0) {
			errno = ENOMEM;
			break;
		}
		rc = c->id == TCPSIM_CALL_READ
			 ? read(fd, ag->buf, (size_t)c->a)
			 : recv(fd, ag->buf, (size_t)c->a, c->flags);
		break;
	case TCPSIM_CALL_SHUTDOWN:
		rc = shutdown(fd, c->opt);
		break;
	case TCPSIM_CALL_CLOSE:
		rc = close(fd);
		break;
	case TCPSIM_CALL_SETSOCKOPT: {
		int level, name;
		if (sockopt_of(c->opt, &level, &name) < 0) {
			errno = ENOPROTOOPT;
			break;
		}
		if (c->opt == TS_OPT_SO_LINGER) {
			struct linger l = {(int)c->a, (int)c->b};
			rc = setsockopt(fd, level, name, &l, sizeof l);
		} else {
			int v = (int)c->a;
			rc = setsockopt(fd, level, name, &v, sizeof v);
		}
		break;
	}
	case TCPSIM_CALL_GETSOCKOPT: {
		int level, name, v = 0;
		socklen_t vl = sizeof v;
		if (sockopt_of(c->opt, &level, &name) < 0) {
			errno = ENOPROTOOPT;
			break;
		}
		if (c->opt == TS_OPT_SO_LINGER) {
			struct linger l;
			vl = sizeof l;
			rc = getsockopt(fd, level, name, &l, &vl);
			v = l.l_onoff;
		} else
			rc = getsockopt(fd, level, name, &v, &vl);
		if (rc == 0)
			rc = v;
		break;
	}
	case TCPSIM_CALL_FCNTL: {
		int fl = fcntl(fd, F_GETFL);
		rc = fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
		break;
	}
	case TCPSIM_CALL_GETPEERNAME:
	case TCPSIM_CALL_GETSOCKNAME:
		rc = c->id == TCPSIM_CALL_GETPEERNAME
			 ? getpeername(fd, (struct sockaddr *)&sa, &sl)
			 : getsockname(fd, (struct sockaddr *)&sa, &sl);
		if (rc == 0) {
			r->has_addr = 1;
			r->addr = ntohl(sa.sin_addr.s_addr);
			r->port = ntohs(sa.sin_port);
		}
		break;
	case TCPSIM_CALL_POLL: {
		struct pollfd p = {fd, (short)c->flags, 0};
		rc = poll(&p, 1, (int)c->a);
		if (rc >= 0)
			rc = p.revents;
		break;
	}
	case TCPSIM_CALL_SIGNAL:
		/* caught either way (on_sigpipe); the disposition is kept
		 * here, and signal() returns 0 as the model's does */
		ag->sigpipe_ignored = c->a != 0;
		rc = 0;
		break;
	}
	int e = errno;
	r->ended = kh_now();
	r->value = rc < 0 ? -1 : rc;
	r->err = rc < 0 ? e : 0;
	r->sigpipe = sigpipes > 0;
	if (rc >= 0 && c->bind_var >= 0)
		ag->fd[c->bind_var] = (int)rc;
	if (c->id == TCPSIM_CALL_CLOSE && rc == 0 && c->fd_var >= 0)
		ag->fd[c->fd_var] = -1;
	r->ino = ino_of(rc >= 0 && c->bind_var >= 0 ? (int)rc : fd);
	if (r->sigpipe && !ag->sigpipe_ignored)
		r->term_sig = SIGPIPE;
}

static void agent_loop(agent *ag)
{
	for (;;) {
		kh_req q;
		ssize_t n = recv(CTL_FD, &q, sizeof q, 0);
		if (n <= 0) {
			coverage_flush();
			_exit(0);
		}
		if (n != sizeof q || q.stmt < 0 || q.stmt >= ag->t->nstmts)
			_exit(3);
		kh_rep r;
		memset(&r, 0, sizeof r);
		r.stmt = q.stmt;
		agent_call(ag, &ag->t->stmts[q.stmt].u.call, &r);
		(void)send(CTL_FD, &r, sizeof r, MSG_NOSIGNAL);
		coverage_flush();
		if (r.term_sig) {
			/* the default disposition: die of it */
			signal(r.term_sig, SIG_DFL);
			raise(r.term_sig);
			_exit(128 + r.term_sig);
		}
	}
}

/* In the new process: the namespace, then the calls. Never returns. */
static void child(int sock, const ts_trace *t, int index, pid_t parent)
{
	setup_msg m;
	memset(&m, 0, sizeof m);
	m.badknob = -1;
	/* die with tcpsim, whatever kills it */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	int fds[2] = {-1, -1};
	struct ifreq ifr;
	struct stat st;
	const ts_host_decl *d = &t->hosts[index];
	if (unshare(CLONE_NEWNET) < 0) {
		m.rc = -errno;
		snprintf(m.what, sizeof m.what, "unshare(CLONE_NEWNET)");
		goto fail;
	}
	if (stat("/proc/self/ns/net", &st) == 0)
		m.netns = (uint64_t)st.st_ino;
	/* no IPv6 on the devices: the relay carries IPv4 only */
	(void)write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	(void)write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	fds[0] = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fds[0] < 0) {
		m.rc = -errno;
		snprintf(m.what, sizeof m.what, "open /dev/net/tun");
		goto fail;
	}
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "tcpsim0");
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (ioctl(fds[0], TUNSETIFF, &ifr) < 0) {
		m.rc = -errno;
		snprintf(m.what, sizeof m.what, "TUNSETIFF");
		goto fail;
	}
	int rc =
	    net_setup(if_nametoindex("tcpsim0"), if_nametoindex("lo"), d->addr);
	if (rc < 0) {
		m.rc = rc;
		snprintf(m.what, sizeof m.what, "rtnetlink (address, route)");
		goto fail;
	}
	m.badknob = sysctls(d);
	if (m.badknob >= 0) {
		m.rc = -EINVAL;
		snprintf(m.what, sizeof m.what, "sysctl %s",
			 ts_knobs[m.badknob].name);
		goto fail;
	}
	fds[1] =
	    socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fds[1] < 0) {
		m.rc = -errno;
		snprintf(m.what, sizeof m.what, "NETLINK_SOCK_DIAG");
		goto fail;
	}
	send_fds(sock, &m, fds, 2);
	coverage_flush();
	/* The process: descriptors 0-2 and the control socket only, so
	 * that sockets get the numbers the model gives them (3, 4, ...). */
	if (dup2(sock, CTL_FD) < 0)
		_exit(1);
	syscall(SYS_close_range, 3u, (unsigned)CTL_FD - 1, 0u);
	syscall(SYS_close_range, (unsigned)CTL_FD + 1, ~0u, 0u);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigpipe;
	sigaction(SIGPIPE, &sa, NULL);
	signal(SIGINT, SIG_IGN); /* tcpsim decides when it ends */
	agent ag = {t, index, NULL, 0, NULL, 0};
	ag.fd = malloc(((size_t)d->nvars + 1) * sizeof *ag.fd);
	if (!ag.fd)
		_exit(1);
	for (int i = 0; i < d->nvars; i++)
		ag.fd[i] = -1;
	agent_loop(&ag);
	_exit(0);
fail:
	send_fds(sock, &m, NULL, 0);
	coverage_flush();
	_exit(1);
}

static int recv_setup(int sock, setup_msg *m, int *fds)
{
	struct iovec iov = {m, sizeof *m};
	char cbuf[CMSG_SPACE(2 * sizeof(int))];
	struct msghdr msg = {0};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof cbuf;
	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n != (ssize_t)sizeof *m)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (m->rc == 0 && c && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(2 * sizeof(int)))
		memcpy(fds, CMSG_DATA(c), 2 * sizeof(int));
	return 0;
}

int kh_start(kh_host *h, const ts_trace *t, int index, char *msg, size_t cap,
	     int *badknob)
{
	*badknob = -1;
	h->pid = 0;
	h->ctl = h->tun = h->diag = -1;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(msg, cap, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(msg, cap, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], t, index, parent);
	}
	close(sv[1]);
	h->pid = pid;
	h->ctl = sv[0];
	setup_msg m;
	int fds[2] = {-1, -1};
	if (recv_setup(h->ctl, &m, fds) < 0) {
		snprintf(msg, cap,
			 "host %s: its process ended while setting "
			 "up",
			 t->hosts[index].name);
		kh_stop(h);
		return -1;
	}
	if (m.rc < 0 || fds[0] < 0 || fds[1] < 0) {
		snprintf(msg, cap, "host %s: %s: %s", t->hosts[index].name,
			 m.what, strerror(-m.rc));
		*badknob = m.badknob;
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		kh_stop(h);
		return -1;
	}
	h->tun = fds[0];
	h->diag = fds[1];
	h->netns = m.netns;
	return 0;
}

void kh_stop(kh_host *h)
{
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	h->pid = 0;
	kh_drop(h);
}

void kh_drop(kh_host *h)
{
	if (h->ctl >= 0)
		close(h->ctl);
	if (h->tun >= 0)
		close(h->tun);
	if (h->diag >= 0)
		close(h->diag);
	h->ctl = h->tun = h->diag = -1;
}
