/* columns.c - every column once: name, JSON path, type, kinds and how to read it. */
#include "core/columns.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "core/coltext.h"
#include "core/fdkind.h"
#include "core/ftok.h"
#include "core/kinds.h"
#include "core/ns.h"
#include "core/names.h"
#include "core/util.h"

#define K(x) KIND_BIT(KIND_##x)
#define SYSV (K(SYSV_MSG) | K(SYSV_SHM) | K(SYSV_SEM))
#define FILEKINDS (K(POSIX_MQ) | K(POSIX_SHM) | K(POSIX_SEM) | K(FIFO))
#define SOCKETS (K(UNIX) | K(TCP) | K(UDP))
#define LOCK K(LOCK)
#define MEMFD K(MEMFD)
#define MMAP K(MMAP)
/* A POSIX queue's atime and ctime are set by every read of its file, as every scan does:
 * they tell only when it was last scanned, so they are not shown. */

static void set_int(struct col_value *v, int64_t i)
{
	v->present = true;
	v->i = i;
}

static void set_str(struct col_value *v, const char *s)
{
	v->present = s != NULL;
	v->s = s;
}

/* Sizes and counts: -1 means absent. The field is an expression of o (a group's through its
 * accessor, which gives absent values when the object has no such group). */
#define GET_COUNT(fn, field) \
	static void fn(const struct ipc_object *o, struct col_value *v) \
	{ \
		if ((field) >= 0) \
			set_int(v, (field)); \
	}
/* Times: 0 means never set, which JSON leaves out and the table shows as "-". */
#define GET_TIME(fn, field) \
	static void fn(const struct ipc_object *o, struct col_value *v) \
	{ \
		if ((field) > 0) \
			set_int(v, (field)); \
	}
#define GET_PID(fn, ref) \
	static void fn##_pid(const struct ipc_object *o, struct col_value *v) \
	{ \
		if ((ref).pid > 0) \
			set_int(v, (ref).pid); \
	} \
	static void fn##_comm(const struct ipc_object *o, struct col_value *v) \
	{ \
		if ((ref).pid > 0 && (ref).comm[0]) \
			set_str(v, (ref).comm); \
	} \
	static void fn##_alive(const struct ipc_object *o, struct col_value *v) \
	{ \
		if ((ref).pid > 0) \
			set_int(v, !(ref).gone && !(ref).zombie); \
	}

GET_COUNT(get_size, o->size)
GET_COUNT(get_used, o->used_bytes)
GET_COUNT(get_msgs, obj_ipc(o)->messages)
GET_COUNT(get_maxmsg, obj_ipc(o)->max_messages)
GET_COUNT(get_msgsize, obj_ipc(o)->msgsize)
GET_COUNT(get_nattch, obj_ipc(o)->nattch)
GET_COUNT(get_rss, obj_ipc(o)->rss)
GET_COUNT(get_swap, obj_ipc(o)->swap)
GET_COUNT(get_alloc, obj_ipc(o)->blocks)
GET_COUNT(get_nsems, obj_ipc(o)->nsems)
GET_COUNT(get_notify, obj_ipc(o)->notify)
GET_COUNT(get_signo, obj_ipc(o)->signo)
GET_COUNT(get_rqueue, o->rqueue)
GET_COUNT(get_wqueue, o->wqueue)
GET_COUNT(get_pending, o->pending)
GET_COUNT(get_backlog, o->backlog)
GET_TIME(get_ctime, o->ctime)
GET_TIME(get_atime, obj_ipc(o)->atime)
GET_TIME(get_dtime, obj_ipc(o)->dtime)
GET_TIME(get_mtime, obj_ipc(o)->mtime)
GET_TIME(get_stime, obj_ipc(o)->stime)
GET_TIME(get_rtime, obj_ipc(o)->rtime)
GET_TIME(get_otime, obj_ipc(o)->otime)
GET_PID(get_c, obj_ipc(o)->cpid)
GET_PID(get_l, obj_ipc(o)->lpid)
GET_PID(get_ls, obj_ipc(o)->lspid)
GET_PID(get_lr, obj_ipc(o)->lrpid)
GET_PID(get_n, obj_ipc(o)->notify_pid)
GET_PID(get_lock, obj_lock(o)->pid)

static void get_identity(const struct ipc_object *o, struct col_value *v)
{
	set_str(v, o->identity);
}

static void get_kind(const struct ipc_object *o, struct col_value *v)
{
	set_str(v, kind_name(o->kind));
}

static void get_ns(const struct ipc_object *o, struct col_value *v)
{
	if (o->ns)
		set_int(v, (int64_t)o->ns);
}

/* Container fields; "" in a container record means unknown, and is left out. */
static void set_cont_str(struct col_value *v, const char *s)
{
	if (s && s[0])
		set_str(v, s);
}

static void get_container(const struct ipc_object *o, struct col_value *v)
{
	if (o->cont)
		set_str(v, container_label(o->cont, v->buf, sizeof(v->buf)));
}

static void get_c_runtime(const struct ipc_object *o, struct col_value *v)
{
	if (o->cont)
		set_cont_str(v, o->cont->runtime);
}

static void get_c_id(const struct ipc_object *o, struct col_value *v)
{
	if (o->cont)
		set_cont_str(v, o->cont->id);
}

static void get_c_name(const struct ipc_object *o, struct col_value *v)
{
	if (o->cont)
		set_cont_str(v, o->cont->name);
}

