/* ops_sysv.c - stale rules, in-use checks, recheck, backup, removal and restore of System V
 * message queues, shared memory segments and semaphore sets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "act/backup.h"
#include "act/ops.h"
#include "act/remove.h"
#include "core/kinds.h"
#include "core/util.h"

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static int64_t max3(int64_t a, int64_t b, int64_t c)
{
	int64_t m = a > b ? a : b;
	return m > c ? m : c;
}

/* ---- stale rules ---- */

static bool msg_stale(const struct ipc_object *o, const struct stale_ctx *c, struct evidence *ev)
{
	bool s = pid_ref_gone("last sender", &obj_ipc(o)->lspid, obj_ipc(o)->stime, ev);

	s &= pid_ref_gone("last receiver", &obj_ipc(o)->lrpid, obj_ipc(o)->rtime, ev);
	s &= idle_for(o, max3(obj_ipc(o)->stime, obj_ipc(o)->rtime, o->ctime), c, ev);
	return s;
}

static bool shm_stale(const struct ipc_object *o, const struct stale_ctx *c, struct evidence *ev)
{
	bool s = obj_ipc(o)->nattch == 0;

	if (obj_ipc(o)->nattch == 0)
		evidence_add(ev, "nattch 0");
	else
		evidence_add(ev, "nattch %lld", (long long)obj_ipc(o)->nattch);
	if (!holders_none(o, ev))
		s = false;
	s &= pid_ref_gone("creator", &obj_ipc(o)->cpid, o->ctime, ev);
	s &= pid_ref_gone("last attach/detach", &obj_ipc(o)->lpid, obj_ipc(o)->atime > obj_ipc(o)->dtime ? obj_ipc(o)->atime : obj_ipc(o)->dtime, ev);
	s &= idle_for(o, max3(obj_ipc(o)->atime, obj_ipc(o)->dtime, o->ctime), c, ev);
	return s;
}

static bool sem_stale(const struct ipc_object *o, const struct stale_ctx *c, struct evidence *ev)
{
	bool s = true, waiters = false;

	if (!obj_ipc(o)->sems) {
		evidence_add(ev, "semaphore values unreadable: cannot prove it unused");
		return false;
	}
	for (int64_t i = 0; i < obj_ipc(o)->nsems; i++) {
		const struct sem_elem *e = &obj_ipc(o)->sems[i];
		bool seen = false;

		if (e->ncount || e->zcount) {
			evidence_add(ev, "semaphore %lld has waiters (ncount %d, zcount %d)", (long long)i,
				     e->ncount, e->zcount);
			waiters = true;
		}
		for (int64_t j = 0; j < i; j++)
			seen |= obj_ipc(o)->sems[j].pid.pid == e->pid.pid;
		if (!seen && e->pid.pid > 0)
			s &= pid_ref_gone("last-op", &e->pid, obj_ipc(o)->otime, ev);
	}
	if (!waiters)
		evidence_add(ev, "no waiters");
	s &= !waiters;
	s &= idle_for(o, obj_ipc(o)->otime > o->ctime ? obj_ipc(o)->otime : o->ctime, c, ev);
	return s;
}

/* ---- in use ---- */

static bool live(const char *role, const struct pid_ref *p, int64_t at, struct evidence *ev)
{
	if (pid_gone(p, at))
		return false;
	evidence_add(ev, "%s %d (%s) alive", role, (int)p->pid, p->comm);
	return true;
}

static bool msg_in_use(const struct ipc_object *o, struct evidence *ev)
{
	bool u = live("last sender", &obj_ipc(o)->lspid, obj_ipc(o)->stime, ev);

	u |= live("last receiver", &obj_ipc(o)->lrpid, obj_ipc(o)->rtime, ev);
	return u;
}

static bool shm_in_use(const struct ipc_object *o, struct evidence *ev)
{
	bool u = !holders_none(o, ev);

	if (obj_ipc(o)->nattch > 0) {
		evidence_add(ev, "attached %lld times", (long long)obj_ipc(o)->nattch);
		u = true;
	}
	return u;
}

