/* cmd.h - the subcommands. Each lives in its own file, parses its own options and is the
 * only place that prints. Every command returns its exit status: 0 ok, 1 runtime error,
 * 2 usage error. */
#ifndef IPCSCOPE_CMD_H
#define IPCSCOPE_CMD_H

#include <stdio.h>

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_limits(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_ipcs(int argc, char **argv);
int cmd_ipcrm(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/* "ipcscope: <message>\n" on stderr; return EXIT_RUNTIME / EXIT_USAGE for `return error(...)`. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A write to stdout failed: keep errno for main's one "write error: REASON" at exit (the
 * calls after the failure may clear errno) and return EXIT_RUNTIME. */
int write_failed(void);
/* The errno write_failed kept, 0 when none. */
extern int stdout_errno;

#endif
