/* ipcstat.c - test helper: what the kernel's IPC_STAT says about one SysV object, as JSON,
 * so integration tests can compare ipcscope's output with the syscalls and not only with
 * /proc (which ipcscope itself reads).
 *
 * usage: ipcstat msg|shm|sem ID */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static void perm(const struct ipc_perm *p)
{
	printf("\"key\": \"0x%08x\", \"mode\": \"%04o\", \"uid\": %u, \"gid\": %u, \"cuid\": %u, \"cgid\": %u",
	       (unsigned)p->__key, p->mode & 0777, p->uid, p->gid, p->cuid, p->cgid);
}

int main(int argc, char **argv)
{
	int id;

	if (argc != 3 || (id = atoi(argv[2])) < 0) {
		fprintf(stderr, "usage: ipcstat msg|shm|sem ID\n");
		return 2;
	}
	if (!strcmp(argv[1], "msg")) {
		struct msqid_ds ds;

		if (msgctl(id, IPC_STAT, &ds) < 0)
			goto fail;
		printf("{");
		perm(&ds.msg_perm);
		printf(", \"qbytes\": %lu, \"cbytes\": %lu, \"qnum\": %lu, \"lspid\": %d, \"lrpid\": %d,"
		       " \"stime\": %ld, \"rtime\": %ld, \"ctime\": %ld}\n",
		       (unsigned long)ds.msg_qbytes, (unsigned long)ds.__msg_cbytes,
		       (unsigned long)ds.msg_qnum, ds.msg_lspid, ds.msg_lrpid, (long)ds.msg_stime,
		       (long)ds.msg_rtime, (long)ds.msg_ctime);
	} else if (!strcmp(argv[1], "shm")) {
		struct shmid_ds ds;

		if (shmctl(id, IPC_STAT, &ds) < 0)
			goto fail;
		printf("{");
		perm(&ds.shm_perm);
		printf(", \"status\": %u, \"size\": %zu, \"nattch\": %lu, \"cpid\": %d, \"lpid\": %d,"
		       " \"atime\": %ld, \"dtime\": %ld, \"ctime\": %ld}\n",
		       ds.shm_perm.mode & 03000, ds.shm_segsz, (unsigned long)ds.shm_nattch, ds.shm_cpid,
		       ds.shm_lpid, (long)ds.shm_atime, (long)ds.shm_dtime, (long)ds.shm_ctime);
	} else if (!strcmp(argv[1], "sem")) {
		struct semid_ds ds;
		union semun arg = {.buf = &ds};

		if (semctl(id, 0, IPC_STAT, arg) < 0)
			goto fail;
		printf("{");
		perm(&ds.sem_perm);
		printf(", \"nsems\": %lu, \"otime\": %ld, \"ctime\": %ld, \"semaphores\": [",
		       (unsigned long)ds.sem_nsems, (long)ds.sem_otime, (long)ds.sem_ctime);
		for (unsigned long i = 0; i < ds.sem_nsems; i++)
			printf("%s{\"value\": %d, \"ncount\": %d, \"zcount\": %d, \"pid\": %d}", i ? ", " : "",
			       semctl(id, (int)i, GETVAL), semctl(id, (int)i, GETNCNT),
			       semctl(id, (int)i, GETZCNT), semctl(id, (int)i, GETPID));
		printf("]}\n");
	} else {
		fprintf(stderr, "ipcstat: unknown kind '%s'\n", argv[1]);
		return 2;
	}
	return 0;
fail:
	fprintf(stderr, "ipcstat: %s %d: %s\n", argv[1], id, strerror(errno));
	return 1;
}
