/* common.h - what the commands share: one scan with errors reported, option helpers. */
#ifndef IPCSCOPE_CMD_COMMON_H
#define IPCSCOPE_CMD_COMMON_H

#include <stdbool.h>

#include "core/snapshot.h"

#define SCAN_LIMITS     0x1u /* fill the snapshot's limits */
#define SCAN_NO_HOLDERS 0x2u /* do not walk every process: no holders, pipes or sockets' fds */

/* Scan root (NULL: "/") for kinds into snap (initialised here), with SCAN_* flags. Returns 0,
 * or prints one line and returns EXIT_RUNTIME when nothing could be scanned. */
int scan_snapshot(const char *root, unsigned kinds, unsigned flags, struct snapshot *snap);
/* Each scan error as "ipcscope: SOURCE: MESSAGE" on stderr. */
void print_scan_errors(const struct snapshot *snap);

#endif
