/* collectors.c - the table of collectors, in the order they run: sources of objects first,
 * then the process side that joins holders to them. */
#include "collector.h"

extern const struct collector sysv_msg_collector;
extern const struct collector sysv_shm_collector;
extern const struct collector sysv_sem_collector;
extern const struct collector sysv_limits_collector;
extern const struct collector posix_mq_collector;
extern const struct collector posix_shm_collector;
extern const struct collector fifo_dir_collector;
extern const struct collector sockdiag_collector;
extern const struct collector locks_collector;
extern const struct collector procfd_collector;

const struct collector *const collectors[] = {
	&sysv_msg_collector,
	&sysv_shm_collector,
	&sysv_sem_collector,
	&sysv_limits_collector,
	&posix_mq_collector,
	&posix_shm_collector,
	&fifo_dir_collector,
	&sockdiag_collector,
	&locks_collector,
	/* last: it joins fds and mappings to every object above */
	&procfd_collector,
	NULL,
};