static bool sem_in_use(const struct ipc_object *o, struct evidence *ev)
{
	bool u = false;

	for (int64_t i = 0; obj_ipc(o)->sems && i < obj_ipc(o)->nsems; i++) {
		const struct sem_elem *e = &obj_ipc(o)->sems[i];

		if (e->ncount || e->zcount) {
			evidence_add(ev, "semaphore %lld has waiters (ncount %d, zcount %d)", (long long)i,
				     e->ncount, e->zcount);
			u = true;
		}
		u |= live("last-op", &e->pid, obj_ipc(o)->otime, ev);
	}
	return u;
}

/* ---- recheck: the same object, still unused ---- */

static int same_perm(const struct ipc_object *o, const struct ipc_perm *p, int64_t ctime,
		     struct evidence *why)
{
	if ((uint32_t)p->__key != o->key || ctime != o->ctime || p->cuid != obj_ipc(o)->cuid) {
		evidence_add(why, "id %lld is another object now (key 0x%08x, ctime %lld, cuid %u)",
			     (long long)o->id, (unsigned)p->__key, (long long)ctime, (unsigned)p->cuid);
		return -ESTALE;
	}
	return 0;
}

static int gone_or(int err, struct evidence *why)
{
	if (err == EINVAL || err == EIDRM) {
		evidence_add(why, "gone since the scan");
		return -ESTALE;
	}
	evidence_add(why, "cannot re-read it: %s", strerror(err));
	return -err;
}

static int msg_recheck(const struct ipc_object *o, bool force, struct evidence *why)
{
	struct msqid_ds ds;
	int rc;

	if (msgctl((int)o->id, IPC_STAT, &ds) < 0)
		return gone_or(errno, why);
	rc = same_perm(o, &ds.msg_perm, ds.msg_ctime, why);
	if (rc || force)
		return rc;
	if (ds.msg_stime != obj_ipc(o)->stime || ds.msg_rtime != obj_ipc(o)->rtime) {
		evidence_add(why, "used since the scan (last sender %d, last receiver %d)",
			     (int)ds.msg_lspid, (int)ds.msg_lrpid);
		return -EBUSY;
	}
	return 0;
}

static int shm_recheck(const struct ipc_object *o, bool force, struct evidence *why)
{
	struct shmid_ds ds;
	int rc;

	if (shmctl((int)o->id, IPC_STAT, &ds) < 0)
		return gone_or(errno, why);
	rc = same_perm(o, &ds.shm_perm, ds.shm_ctime, why);
	if (rc || force)
		return rc;
	if (ds.shm_nattch > 0) {
		evidence_add(why, "attached now (nattch %lu, last pid %d)", (unsigned long)ds.shm_nattch,
			     (int)ds.shm_lpid);
		return -EBUSY;
	}
	return 0;
}

static int sem_recheck(const struct ipc_object *o, bool force, struct evidence *why)
{
	struct semid_ds ds;
	union semun arg = {.buf = &ds};
	int rc;

	if (semctl((int)o->id, 0, IPC_STAT, arg) < 0)
		return gone_or(errno, why);
	rc = same_perm(o, &ds.sem_perm, ds.sem_ctime, why);
	if (rc || force)
		return rc;
	if (ds.sem_otime != obj_ipc(o)->otime) {
		evidence_add(why, "operated on since the scan");
		return -EBUSY;
	}
	for (unsigned long i = 0; i < ds.sem_nsems; i++) {
		int n = semctl((int)o->id, (int)i, GETNCNT), z = semctl((int)o->id, (int)i, GETZCNT);

		if (n > 0 || z > 0) {
			evidence_add(why, "semaphore %lu has waiters now", i);
			return -EBUSY;
		}
	}
	return 0;
}

/* ---- backup ---- */

