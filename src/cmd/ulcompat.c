/* ulcompat.c - util-linux's message and argument conventions for ipcs and ipcrm. */
#include "cmd/ulcompat.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ul_warnx(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void ul_warn(const char *prog, int errnum, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(errnum));
}

int ul_try_help(const char *prog)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	return 1;
}

int ul_parse_s32(const char *prog, const char *what, const char *str, int *out)
{
	char *end = NULL;
	intmax_t v;

	if (!*str)
		goto bad;
	errno = 0;
	v = strtoimax(str, &end, 10);
	/* util-linux checks the conversion's errno before the trailing text. */
	if (errno == ERANGE || (!errno && end != str && !*end && (v < INT32_MIN || v > INT32_MAX))) {
		ul_warn(prog, ERANGE, "%s: '%s'", what, str);
		return -ERANGE;
	}
	if (errno || end == str || *end)
		goto bad;
	*out = (int)v;
	return 0;
bad:
	ul_warnx(prog, "%s: '%s'", what, str);
	return -EINVAL;
}

int ul_close_stdout(const char *prog)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (errno == EPIPE)
		return 0;
	if (errno)
		ul_warn(prog, errno, "write error");
	else
		ul_warnx(prog, "write error");
	return 1;
}
