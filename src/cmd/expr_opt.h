/* expr_opt.h - the -Q/--filter option of the commands that take it (core/expr.h). */
#ifndef IPCSCOPE_CMD_EXPR_OPT_H
#define IPCSCOPE_CMD_EXPR_OPT_H

#include "core/expr.h"

/* Parse text into *out (NULL before; the caller frees it). 0, or EXIT_USAGE after printing
 * "ipcscope: -Q: column N: MESSAGE", the expression and a caret under column N. */
int expr_option(const char *text, struct expr **out);

#endif