static void meta_perm(json_t *meta, const struct ipc_perm *p)
{
	json_object_set_new(meta, "key", json_integer((json_int_t)(uint32_t)p->__key));
	json_object_set_new(meta, "mode", json_integer(p->mode & 0777));
	json_object_set_new(meta, "uid", json_integer(p->uid));
	json_object_set_new(meta, "gid", json_integer(p->gid));
}

static int msg_backup(const struct ipc_object *o, int dirfd, json_t *meta, bool *consumed)
{
	struct msqid_ds ds;
	struct bytes b = {0};
	struct { long mtype; char mtext[]; } *buf = NULL;
	size_t max;
	long n = 0;
	int rc = 0;

	if (msgctl((int)o->id, IPC_STAT, &ds) < 0)
		return -errno;
	meta_perm(meta, &ds.msg_perm);
	json_object_set_new(meta, "qbytes", json_integer((json_int_t)ds.msg_qbytes));
	max = ds.msg_qbytes ? ds.msg_qbytes : 1;
	buf = xmalloc(sizeof(*buf) + max);
	/* MSG_COPY reads message n without taking it off the queue (CONFIG_CHECKPOINT_RESTORE). */
	json_object_set_new(meta, "read_by", json_string("MSG_COPY"));
	for (n = 0; n < (long)ds.msg_qnum; n++) {
		ssize_t r = msgrcv((int)o->id, buf, max, n, IPC_NOWAIT | MSG_COPY | MSG_NOERROR);

		if (r < 0 && (errno == ENOSYS || errno == EINVAL) && n == 0)
			goto receive;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		bytes_put_record(&b, buf->mtype, buf->mtext, (size_t)r);
	}
	goto write;
receive:
	/* No MSG_COPY in this kernel: the messages are taken off as part of the removal. */
	json_object_set_new(meta, "read_by", json_string("msgrcv"));
	*consumed = true;
	for (;;) {
		ssize_t r = msgrcv((int)o->id, buf, max, 0, IPC_NOWAIT | MSG_NOERROR);

		if (r < 0 && errno == ENOMSG)
			break;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		bytes_put_record(&b, buf->mtype, buf->mtext, (size_t)r);
		n++;
	}
write:
	json_object_set_new(meta, "messages", json_integer(n));
	rc = write_file_at(dirfd, "messages.bin", b.data, b.len);
	if (rc && *consumed) {
		/* Not saved: give the queue its messages back, in order, and keep it. */
		size_t off = 0, len;
		const unsigned char *p;
		int64_t tag;

		while (bytes_next_record(b.data, b.len, &off, &tag, &p, &len) == 1) {
			buf->mtype = (long)tag;
			memcpy(buf->mtext, p, len);
			if (msgsnd((int)o->id, buf, len, IPC_NOWAIT) < 0)
				break;
		}
		*consumed = false;
	}
out:
	free(buf);
	bytes_release(&b);
	return rc;
}

static int shm_backup(const struct ipc_object *o, int dirfd, json_t *meta, bool *consumed)
{
	struct shmid_ds ds;
	void *p;
	int rc;

	(void)consumed;
	if (shmctl((int)o->id, IPC_STAT, &ds) < 0)
		return -errno;
	meta_perm(meta, &ds.shm_perm);
	json_object_set_new(meta, "size", json_integer((json_int_t)ds.shm_segsz));
	p = shmat((int)o->id, NULL, SHM_RDONLY);
	if (p == (void *)-1)
		return -errno;
	rc = write_file_at(dirfd, "data.bin", p, ds.shm_segsz);
	shmdt(p);
	return rc;
}