static void get_c_pod(const struct ipc_object *o, struct col_value *v)
{
	if (o->cont)
		set_cont_str(v, o->cont->pod);
}

static void get_id(const struct ipc_object *o, struct col_value *v)
{
	if (o->id >= 0)
		set_int(v, o->id);
}

static void get_key(const struct ipc_object *o, struct col_value *v)
{
	static const char hex[] = "0123456789abcdef";

	if (!o->has_key)
		return;
	/* "0x%08x" by hand: snprintf was a tenth of list -J's user time on SysV. */
	v->buf[0] = '0';
	v->buf[1] = 'x';
	for (int i = 0; i < 8; i++)
		v->buf[2 + i] = hex[(o->key >> (28 - 4 * i)) & 0xf];
	v->buf[10] = '\0';
	set_str(v, v->buf);
}

/* ---- ftok: what the key carries, and the file it was probably made from ---- */

static bool key_parts(const struct ipc_object *o, struct ftok_parts *p)
{
	return o->has_key && ftok_split(o->key, p) == FTOK_SPLIT;
}

static void get_keyform(const struct ipc_object *o, struct col_value *v)
{
	static const char *const words[] = {
		[FTOK_PRIVATE] = "private", [FTOK_HAND] = "proj-0", [FTOK_FAILED] = "ftok-error",
		[FTOK_SPLIT] = "ftok",
	};

	if (o->has_key)
		set_str(v, words[ftok_split(o->key, NULL)]);
}

static void get_keyproj(const struct ipc_object *o, struct col_value *v)
{
	struct ftok_parts p;

	if (key_parts(o, &p))
		set_int(v, p.proj);
}

static void get_keydev(const struct ipc_object *o, struct col_value *v)
{
	struct ftok_parts p;

	if (key_parts(o, &p))
		set_int(v, p.dev_bits);
}

static void get_keyino(const struct ipc_object *o, struct col_value *v)
{
	struct ftok_parts p;

	if (key_parts(o, &p))
		set_int(v, p.ino_bits);
}

static void get_keyfile(const struct ipc_object *o, struct col_value *v)
{
	set_str(v, obj_keyfile(o)->file);
}

static void get_keyvia(const struct ipc_object *o, struct col_value *v)
{
	if (obj_keyfile(o)->file)
		set_str(v, obj_keyfile(o)->via);
}

static void get_keypid(const struct ipc_object *o, struct col_value *v)
{
	if (obj_keyfile(o)->file && obj_keyfile(o)->pid > 0)
		set_int(v, obj_keyfile(o)->pid);
}

static void get_keymatches(const struct ipc_object *o, struct col_value *v)
{
	if (obj_keyfile(o)->searched)
		set_int(v, obj_keyfile(o)->matches);
}

static void get_keychecked(const struct ipc_object *o, struct col_value *v)
{
	if (obj_keyfile(o)->searched)
		set_int(v, obj_keyfile(o)->checked);
}

static void get_name(const struct ipc_object *o, struct col_value *v)
{
	set_str(v, o->name);
}

static void get_backing(const struct ipc_object *o, struct col_value *v)
{
	set_str(v, obj_ipc(o)->backing);
}

static void get_inode(const struct ipc_object *o, struct col_value *v)
{
	if (o->inode)
		set_int(v, (int64_t)o->inode);
}

static void get_uid(const struct ipc_object *o, struct col_value *v)
{
	if (o->has_owner)
		set_int(v, o->uid);
}

static void get_gid(const struct ipc_object *o, struct col_value *v)
{
	if (o->has_owner && !o->owner_uid_only)
		set_int(v, o->gid);
}

static void get_cuid(const struct ipc_object *o, struct col_value *v)
{
	if (obj_ipc(o)->has_creator_ids)
		set_int(v, obj_ipc(o)->cuid);
}

static void get_cgid(const struct ipc_object *o, struct col_value *v)
{
	if (obj_ipc(o)->has_creator_ids)
		set_int(v, obj_ipc(o)->cgid);
}

/* A name, or the number when the id has none: a table cell is never empty for an owner. */
static void name_or_number(struct col_value *v, const char *name, unsigned id)
{
	if (name) {
		set_str(v, name);
	} else {
		snprintf(v->buf, sizeof(v->buf), "%u", id);
		set_str(v, v->buf);
	}
}

static void get_user(const struct ipc_object *o, struct col_value *v)
{
	if (o->has_owner)
		name_or_number(v, user_name(o->uid), o->uid);
}

static void get_group(const struct ipc_object *o, struct col_value *v)
{
	if (o->has_owner && !o->owner_uid_only)
		name_or_number(v, group_name(o->gid), o->gid);
}

static void get_cuser(const struct ipc_object *o, struct col_value *v)
{
	if (obj_ipc(o)->has_creator_ids)
		name_or_number(v, user_name(obj_ipc(o)->cuid), obj_ipc(o)->cuid);
}

static void get_cgroup(const struct ipc_object *o, struct col_value *v)
{
	if (obj_ipc(o)->has_creator_ids)
		name_or_number(v, group_name(obj_ipc(o)->cgid), obj_ipc(o)->cgid);
}

static void get_perms(const struct ipc_object *o, struct col_value *v)
{
	if (!o->has_mode)
		return;
	/* "%04o" of at most 07777: always four digits. */
	for (int i = 0; i < 4; i++)
		v->buf[i] = (char)('0' + ((o->mode >> (9 - 3 * i)) & 7));
	v->buf[4] = '\0';
	set_str(v, v->buf);
}

