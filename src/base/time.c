/*
 * time.c - formatting of virtual times for the report. Integer arithmetic
 * only, so the output does not depend on the C library's float formatting.
 */
#include "base/time.h"

#include <inttypes.h>
#include <stdio.h>

char *ts_time_fmt(ts_time t, char *buf, size_t n)
{
	const char *sign = "";
	if (t < 0) {
		sign = "-";
		t = -t;
	}
	snprintf(buf, n, "%s%" PRId64 ".%06" PRId64, sign, t / 1000000,
		 t % 1000000);
	return buf;
}

char *ts_dur_fmt(ts_time t, char *buf, size_t n)
{
	if (t % 1000000 == 0)
		snprintf(buf, n, "%" PRId64 "s", t / 1000000);
	else if (t % 1000 == 0)
		snprintf(buf, n, "%" PRId64 "ms", t / 1000);
	else
		snprintf(buf, n, "%" PRId64 "us", t);
	return buf;
}
