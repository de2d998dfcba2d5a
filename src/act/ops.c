/* ops.c - each removable kind's kind_ops (see ops.h), by kind. */
#include "act/ops.h"

#include "core/kinds.h"

extern const struct kind_ops sysv_msg_ops, sysv_shm_ops, sysv_sem_ops;
extern const struct kind_ops posix_mq_ops, posix_shm_ops, posix_sem_ops, fifo_ops;

const struct kind_ops *kind_ops_of(enum ipc_kind k)
{
	static const struct kind_ops *const ops[KIND__COUNT] = {
		[KIND_SYSV_MSG] = &sysv_msg_ops,   [KIND_SYSV_SHM] = &sysv_shm_ops,
		[KIND_SYSV_SEM] = &sysv_sem_ops,   [KIND_POSIX_MQ] = &posix_mq_ops,
		[KIND_POSIX_SHM] = &posix_shm_ops, [KIND_POSIX_SEM] = &posix_sem_ops,
		[KIND_FIFO] = &fifo_ops,
	};
	return (unsigned)k < KIND__COUNT ? ops[k] : NULL;
}
