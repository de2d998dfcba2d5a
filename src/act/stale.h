/* stale.h - what makes an object stale or in use, per kind, with the evidence for it.
 *
 * Each kind's rule lives in its row of the kinds table (kind_info.ops, kind_info.stale_rule);
 * this module dispatches to it and holds what the rules share. Nothing here removes. */
#ifndef IPCSCOPE_STALE_H
#define IPCSCOPE_STALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/object.h"

#define DEFAULT_OLDER_THAN 3600 /* seconds: clean --older-than 1h */

/* Reasons, joined with "; ". Where a function takes one, NULL asks for the verdict alone:
 * nothing is formatted (serve judges every object at every scan and words only the stale). */
struct evidence {
	char text[768];
	size_t len;
};

void evidence_init(struct evidence *e);
void evidence_add(struct evidence *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct stale_ctx {
	int64_t now;                  /* seconds since the epoch */
	int64_t older_than;           /* seconds of inactivity the rules require */
	const char *const *fifo_dirs; /* FIFOs are candidates only inside these; borrowed */
	size_t nfifo_dirs;
	bool holders_complete;        /* every process's fds and maps could be read */
};

void stale_ctx_init(struct stale_ctx *c, int64_t now);

/* A pid is gone when no process has it, or when the process that has it now started after
 * `at`, the moment the kernel recorded the pid: then it is a recycled pid. pid 0 (never
 * recorded) is gone too. An unknown start time keeps a live pid alive. */
bool pid_gone(const struct pid_ref *p, int64_t at);

/* True when o is stale under its kind's rule. ev gets every reason for, or the first reason
 * against. Kinds without a rule (pipes, sockets) are never stale. */
bool object_is_stale(const struct ipc_object *o, const struct stale_ctx *c, struct evidence *ev);
/* True when o is in use now: attached, open, mapped, waited on. ev names who. */
bool object_in_use(const struct ipc_object *o, struct evidence *ev);

/* Shared pieces of the rules. */
bool holders_none(const struct ipc_object *o, struct evidence *ev);
bool idle_for(const struct ipc_object *o, int64_t last, const struct stale_ctx *c,
	      struct evidence *ev);
bool pid_ref_gone(const char *role, const struct pid_ref *p, int64_t at, struct evidence *ev);

/* "90", "90s", "15m", "1h", "2d" -> seconds. 0 or -EINVAL. */
int parse_duration(const char *s, int64_t *seconds);

#endif