static void get_use(const struct ipc_object *o, struct col_value *v)
{
	if (o->size > 0 && o->used_bytes >= 0) {
		v->present = true;
		v->d = 100.0 * (double)o->used_bytes / (double)o->size;
	} else if (obj_ipc(o)->max_messages > 0 && obj_ipc(o)->messages >= 0) {
		v->present = true;
		v->d = 100.0 * (double)obj_ipc(o)->messages / (double)obj_ipc(o)->max_messages;
	}
}

static void get_status(const struct ipc_object *o, struct col_value *v)
{
	static const struct { unsigned bit; const char *word; } words[] = {
		{OBJ_DEST, "dest"}, {OBJ_LOCKED, "locked"}, {OBJ_HALF_OPEN, "half-open"},
		{OBJ_DELETED, "deleted"}, {OBJ_PARTIAL, "partial"}, {OBJ_DEADLOCK, "deadlock"},
	};
	size_t n = 0;

	v->buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		if (!(o->flags & words[i].bit))
			continue;
		n += (size_t)snprintf(v->buf + n, sizeof(v->buf) - n, "%s%s", n ? "," : "", words[i].word);
		if (n >= sizeof(v->buf))
			break;
	}
	if (v->buf[0])
		set_str(v, v->buf);
}

/* A memfd's seals as words, in the order of their bits; "" when it has none, so an unsealed
 * memfd is told from one whose seals could not be read (absent). */
static void get_seals(const struct ipc_object *o, struct col_value *v)
{
	static const struct { int64_t bit; const char *word; } words[] = {
		{F_SEAL_SEAL, "seal"}, {F_SEAL_SHRINK, "shrink"}, {F_SEAL_GROW, "grow"},
		{F_SEAL_WRITE, "write"}, {F_SEAL_FUTURE_WRITE, "future_write"},
	};
	size_t n = 0;

	if (obj_ipc(o)->seals < 0)
		return;
	v->buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(words) && n < sizeof(v->buf); i++)
		if (obj_ipc(o)->seals & words[i].bit)
			n += (size_t)snprintf(v->buf + n, sizeof(v->buf) - n, "%s%s", n ? "," : "",
					      words[i].word);
	set_str(v, v->buf);
}

static void get_partial(const struct ipc_object *o, struct col_value *v)
{
	set_str(v, o->partial);
}

static void get_value(const struct ipc_object *o, struct col_value *v)
{
	if (o->kind == KIND_POSIX_SEM && obj_ipc(o)->sems && obj_ipc(o)->nsems == 1)
		set_int(v, obj_ipc(o)->sems[0].value);
}

/* Semaphore values "1,0,7" for the table; JSON carries the full "semaphores" array. */
static void get_semvals(const struct ipc_object *o, struct col_value *v)
{
	size_t n = 0;

	if (!obj_ipc(o)->sems || obj_ipc(o)->nsems <= 0)
		return;
	v->buf[0] = '\0';
	for (int64_t i = 0; i < obj_ipc(o)->nsems && n < sizeof(v->buf) - 16; i++)
		n += (size_t)snprintf(v->buf + n, sizeof(v->buf) - n, "%s%d", i ? "," : "", obj_ipc(o)->sems[i].value);
	if (n >= sizeof(v->buf) - 16)
		snprintf(v->buf + sizeof(v->buf) - 5, 5, "...");
	set_str(v, v->buf);
}

static void get_type(const struct ipc_object *o, struct col_value *v)
{
	set_str(v, o->sock_type);
}

static void get_state(const struct ipc_object *o, struct col_value *v)
{
	set_str(v, o->state);
}

static void get_local(const struct ipc_object *o, struct col_value *v)
{
	set_str(v, o->local);
}

static void get_peer(const struct ipc_object *o, struct col_value *v)
{
	set_str(v, o->peer);
}

static void get_peerino(const struct ipc_object *o, struct col_value *v)
{
	if (o->peer_inode)
		set_int(v, (int64_t)o->peer_inode);
}

/* "pid/comm:fd(access)" for each holder, for the table; JSON has the "holders" array. */
static void get_holders(const struct ipc_object *o, struct col_value *v)
{
	size_t n = 0;

	if (!o->nholders)
		return;
	v->buf[0] = '\0';
	for (size_t i = 0; i < o->nholders && n < sizeof(v->buf) - 8; i++) {
		const struct ipc_holder *h = &o->holders[i];
		if (h->fd >= 0)
			n += (size_t)snprintf(v->buf + n, sizeof(v->buf) - n, "%s%d/%s:%d:%s", i ? " " : "",
					      (int)h->pid, h->comm, h->fd, access_str(h->access));
		else
			n += (size_t)snprintf(v->buf + n, sizeof(v->buf) - n, "%s%d/%s:map:%s", i ? " " : "",
					      (int)h->pid, h->comm, access_str(h->access));
	}
	if (n >= sizeof(v->buf) - 8)
		snprintf(v->buf + sizeof(v->buf) - 5, 5, "...");
	set_str(v, v->buf);
}

static size_t put_pid(char *buf, size_t n, size_t cap, const char *role, const struct pid_ref *p)
{
	if (p->pid <= 0 || n >= cap)
		return n;
	n += (size_t)snprintf(buf + n, cap - n, "%s%s:%d/%s%s", n ? " " : "", role, (int)p->pid,
			      p->gone ? "(gone)" : p->comm[0] ? p->comm : "?", p->zombie ? "(zombie)" : "");
	return n < cap ? n : cap;
}

