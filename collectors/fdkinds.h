/* fdkinds.h - eventfd and signalfd objects from the fds procfd.c meets, and a process's
 * signals from its status. */
#ifndef IPCSCOPE_FDKINDS_H
#define IPCSCOPE_FDKINDS_H

#include "procfd.h"

#define FDKIND_KINDS (KIND_BIT(KIND_EVENTFD) | KIND_BIT(KIND_SIGNALFD) | KIND_BIT(KIND_SIGNAL))

/* The fd fdname of p links to link, an "anon_inode:[...]": an eventfd or a signalfd is read
 * (its fdinfo, nothing else), anything else costs nothing. */
void fdkinds_fd(struct fdscan *fs, struct proc *p, const char *link, int fdnum, const char *fdname);
/* After p's fds: its signals, when -t signal asked for them or p holds a signalfd. */
void fdkinds_proc(struct fdscan *fs, struct proc *p);
/* The end of the pass: what the joins kept. */
void fdkinds_finish(struct fdscan *fs);

/* Parsers, for the unit tests. 0 or -EINVAL. */
struct ipc_object;
int fdkinds_parse_eventfd(const char *fdinfo, struct ipc_object *o);
int fdkinds_parse_sigmask(const char *fdinfo, uint64_t *mask);
int fdkinds_parse_status(const char *status, struct ipc_object *o);

#endif