static int sem_backup(const struct ipc_object *o, int dirfd, json_t *meta, bool *consumed)
{
	struct semid_ds ds;
	union semun arg = {.buf = &ds};
	unsigned short *vals;
	json_t *a;
	int rc = 0;

	(void)dirfd;
	(void)consumed;
	if (semctl((int)o->id, 0, IPC_STAT, arg) < 0)
		return -errno;
	meta_perm(meta, &ds.sem_perm);
	vals = xcalloc(ds.sem_nsems, sizeof(*vals));
	arg.array = vals;
	if (semctl((int)o->id, 0, GETALL, arg) < 0) {
		rc = -errno;
		goto out;
	}
	a = json_array();
	for (unsigned long i = 0; i < ds.sem_nsems; i++)
		json_array_append_new(a, json_integer(vals[i]));
	json_object_set_new(meta, "values", a);
out:
	free(vals);
	return rc;
}

/* ---- remove ---- */

static int sysv_ops_remove(const struct ipc_object *o)
{
	return sysv_remove(o->kind, (int)o->id);
}

/* ---- restore ---- */

struct perm_meta {
	key_t key;
	int mode;
	uid_t uid;
	gid_t gid;
};

static int read_perm(json_t *meta, struct perm_meta *p, struct evidence *why)
{
	json_int_t key, mode, uid, gid;

	if (json_unpack(meta, "{s:I, s:I, s:I, s:I}", "key", &key, "mode", &mode, "uid", &uid, "gid",
			&gid) < 0) {
		evidence_add(why, "meta.json lacks key, mode, uid or gid");
		return -EINVAL;
	}
	p->key = (key_t)(uint32_t)key;
	p->mode = (int)mode & 0777;
	p->uid = (uid_t)uid;
	p->gid = (gid_t)gid;
	return 0;
}

/* meta gets "new_id", the id the kernel gave the object made again (restore prints it: an
 * id is never the saved one's). */
static int created(json_t *meta, int id, struct evidence *why, key_t key)
{
	if (id >= 0) {
		json_object_set_new(meta, "new_id", json_integer(id));
		return 0;
	}
	if (errno == EEXIST) {
		evidence_add(why, "an object with key 0x%08x exists: not overwritten", (unsigned)key);
		return -EEXIST;
	}
	evidence_add(why, "cannot create: %s", strerror(errno));
	return -errno;
}

static int msg_restore(json_t *meta, int dirfd, struct evidence *why)
{
	struct perm_meta pm;
	struct msqid_ds ds;
	json_int_t qbytes = 0;
	char *data = NULL;
	size_t len = 0, off = 0;
	struct { long mtype; char mtext[]; } *buf = NULL;
	int id, rc;

	rc = read_perm(meta, &pm, why);
	if (rc)
		return rc;
	json_unpack(meta, "{s?I}", "qbytes", &qbytes);
	rc = read_file_at(dirfd, "messages.bin", 1u << 30, &data, &len);
	if (rc) {
		evidence_add(why, "messages.bin: %s", strerror(-rc));
		return rc;
	}
	id = msgget(pm.key, IPC_CREAT | IPC_EXCL | pm.mode);
	rc = created(meta, id, why, pm.key);
	if (rc)
		goto out;
	if (msgctl(id, IPC_STAT, &ds) == 0) {
		ds.msg_perm.uid = pm.uid;
		ds.msg_perm.gid = pm.gid;
		if (qbytes > 0)
			ds.msg_qbytes = (msglen_t)qbytes;
		if (msgctl(id, IPC_SET, &ds) < 0)
			evidence_add(why, "owner and qbytes not restored: %s", strerror(errno));
	}
	for (;;) {
		const unsigned char *p;
		size_t n;
		int64_t tag;
		int r = bytes_next_record((unsigned char *)data, len, &off, &tag, &p, &n);

		if (r == 0)
			break;
		if (r < 0 || tag <= 0) {
			evidence_add(why, "messages.bin is damaged");
			rc = -EINVAL;
			goto undo;
		}
		free(buf);
		buf = xmalloc(sizeof(*buf) + n);
		buf->mtype = (long)tag;
		memcpy(buf->mtext, p, n);
		if (msgsnd(id, buf, n, IPC_NOWAIT) < 0) {
			rc = -errno;
			evidence_add(why, "msgsnd: %s", strerror(errno));
			goto undo;
		}
	}
	goto out;
undo:
	msgctl(id, IPC_RMID, NULL);
out:
	free(buf);
	free(data);
	return rc;
}

