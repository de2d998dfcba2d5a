/* expr_opt.c - -Q/--filter: a syntax error is one line naming the column, then the
 * expression with a caret under that column, as lsfd shows it. */
#include "cmd/expr_opt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/util.h"

int expr_option(const char *text, struct expr **out)
{
	struct expr_error err;
	size_t len;
	char *buf;

	if (*out) {
		fprintf(stderr, "ipcscope: -Q given twice: join the conditions with && in one\n");
		return EXIT_USAGE;
	}
	if (expr_parse(text, out, &err) == 0)
		return 0;
	fprintf(stderr, "ipcscope: -Q: column %zu: %s\n", err.column, err.msg);
	len = 2 * strnlen(text, EXPR_MAX_LEN) + 16;
	buf = xmalloc(len);
	fputs(expr_error_caret(text, &err, "  ", buf, len), stderr);
	free(buf);
	return EXIT_USAGE;
}
