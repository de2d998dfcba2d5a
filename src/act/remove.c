/* remove.c - IPC_RMID and IPC_STAT by kind, with errno turned into a return value. */
#include "act/remove.h"

#include <errno.h>
#include <stddef.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

/* The caller defines semun for semctl (SUSv3); IPC_RMID and IPC_STAT need only .buf. */
union sysv_semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

int sysv_remove(enum ipc_kind kind, int id)
{
	union sysv_semun arg = {.val = 0};
	int rc;

	switch (kind) {
	case KIND_SYSV_MSG:
		rc = msgctl(id, IPC_RMID, NULL);
		break;
	case KIND_SYSV_SHM:
		rc = shmctl(id, IPC_RMID, NULL);
		break;
	case KIND_SYSV_SEM:
		rc = semctl(id, 0, IPC_RMID, arg);
		break;
	default:
		return -EINVAL;
	}
	return rc < 0 ? -errno : 0;
}

int sysv_readable(enum ipc_kind kind, int id)
{
	struct msqid_ds mds;
	struct shmid_ds sds;
	struct semid_ds eds;
	union sysv_semun arg = {.buf = &eds};
	int rc;

	switch (kind) {
	case KIND_SYSV_MSG:
		rc = msgctl(id, IPC_STAT, &mds);
		break;
	case KIND_SYSV_SHM:
		rc = shmctl(id, IPC_STAT, &sds);
		break;
	case KIND_SYSV_SEM:
		rc = semctl(id, 0, IPC_STAT, arg);
		break;
	default:
		return -EINVAL;
	}
	return rc < 0 ? -errno : 0;
}
