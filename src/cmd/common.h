/* common.h - what the commands share: one scan with errors reported, option helpers. */
#ifndef IPCSCOPE_CMD_COMMON_H
#define IPCSCOPE_CMD_COMMON_H

#include <stdbool.h>
#include <stdio.h>

#include "core/snapshot.h"

#define SCAN_LIMITS     0x1u /* fill the snapshot's limits */
#define SCAN_NO_HOLDERS 0x2u /* do not walk every process: no holders, pipes or sockets' fds */
#define SCAN_ALL_NS     0x4u /* every namespace of the host (as root), or those of -N */

/* -N/--namespace WHAT, repeatable: what scan_snapshot with SCAN_ALL_NS restricts itself to.
 * WHAT is kept (borrowed). */
void scan_select_namespace(const char *what);
/* The selection so far, or NULL when -N was not given. */
const struct ns_select *scan_namespace_selection(void);

/* --root DIR must be a captured system (a directory with proc/ in it): 0, or one line
 * printed and EXIT_RUNTIME. NULL and "/" are the live system. */
int check_root(const char *root);

/* Scan root (NULL: "/") for kinds into snap (initialised here), with SCAN_* flags. Returns 0,
 * or prints one line and returns EXIT_RUNTIME when nothing could be scanned. */
int scan_snapshot(const char *root, unsigned kinds, unsigned flags, struct snapshot *snap);
/* Each deadlock the scan found (of the object o only, when o is given) as one line
 * "PREFIX: pid (comm) waits (what) on IDENTITY, held by ...", to out. */
void print_deadlocks(FILE *out, const char *prefix, const struct snapshot *snap,
		     const struct ipc_object *o);
/* Each scan error as "ipcscope: SOURCE: MESSAGE" on stderr. */
void print_scan_errors(const struct snapshot *snap);

/* A comma-separated option value (-t, -o, -p) with an empty item ("a,,b", "a,", ",a") is
 * refused alike for every option: 0, or the usage error printed and EXIT_USAGE. */
int check_list(const char *cmd, const char *opt, const char *arg);

/* Help text that fits 80 columns: prefix, then text broken after any of the characters of
 * breaks (or blanks) so that no line is longer; continuation lines indented by two. */
void print_wrapped(const char *prefix, const char *text, const char *breaks);
/* text with every line longer than 80 columns wrapped at a blank, its continuation under
 * the line's description (for help texts written wider). */
void fputs_help(FILE *out, const char *text);
/* fputs_help of what text() writes (a help text written wider than 80 columns). */
void fputs_help_of(FILE *out, void (*text)(FILE *));
/* "  NAME  text" with NAME padded to width, text wrapped at 80 under itself. */
void print_help_item(const char *name, int width, const char *text);
/* One line (or more, wrapped at 80) of a command's "Available output columns". */
struct column;
void print_column_help(const struct column *c);

/* Unreadable processes are summed up in one line (how many, the first few pids); the rest
 * of the errors one line each, "ipcscope: SOURCE: MESSAGE" on stderr. */

#endif