static int shm_restore(json_t *meta, int dirfd, struct evidence *why)
{
	struct perm_meta pm;
	struct shmid_ds ds;
	json_int_t size = 0;
	char *data = NULL;
	size_t len = 0;
	void *p;
	int id, rc;

	rc = read_perm(meta, &pm, why);
	if (rc)
		return rc;
	if (json_unpack(meta, "{s:I}", "size", &size) < 0 || size <= 0) {
		evidence_add(why, "meta.json lacks size");
		return -EINVAL;
	}
	rc = read_file_at(dirfd, "data.bin", (size_t)size + 1, &data, &len);
	if (rc || len != (size_t)size) {
		evidence_add(why, "data.bin is missing or not %lld bytes", (long long)size);
		rc = rc ? rc : -EINVAL;
		goto out;
	}
	id = shmget(pm.key, (size_t)size, IPC_CREAT | IPC_EXCL | pm.mode);
	rc = created(meta, id, why, pm.key);
	if (rc)
		goto out;
	p = shmat(id, NULL, 0);
	if (p == (void *)-1) {
		rc = -errno;
		evidence_add(why, "shmat: %s", strerror(errno));
		shmctl(id, IPC_RMID, NULL);
		goto out;
	}
	memcpy(p, data, len);
	shmdt(p);
	if (shmctl(id, IPC_STAT, &ds) == 0) {
		ds.shm_perm.uid = pm.uid;
		ds.shm_perm.gid = pm.gid;
		if (shmctl(id, IPC_SET, &ds) < 0)
			evidence_add(why, "owner not restored: %s", strerror(errno));
	}
out:
	free(data);
	return rc;
}

static int sem_restore(json_t *meta, int dirfd, struct evidence *why)
{
	struct perm_meta pm;
	struct semid_ds ds;
	union semun arg;
	unsigned short *vals = NULL;
	json_t *a = json_object_get(meta, "values");
	size_t n = json_array_size(a);
	int id, rc;

	(void)dirfd;
	rc = read_perm(meta, &pm, why);
	if (rc)
		return rc;
	if (n == 0) {
		evidence_add(why, "meta.json lacks values");
		return -EINVAL;
	}
	vals = xcalloc(n, sizeof(*vals));
	for (size_t i = 0; i < n; i++)
		vals[i] = (unsigned short)json_integer_value(json_array_get(a, i));
	id = semget(pm.key, (int)n, IPC_CREAT | IPC_EXCL | pm.mode);
	rc = created(meta, id, why, pm.key);
	if (rc)
		goto out;
	arg.array = vals;
	if (semctl(id, 0, SETALL, arg) < 0) {
		rc = -errno;
		evidence_add(why, "SETALL: %s", strerror(errno));
		semctl(id, 0, IPC_RMID);
		goto out;
	}
	arg.buf = &ds;
	if (semctl(id, 0, IPC_STAT, arg) == 0) {
		ds.sem_perm.uid = pm.uid;
		ds.sem_perm.gid = pm.gid;
		if (semctl(id, 0, IPC_SET, arg) < 0)
			evidence_add(why, "owner not restored: %s", strerror(errno));
	}
out:
	free(vals);
	return rc;
}

const struct kind_ops sysv_msg_ops = {msg_stale, msg_in_use, msg_recheck, NULL, msg_backup, sysv_ops_remove, msg_restore};
const struct kind_ops sysv_shm_ops = {shm_stale, shm_in_use, shm_recheck, NULL, shm_backup, sysv_ops_remove, shm_restore};
const struct kind_ops sysv_sem_ops = {sem_stale, sem_in_use, sem_recheck, NULL, sem_backup, sysv_ops_remove, sem_restore};
