/*
 * errno_tab.c - Linux errno values with glibc's strerror() texts.
 */
#include "base/errno_tab.h"

#include <string.h>

static const struct {
	ts_errno e;
	const char *name;
	const char *msg;
} tab[] = {
    {TS_EINTR, "EINTR", "Interrupted system call"},
    {TS_EBADF, "EBADF", "Bad file descriptor"},
    {TS_EAGAIN, "EAGAIN", "Resource temporarily unavailable"},
    {TS_ENOMEM, "ENOMEM", "Cannot allocate memory"},
    {TS_EFAULT, "EFAULT", "Bad address"},
    {TS_EINVAL, "EINVAL", "Invalid argument"},
    {TS_EMFILE, "EMFILE", "Too many open files"},
    {TS_EPIPE, "EPIPE", "Broken pipe"},
    {TS_ENOTSOCK, "ENOTSOCK", "Socket operation on non-socket"},
    {TS_ENOPROTOOPT, "ENOPROTOOPT", "Protocol not available"},
    {TS_EPROTONOSUPPORT, "EPROTONOSUPPORT", "Protocol not supported"},
    {TS_EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported"},
    {TS_EAFNOSUPPORT, "EAFNOSUPPORT",
     "Address family not supported by protocol"},
    {TS_EADDRINUSE, "EADDRINUSE", "Address already in use"},
    {TS_EADDRNOTAVAIL, "EADDRNOTAVAIL", "Cannot assign requested address"},
    {TS_ENETUNREACH, "ENETUNREACH", "Network is unreachable"},
    {TS_ECONNABORTED, "ECONNABORTED", "Software caused connection abort"},
    {TS_ECONNRESET, "ECONNRESET", "Connection reset by peer"},
    {TS_ENOBUFS, "ENOBUFS", "No buffer space available"},
    {TS_EISCONN, "EISCONN", "Transport endpoint is already connected"},
    {TS_ENOTCONN, "ENOTCONN", "Transport endpoint is not connected"},
    {TS_ETIMEDOUT, "ETIMEDOUT", "Connection timed out"},
    {TS_ECONNREFUSED, "ECONNREFUSED", "Connection refused"},
    {TS_EHOSTUNREACH, "EHOSTUNREACH", "No route to host"},
    {TS_EALREADY, "EALREADY", "Operation already in progress"},
    {TS_EINPROGRESS, "EINPROGRESS", "Operation now in progress"},
};

#define NTAB (sizeof tab / sizeof tab[0])

const char *ts_errno_name(ts_errno e)
{
	for (size_t i = 0; i < NTAB; i++)
		if (tab[i].e == e)
			return tab[i].name;
	return NULL;
}

const char *ts_errno_msg(ts_errno e)
{
	for (size_t i = 0; i < NTAB; i++)
		if (tab[i].e == e)
			return tab[i].msg;
	return NULL;
}

int ts_errno_lookup(const char *name, int len)
{
	if (len == 11 && memcmp(name, "EWOULDBLOCK", 11) == 0)
		return TS_EAGAIN;
	for (size_t i = 0; i < NTAB; i++)
		if ((int)strlen(tab[i].name) == len &&
		    memcmp(tab[i].name, name, (size_t)len) == 0)
			return (int)tab[i].e;
	return -1;
}