/* The processes the kernel recorded for an object, by role: c(reator) l(ast) s(ender)
 * r(eceiver) o(p) n(otify). Gone ones say so: that is what makes an object stale. */
static void get_procs(const struct ipc_object *o, struct col_value *v)
{
	size_t n = 0, cap = sizeof(v->buf);

	v->buf[0] = '\0';
	n = put_pid(v->buf, n, cap, "c", &obj_ipc(o)->cpid);
	n = put_pid(v->buf, n, cap, "l", &obj_ipc(o)->lpid);
	n = put_pid(v->buf, n, cap, "s", &obj_ipc(o)->lspid);
	n = put_pid(v->buf, n, cap, "r", &obj_ipc(o)->lrpid);
	n = put_pid(v->buf, n, cap, "n", &obj_ipc(o)->notify_pid);
	for (int64_t i = 0; obj_ipc(o)->sems && i < obj_ipc(o)->nsems && n < cap; i++) {
		bool seen = false;
		for (int64_t j = 0; j < i; j++)
			seen |= obj_ipc(o)->sems[j].pid.pid == obj_ipc(o)->sems[i].pid.pid;
		if (!seen)
			n = put_pid(v->buf, n, cap, "o", &obj_ipc(o)->sems[i].pid);
	}
	if (v->buf[0])
		set_str(v, v->buf);
}

/* ---- locks ---- */

static void get_ltype(const struct ipc_object *o, struct col_value *v)
{
	set_str(v, obj_lock(o)->type);
}

static void get_lmode(const struct ipc_object *o, struct col_value *v)
{
	set_str(v, obj_lock(o)->mode);
}

static void get_lstate(const struct ipc_object *o, struct col_value *v)
{
	set_str(v, obj_lock(o)->state);
}

static void get_mandatory(const struct ipc_object *o, struct col_value *v)
{
	if (obj_lock(o)->type)
		set_int(v, obj_lock(o)->mandatory);
}

static void get_lstart(const struct ipc_object *o, struct col_value *v)
{
	if (obj_lock(o)->start >= 0)
		set_int(v, obj_lock(o)->start);
}

/* Absent when the lock runs to the end of the file: EOF says so. */
static void get_lend(const struct ipc_object *o, struct col_value *v)
{
	if (obj_lock(o)->start >= 0 && obj_lock(o)->end >= 0)
		set_int(v, obj_lock(o)->end);
}

static void get_leof(const struct ipc_object *o, struct col_value *v)
{
	if (obj_lock(o)->start >= 0)
		set_int(v, obj_lock(o)->end < 0);
}

/* "major:minor" in decimal, as lslocks and /proc/PID/mountinfo write a device. */
static void get_ldev(const struct ipc_object *o, struct col_value *v)
{
	if (!o->dev && !o->inode)
		return;
	snprintf(v->buf, sizeof(v->buf), "%u:%u", major((dev_t)o->dev), minor((dev_t)o->dev));
	set_str(v, v->buf);
}

static void get_nblocked(const struct ipc_object *o, struct col_value *v)
{
	if (obj_lock(o)->nwaiting >= 0)
		set_int(v, obj_lock(o)->nwaiting);
}

/* "pid/comm" of each process blocked on the lock, for the table; JSON has "blocked". */
static void get_blocked(const struct ipc_object *o, struct col_value *v)
{
	size_t n = 0;

	if (!obj_lock(o)->nblocked)
		return;
	v->buf[0] = '\0';
	for (size_t i = 0; i < obj_lock(o)->nblocked && n < sizeof(v->buf) - 8; i++) {
		const struct pid_ref *p = &obj_lock(o)->blocked[i];

		n += (size_t)snprintf(v->buf + n, sizeof(v->buf) - n, "%s%d/%s", i ? " " : "", (int)p->pid,
				      p->comm[0] ? p->comm : "?");
	}
	if (n >= sizeof(v->buf) - 8)
		snprintf(v->buf + sizeof(v->buf) - 5, 5, "...");
	set_str(v, v->buf);
}

static void get_nholders(const struct ipc_object *o, struct col_value *v)
{
	set_int(v, (int64_t)o->nholders);
}

/* "pid/comm:what" for each waiting thread ("pid[tid]/..." for a thread other than the
 * main one), for the table; JSON has the "waiters" array. */
static void get_waiters(const struct ipc_object *o, struct col_value *v)
{
	size_t n = 0;

	if (!o->nwaiters)
		return;
	v->buf[0] = '\0';
	for (size_t i = 0; i < o->nwaiters && n < sizeof(v->buf) - 8; i++) {
		const struct ipc_waiter *w = &o->waiters[i];

		char tid[16] = "";

		if (w->tid != w->pid)
			snprintf(tid, sizeof(tid), "[%d]", (int)w->tid);
		n += (size_t)snprintf(v->buf + n, sizeof(v->buf) - n, "%s%d%s/%s:%s", i ? " " : "",
				      (int)w->pid, tid, w->comm, w->what);
	}
	if (n >= sizeof(v->buf) - 8)
		snprintf(v->buf + sizeof(v->buf) - 5, 5, "...");
	set_str(v, v->buf);
}

static void get_nwaiters(const struct ipc_object *o, struct col_value *v)
{
	set_int(v, (int64_t)o->nwaiters);
}

