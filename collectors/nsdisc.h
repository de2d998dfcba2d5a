/* nsdisc.h - discovery: which namespaces and containers the processes of a host are in.
 *
 * One listing of <root>/proc; per process the six links of ns/ (one readlinkat each), its
 * cgroup file, and its status only when it is in another pid namespace (for NSpid). The
 * result goes into snapshot procs, nss and containers, which the scan then uses to read
 * each namespace once, whatever the number of processes in it. */
#ifndef IPCSCOPE_NSDISC_H
#define IPCSCOPE_NSDISC_H

#include <stdint.h>

#include "collector.h"

/* "ipc:[4026531839]" read from the link at dirfd/path -> 4026531839; 0 when unreadable. */
uint64_t ns_link_inode(int dirfd, const char *path);
/* Fill snap->procs, nss, containers and self_ns. Errors go into snap. 0 or -errno (proc
 * could not be listed). */
int ns_discover(struct scan_ctx *ctx, struct snapshot *snap);
/* After the scan: the container of every object and holder, and the pids inside their
 * containers (NSpid) of holders and of the pids the kernel recorded. */
void ns_label(struct snapshot *snap);

#endif
