/* prom.h - a snapshot as Prometheus text format (version 0.0.4), for `serve`'s /metrics.
 *
 * Labels stay bounded so that a busy host cannot blow up a scraper: kind, limit name and
 * unit, the container (the per-kind totals and the limits: one value per container), the
 * namespace (limits: one per IPC or mount namespace), the runtime (containers), and, for
 * the st->top fullest queues and largest SysV segments only, the object's identity. The
 * busiest PROM_MAX_CONTAINERS containers have their own label, the others share
 * PROM_OTHER_CONTAINERS. So the count of series is bounded by those numbers and by the
 * namespaces of the host, never by objects or processes: no metric carries a pid. */
#ifndef IPCSCOPE_PROM_H
#define IPCSCOPE_PROM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/snapshot.h"

/* What the process serving the metrics knows beyond one snapshot. */
#define PROM_TOP_DEFAULT 50         /* --metrics-top */
#define PROM_MAX_CONTAINERS 50      /* containers with a label of their own */
#define PROM_OTHER_CONTAINERS "(other)" /* the container label of the rest */

struct prom_stats {
	size_t top;                /* per-object series for this many queues and segments */
	uint64_t scans;            /* scans completed since start; 0: not a server, and the
				    * counters are left out */
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
