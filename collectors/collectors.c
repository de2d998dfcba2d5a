/* collectors.c - the table of collectors, in the order they run: sources of objects first,
 * then the process side that joins holders to them. */
#include "collector.h"

extern const struct collector sysv_msg_collector;
extern const struct collector sysv_shm_collector;
extern const struct collector sysv_sem_collector;
extern const struct collector sysv_limits_collector;

const struct collector *const collectors[] = {
	&sysv_msg_collector,
	&sysv_shm_collector,
	&sysv_sem_collector,
	&sysv_limits_collector,
	NULL,
};
