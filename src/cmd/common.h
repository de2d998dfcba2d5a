/* common.h - what the commands share: one scan with errors reported, option helpers. */
#ifndef IPCSCOPE_CMD_COMMON_H
#define IPCSCOPE_CMD_COMMON_H

#include <stdbool.h>

#include "core/snapshot.h"

/* Scan root (NULL: "/") for kinds into snap (initialised here). Returns 0, or prints one
 * line and returns EXIT_RUNTIME when nothing could be scanned. */
int scan_snapshot(const char *root, unsigned kinds, bool want_limits, struct snapshot *snap);
/* Each scan error as "ipcscope: SOURCE: MESSAGE" on stderr. */
void print_scan_errors(const struct snapshot *snap);

#endif