#define ALL KINDS_ALL
const struct column columns[] = {
	{"IDENTITY", "identity", COL_STR, ALL, "stable identity (what JSON, URLs and rm use)", get_identity},
	{"KIND", "kind", COL_STR, ALL, "kind of object", get_kind},
	{"NS", "ns", COL_INT, ALL & ~K(PIPE), "inode of its namespace: IPC (SysV, POSIX queues), mount (POSIX shm, semaphores, FIFOs) or network (sockets)", get_ns},
	{"CONTAINER", NULL, COL_STR, ALL, "its container: name, or short id as docker ps shows it", get_container},
	{"RUNTIME", "container.runtime", COL_STR, ALL, "container runtime: docker, containerd, cri-o, podman, nspawn, lxc", get_c_runtime},
	{"CID", "container.id", COL_STR, ALL, "container id (nspawn, lxc: its name)", get_c_id},
	{"CNAME", "container.name", COL_STR, ALL, "container name (the hostname its processes see)", get_c_name},
	{"POD", "container.pod", COL_STR, ALL, "Kubernetes pod UID", get_c_pod},
	{"ID", "id", COL_INT, SYSV, "System V id", get_id},
	{"KEY", "key", COL_STR, SYSV, "System V key", get_key},
	{"KEYFORM", "ftok.form", COL_STR, SYSV, "what the key is: ftok (ftok(3) could have made it), private, proj-0 (chosen by hand), ftok-error (0xffffffff, ftok's failure)", get_keyform},
	{"KEYPROJ", "ftok.proj", COL_INT, SYSV, "ftok: the proj_id byte the key carries (bits 24-31)", get_keyproj},
	{"KEYDEV", "ftok.dev_bits", COL_INT, SYSV, "ftok: the key file's st_dev low byte (bits 16-23)", get_keydev},
	{"KEYINO", "ftok.ino_bits", COL_INT, SYSV, "ftok: the key file's inode, low 16 bits (bits 0-15)", get_keyino},
	{"KEYFILE", "ftok.file", COL_STR, SYSV, "ftok: the key's probable source, a file giving the same key (searched: costs a read of the processes it names)", get_keyfile},
	{"KEYVIA", "ftok.via", COL_STR, SYSV, "ftok: where KEYFILE was found: fd, cwd, exe, cwd-entry, key-path", get_keyvia},
	{"KEYPID", "ftok.pid", COL_INT, SYSV, "ftok: the process whose fd, cwd or exe KEYFILE is", get_keypid},
	{"KEYMATCHES", "ftok.matches", COL_INT, SYSV, "ftok: files found that give the key (more than 1: KEYFILE is one of them)", get_keymatches},
	{"KEYCHECKED", "ftok.checked", COL_INT, SYSV, "ftok: files compared in the search", get_keychecked},
	{"NAME", "name", COL_STR, FILEKINDS | K(UNIX) | LOCK | MEMFD | MMAP, "name or path", get_name},
	{"INODE", "inode", COL_INT, FILEKINDS | K(PIPE) | SOCKETS | LOCK | MEMFD | MMAP, "inode number", get_inode},
	{"OWNER", "owner.user", COL_STR, ALL, "owner's user name", get_user},
	{"UID", "owner.uid", COL_INT, ALL, "owner's user id", get_uid},
	{"GROUP", "owner.group", COL_STR, ALL, "owner's group name", get_group},
	{"GID", "owner.gid", COL_INT, ALL, "owner's group id", get_gid},
	{"CUSER", "creator.user", COL_STR, SYSV, "creator's user name", get_cuser},
	{"CUID", "creator.uid", COL_INT, SYSV, "creator's user id", get_cuid},
	{"CGROUP", "creator.group", COL_STR, SYSV, "creator's group name", get_cgroup},
	{"CGID", "creator.gid", COL_INT, SYSV, "creator's group id", get_cgid},
	{"CPID", "creator.pid", COL_INT, K(SYSV_SHM), "creator's pid", get_c_pid},
	{"CCOMM", "creator.comm", COL_STR, K(SYSV_SHM), "creator's command", get_c_comm},
	{"CALIVE", "creator.alive", COL_BOOL, K(SYSV_SHM), "creator still runs", get_c_alive},
	{"PERMS", "mode", COL_STR, ALL & ~(K(PIPE) | SOCKETS), "permissions (octal)", get_perms},
	{"SIZE", "size", COL_BYTES, ALL, "capacity in bytes", get_size},
	{"USED", "used_bytes", COL_BYTES, ALL, "bytes queued or in use", get_used},
	{"USE%", "use_percent", COL_PERCENT, ALL, "used as a share of capacity", get_use},
	{"MSGS", "messages", COL_INT, K(SYSV_MSG) | K(POSIX_MQ), "messages queued", get_msgs},
	{"MAXMSG", "max_messages", COL_INT, K(POSIX_MQ), "capacity in messages", get_maxmsg},
	{"MSGSIZE", "msgsize", COL_BYTES, K(POSIX_MQ), "largest message", get_msgsize},
	{"NATTCH", "nattch", COL_INT, K(SYSV_SHM), "attached processes", get_nattch},
	{"NSEMS", "nsems", COL_INT, K(SYSV_SEM), "semaphores in the set", get_nsems},
	{"SEMVALS", NULL, COL_STR, K(SYSV_SEM) | K(POSIX_SEM), "semaphore values", get_semvals},
	{"VALUE", "value", COL_INT, K(POSIX_SEM), "semaphore value", get_value},
	{"STATUS", "status", COL_STR, ALL, "dest, locked, half-open, deleted, partial, deadlock", get_status},
	{"PARTIAL", "partial", COL_STR, ALL, "why some fields are missing", get_partial},
	{"RSS", "rss", COL_BYTES, K(SYSV_SHM) | MMAP, "resident bytes (mmap: the object's pages in memory, cachestat(2))", get_rss},
	{"SWAP", "swap", COL_BYTES, K(SYSV_SHM), "swapped bytes", get_swap},
	{"ALLOC", "allocated", COL_BYTES, K(POSIX_SHM) | MEMFD | MMAP, "bytes allocated on tmpfs (mmap: st_blocks of the mapped file)", get_alloc},
	{"BACKING", "backing", COL_STR, MMAP, "mmap: anon (MAP_SHARED|MAP_ANONYMOUS, shmem) or file", get_backing},
	{"SEALS", "seals", COL_STR, MEMFD, "memfd seals: seal, shrink, grow, write, future_write", get_seals},
	{"LPID", "last.pid", COL_INT, K(SYSV_SHM), "last attach/detach pid", get_l_pid},
	{"LCOMM", "last.comm", COL_STR, K(SYSV_SHM), "last attach/detach command", get_l_comm},
	{"LALIVE", "last.alive", COL_BOOL, K(SYSV_SHM), "last pid still runs", get_l_alive},
	{"LSPID", "last_send.pid", COL_INT, K(SYSV_MSG), "last sender's pid", get_ls_pid},
	{"LSCOMM", "last_send.comm", COL_STR, K(SYSV_MSG), "last sender's command", get_ls_comm},
	{"LSALIVE", "last_send.alive", COL_BOOL, K(SYSV_MSG), "last sender still runs", get_ls_alive},
	{"LRPID", "last_recv.pid", COL_INT, K(SYSV_MSG), "last receiver's pid", get_lr_pid},
	{"LRCOMM", "last_recv.comm", COL_STR, K(SYSV_MSG), "last receiver's command", get_lr_comm},
	{"LRALIVE", "last_recv.alive", COL_BOOL, K(SYSV_MSG), "last receiver still runs", get_lr_alive},
	{"NOTIFY", "notify", COL_INT, K(POSIX_MQ), "notification (SIGEV_*)", get_notify},
	{"SIGNO", "signo", COL_INT, K(POSIX_MQ), "notification signal", get_signo},
	{"NPID", "notify_pid.pid", COL_INT, K(POSIX_MQ), "process registered for notification", get_n_pid},
	{"NCOMM", "notify_pid.comm", COL_STR, K(POSIX_MQ), "its command", get_n_comm},
	{"NALIVE", "notify_pid.alive", COL_BOOL, K(POSIX_MQ), "notify process still runs", get_n_alive},
	{"TYPE", "socket_type", COL_STR, SOCKETS, "stream, dgram, seqpacket", get_type},
	{"STATE", "state", COL_STR, SOCKETS, "socket state", get_state},
	{"LOCAL", "local", COL_STR, SOCKETS, "local address or path", get_local},
	{"PEER", "peer", COL_STR, SOCKETS, "peer address or path", get_peer},
	{"PEERINO", "peer_inode", COL_INT, K(UNIX) | K(TCP), "peer socket's inode (TCP: the other end on this host)", get_peerino},
	{"RQUEUE", "rqueue", COL_BYTES, SOCKETS, "bytes in the receive queue", get_rqueue},
	{"WQUEUE", "wqueue", COL_BYTES, SOCKETS, "bytes in the send queue", get_wqueue},
	{"PENDING", "pending", COL_INT, K(UNIX) | K(TCP), "listening: connections not yet accepted", get_pending},
	{"BACKLOG", "backlog", COL_INT, K(UNIX) | K(TCP), "listening: most connections that may wait", get_backlog},
	{"LTYPE", "lock.type", COL_STR, LOCK, "lock type: flock, posix, ofd, lease, delegation, access", get_ltype},
	{"LMODE", "lock.mode", COL_STR, LOCK, "read or write (none: a lease being broken)", get_lmode},
	{"MANDATORY", "lock.mandatory", COL_BOOL, LOCK, "a mandatory lock (kernels before 5.15), not advisory", get_mandatory},
	{"LSTATE", "lock.state", COL_STR, LOCK, "lease state: active, breaking, breaker", get_lstate},
	{"START", "lock.start", COL_INT, LOCK, "first byte locked", get_lstart},
	{"END", "lock.end", COL_INT, LOCK, "last byte locked; absent when it runs to the end of the file", get_lend},
	{"EOF", "lock.eof", COL_BOOL, LOCK, "the lock runs to the end of the file, however long", get_leof},
	{"DEV", "lock.dev", COL_STR, LOCK, "device of the locked file, major:minor", get_ldev},
	{"LOCKPID", "lock.pid", COL_INT, LOCK, "the lock's process (OFD: the first found holding it)", get_lock_pid},
	{"LOCKCOMM", "lock.comm", COL_STR, LOCK, "its command", get_lock_comm},
	{"LOCKALIVE", "lock.alive", COL_BOOL, LOCK, "that process still runs", get_lock_alive},
	{"NBLOCKED", "lock.waiting", COL_INT, LOCK, "requests blocked waiting for the lock", get_nblocked},
	{"BLOCKED", NULL, COL_STR, LOCK, "pid/command of each process blocked waiting for the lock", get_blocked},
	{"EFDID", "eventfd.id", COL_INT, K(EVENTFD), "eventfd: the kernel's id of it (fdinfo eventfd-id)", fdk_get_efd_id},
	{"COUNT", "eventfd.count", COL_INT, K(EVENTFD), "eventfd: the counter's value", fdk_get_count},
	{"SEMAPHORE", "eventfd.semaphore", COL_BOOL, K(EVENTFD), "eventfd: made with EFD_SEMAPHORE (a read takes 1, not all)", fdk_get_semaphore},
	{"SIGMASK", "signalfd.mask", COL_STR, K(SIGNALFD), "signalfd: the signals it reads", fdk_get_sigmask},
	{"SIGPID", "signals.pid", COL_INT, K(SIGNAL), "signal: the process", fdk_get_sigpid},
	{"SIGCOMM", "signals.comm", COL_STR, K(SIGNAL), "signal: its command", fdk_get_sigcomm},
	{"SIGPND", "signals.pending", COL_STR, K(SIGNAL), "signal: pending for the thread (status SigPnd)", fdk_get_sigpnd},
	{"SHDPND", "signals.shared_pending", COL_STR, K(SIGNAL), "signal: pending for the whole process (ShdPnd)", fdk_get_shdpnd},
	{"SIGBLK", "signals.blocked", COL_STR, K(SIGNAL), "signal: blocked (SigBlk)", fdk_get_sigblk},
	{"SIGIGN", "signals.ignored", COL_STR, K(SIGNAL), "signal: ignored (SigIgn)", fdk_get_sigign},
	{"SIGCGT", "signals.caught", COL_STR, K(SIGNAL), "signal: caught by a handler (SigCgt)", fdk_get_sigcgt},
	{"SIGQ", "signals.queued", COL_INT, K(SIGNAL), "signal: signals queued to its real user (SigQ)", fdk_get_sigq},
	{"SIGQLIMIT", "signals.queue_limit", COL_INT, K(SIGNAL), "signal: the most that may be queued (RLIMIT_SIGPENDING)", fdk_get_sigqlimit},
	{"SEND", "stime", COL_TIME, K(SYSV_MSG), "last send", get_stime},
	{"RECV", "rtime", COL_TIME, K(SYSV_MSG), "last receive", get_rtime},
	{"ATTACH", "attach_time", COL_TIME, K(SYSV_SHM), "last attach", get_atime},
	{"DETACH", "dtime", COL_TIME, K(SYSV_SHM), "last detach", get_dtime},
	{"OP", "otime", COL_TIME, K(SYSV_SEM), "last semop", get_otime},
	/* A segment's atime is its last attach: JSON "atime" always carried it, and still does
	 * beside "attach_time" (the man page's JSON section). */
	{"ATIME", "atime", COL_TIME, (FILEKINDS & ~K(POSIX_MQ)) | K(SYSV_SHM), "last access (sysv-shm: last attach, as ATTACH)", get_atime},
	{"MTIME", "mtime", COL_TIME, FILEKINDS | MEMFD | MMAP, "last modification", get_mtime},
	{"CTIME", "ctime", COL_TIME, ALL & ~(K(PIPE) | SOCKETS | K(POSIX_MQ)), "last change", get_ctime},
	{"PROCS", NULL, COL_STR, ALL, "processes the kernel recorded: c:reator l:ast s:ender r:eceiver o:p n:otify", get_procs},
	{"NHOLDERS", NULL, COL_INT, ALL, "number of holders", get_nholders},
	{"HOLDERS", NULL, COL_STR, ALL, "pid/command:fd:access of each holder (map: a mapping)", get_holders},
	{"NWAITERS", NULL, COL_INT, ALL, "number of threads asleep waiting on it", get_nwaiters},
	{"WAITERS", NULL, COL_STR, ALL, "pid/command:what of each waiting thread, [tid] after the pid for a thread other than the main one (receive, send, decrement, zero, read, write, poll, accept, futex ...)", get_waiters},
};
const size_t ncolumns = ARRAY_SIZE(columns);

