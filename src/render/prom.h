/* prom.h - a snapshot as Prometheus text format (version 0.0.4), for `serve`'s /metrics.
 *
 * Labels stay bounded so that a busy host cannot blow up a scraper: kind, limit name and
 * unit, the container (the per-kind totals and the limits: one value per container), the
 * namespace (limits: one per IPC or mount namespace), and, for queues and shared memory
 * segments only, the object's identity. The number of those is capped by the kernel
 * (msgmni, queues_max, shmmni) and by the containers and namespaces of the host, never by
 * processes or objects of other kinds: no metric carries a pid. */
#ifndef IPCSCOPE_PROM_H
#define IPCSCOPE_PROM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/snapshot.h"

/* What the process serving the metrics knows beyond one snapshot. */
struct prom_stats {
	uint64_t scans;            /* scans completed since start */
	uint64_t scan_errors;      /* errors met by all of those scans */
	const bool *stale;         /* per object of the snapshot: is it stale? NULL: not known,
				    * and ipcscope_stale_objects is left out */
};

/* Bytes an object holds, the one figure per object that "bytes per kind" sums: queued bytes
 * for queues, pipes and FIFOs, the segment or file size for shared memory, both socket
 * queues for sockets. 0 when nothing is known. */
int64_t object_bytes(const struct ipc_object *o);

/* Write the metrics of snap to out. 0 or -EIO. */
int prom_render(FILE *out, const struct snapshot *snap, const struct prom_stats *st);

#endif
