/*
 * errno_tab.h - the simulated errno values, names and messages.
 *
 * They are Linux's (asm-generic/errno-base.h, errno.h) with glibc's messages,
 * from this table and never from the host's <errno.h>, so that a report is
 * the same on every machine.
 */
#ifndef TS_ERRNO_TAB_H
#define TS_ERRNO_TAB_H

typedef enum ts_errno {
	TS_OK = 0,
	TS_EINTR = 4,
	TS_EBADF = 9,
	TS_EAGAIN = 11,
	TS_ENOMEM = 12,
	TS_EFAULT = 14,
	TS_EINVAL = 22,
	TS_EMFILE = 24,
	TS_EPIPE = 32,
	TS_ENOTSOCK = 88,
	TS_ENOPROTOOPT = 92,
	TS_EPROTONOSUPPORT = 93,
	TS_EOPNOTSUPP = 95,
	TS_EAFNOSUPPORT = 97,
	TS_EADDRINUSE = 98,
	TS_EADDRNOTAVAIL = 99,
	TS_ENETUNREACH = 101,
	TS_ECONNABORTED = 103,
	TS_ECONNRESET = 104,
	TS_ENOBUFS = 105,
	TS_EISCONN = 106,
	TS_ENOTCONN = 107,
	TS_ETIMEDOUT = 110,
	TS_ECONNREFUSED = 111,
	TS_EHOSTUNREACH = 113,
	TS_EALREADY = 114,
	TS_EINPROGRESS = 115
} ts_errno;

/* "ECONNRESET"; NULL for a value not in the table. */
const char *ts_errno_name(ts_errno e);
/* "Connection reset by peer"; NULL for a value not in the table. */
const char *ts_errno_msg(ts_errno e);
/* The value named NAME ("EPIPE"), or -1 when unknown. EWOULDBLOCK = EAGAIN. */
int ts_errno_lookup(const char *name, int len);

#endif