static const struct column *plans[KIND__COUNT][ARRAY_SIZE(columns)];
static size_t nplans[KIND__COUNT];
static pthread_once_t plans_once = PTHREAD_ONCE_INIT;

static void make_plans(void)
{
	for (int k = 0; k < KIND__COUNT; k++)
		for (size_t i = 0; i < ncolumns; i++)
			if (columns[i].kinds & KIND_BIT(k))
				plans[k][nplans[k]++] = &columns[i];
}

const struct column *const *column_plan(enum ipc_kind kind, size_t *n)
{
	pthread_once(&plans_once, make_plans);
	*n = nplans[kind];
	return plans[kind];
}

const struct column *column_find(const char *name)
{
	for (size_t i = 0; i < ncolumns; i++)
		if (!strcasecmp(columns[i].name, name))
			return &columns[i];
	return NULL;
}

static int add_columns(const char *spec, const struct column ***out, size_t *n, size_t *cap,
		       const char **bad)
{
	static char badword[64];
	const char *p = spec;

	while (*p) {
		size_t len = strcspn(p, ",");
		char word[32];
		const struct column *c = NULL;

		if (len && len < sizeof(word)) {
			memcpy(word, p, len);
			word[len] = '\0';
			c = column_find(word);
		}
		if (!c) {
			snprintf(badword, sizeof(badword), "%.*s", (int)(len < 60 ? len : 60), p);
			*bad = badword;
			return -EINVAL;
		}
		xgrow((void **)out, cap, *n + 1, sizeof(**out));
		(*out)[(*n)++] = c;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int columns_parse(const char *spec, const char *defaults, const struct column ***out, size_t *n,
		  const char **bad)
{
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!spec || *spec == '+') {
		rc = add_columns(defaults, out, n, &cap, bad);
		if (rc == 0 && spec)
			rc = add_columns(spec + 1, out, n, &cap, bad);
	} else {
		rc = add_columns(spec, out, n, &cap, bad);
	}
	if (rc == 0 && *n == 0) {
		*bad = "";
		rc = -EINVAL;
	}
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void column_value(const struct column *c, const struct ipc_object *o, struct col_value *v)
{
	v->present = false;
	v->i = 0;
	v->d = 0;
	v->s = NULL;
	if (c->kinds & KIND_BIT(o->kind))
		c->get(o, v);
}

/* The broken-down time of t, UTC or local, when the schema's four-digit year can show it.
 * gmtime_r and localtime_r fail (leaving tm unset) for a year beyond int, e.g. t = 2^62. */
/* The first second of year 0 and the last of year 9999, the years four digits show. */
#define T_YEAR0 (-62167219200LL)
#define T_YEAR9999_END 253402300799LL

/* UTC without gmtime_r (which was a twentieth of list -J's instructions on SysV): the
 * proleptic Gregorian date of a day count from the epoch, by eras of 400 years (H. Hinnant's
 * days-to-civil algorithm), then the time of day. Only the fields time_text uses are set. */
static bool utc_parts(int64_t t, struct tm *tm)
{
	int64_t days, secs, z, era, doe, yoe, doy, mp, y;

	if (t < T_YEAR0 || t > T_YEAR9999_END)
		return false;
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	secs = t - days * 86400;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;                                     /* [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);              /* [0, 365] */
	mp = (5 * doy + 2) / 153;                                   /* March is 0 */
	y = yoe + era * 400 + (mp >= 10);
	tm->tm_year = (int)(y - 1900);
	tm->tm_mon = (int)(mp < 10 ? mp + 2 : mp - 10);
	tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_min = (int)(secs / 60 % 60);
	tm->tm_sec = (int)(secs % 60);
	return true;
}

static bool time_parts(int64_t t, bool utc, struct tm *tm)
{
	time_t tt = (time_t)t;

	if (utc)
		return utc_parts(t, tm);
	if ((int64_t)tt != t)
		return false;
	if (!(utc ? gmtime_r(&tt, tm) : localtime_r(&tt, tm)))
		return false;
	return tm->tm_year >= -1900 && tm->tm_year <= 9999 - 1900;
}

static char *put_digits(char *p, int v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

/* "%04d-%02d-%02dT%02d:%02d:%02dZ" (local: a blank for the T, no Z), written by hand: with
 * snprintf the times were a fifth of list -J's user time on SysV. Not strftime: %Y does not
 * pad a year below 1000 to the four digits. */
static bool time_text(int64_t t, bool utc, char *buf, size_t len)
{
	struct tm tm;
	char *p = buf;

	if (!len)
		return false;
	buf[0] = '\0';
	if (len < (utc ? 21u : 20u)) /* a cut text is not the time */
		return false;
	if (!time_parts(t, utc, &tm))
		return false;
	p = put_digits(p, tm.tm_year + 1900, 4);
	*p++ = '-';
	p = put_digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_digits(p, tm.tm_mday, 2);
	*p++ = utc ? 'T' : ' ';
	p = put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_sec, 2);
	if (utc)
		*p++ = 'Z';
	*p = '\0';
	return true;
}

/* What a time the calendar cannot show is printed as: its seconds, in date(1)'s notation. */
static const char *time_seconds(int64_t t, char *buf, size_t len)
{
	snprintf(buf, len, "@%" PRId64, t);
	return buf;
}

bool time_iso_utc(int64_t t, char *buf, size_t len)
{
	return time_text(t, true, buf, len);
}

const char *format_time_utc(int64_t t, char *buf, size_t len)
{
	return time_text(t, true, buf, len) ? buf : time_seconds(t, buf, len);
}

const char *column_text(const struct column *c, const struct col_value *v, bool bytes, char *buf,
			size_t len)
{
	if (!v->present)
		return "-";
	switch (c->type) {
	case COL_STR:
		return v->s;
	case COL_INT:
		snprintf(buf, len, "%" PRId64, v->i);
		return buf;
	case COL_BOOL:
		return v->i ? "yes" : "no";
	case COL_BYTES:
		if (bytes || v->i < 0)
			snprintf(buf, len, "%" PRId64, v->i);
		else
			human_size((uint64_t)v->i, buf, len);
		return buf;
	case COL_PERCENT:
		snprintf(buf, len, "%.1f%%", v->d);
		return buf;
	case COL_TIME:
		return table_time_text(v->i, buf, len); /* core/coltext.c: --time-format */
	}
	return "?";
}

int column_compare(const struct column *c, const struct ipc_object *a, const struct ipc_object *b)
{
	struct col_value va, vb;

	column_value(c, a, &va);
	column_value(c, b, &vb);
	if (!va.present || !vb.present)
		return (int)va.present - (int)vb.present;
	switch (c->type) {
	case COL_STR:
		return strcmp(va.s, vb.s);
	case COL_PERCENT:
		return (va.d > vb.d) - (va.d < vb.d);
	default:
		return (va.i > vb.i) - (va.i < vb.i);
	}
}
