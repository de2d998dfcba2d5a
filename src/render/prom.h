/* prom.h - a snapshot as Prometheus text format (version 0.0.4), for `serve`'s /metrics.
 *
 * Labels stay bounded so that a busy host cannot blow up a scraper: kind, limit name and
 * unit, and, for queues and shared memory segments only, the object's identity. The number
 * of those is capped by the kernel (msgmni, queues_max, shmmni), never by processes: no
 * metric carries a pid. */
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
	bool has_stale;            /* stale[] is filled */
	uint64_t stale[KIND__COUNT]; /* stale objects per kind in this snapshot */
};

/* Bytes an object holds, the one figure per object that "bytes per kind" sums: queued bytes
 * for queues, pipes and FIFOs, the segment or file size for shared memory, both socket
 * queues for sockets. 0 when nothing is known. */
int64_t object_bytes(const struct ipc_object *o);

/* Write the metrics of snap to out. 0 or -EIO. */
int prom_render(FILE *out, const struct snapshot *snap, const struct prom_stats *st);

#endif
