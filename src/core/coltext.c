/* coltext.c - the table-side facts of columns: which may be cut, which are defaults for
 * which kinds, and the whole text of the list columns. */
#include "core/coltext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/kinds.h"
#include "core/util.h"

#define K(x) KIND_BIT(KIND_##x)
#define SYSV (K(SYSV_MSG) | K(SYSV_SHM) | K(SYSV_SEM))
#define SOCKETS (K(UNIX) | K(TCP) | K(UDP))

/* Columns whose text is a name, a path or a list: cutting one loses detail, not meaning, and
 * --notruncate or -r shows it whole. */
static const char *const cut_ok[] = {
	"IDENTITY", "CONTAINER", "RUNTIME", "CID", "CNAME", "POD", "NAME", "CCOMM", "STATUS",
	"PARTIAL", "SEALS", "SEMVALS", "LCOMM", "LSCOMM", "LRCOMM", "NCOMM", "LOCAL", "PEER",
	"LOCKCOMM", "BLOCKED", "SIGMASK", "SIGCOMM", "SIGPND", "SHDPND", "SIGBLK", "SIGIGN",
	"SIGCGT", "PROCS", "HOLDERS", "WAITERS",
};

bool column_truncates(const struct column *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(cut_ok); i++)
		if (!strcmp(cut_ok[i], c->name))
			return true;
	return false;
}

/* The default columns in order, each with the kinds it is a default for. A socket shows its
 * state and addresses, a pipe or socket its inode (it has no name), SysV objects id and key. */
static const struct {
	const char *name;
	unsigned kinds;
} defaults[] = {
	{"KIND", KINDS_ALL},
	{"ID", SYSV},
	{"KEY", SYSV},
	{"NAME", K(POSIX_MQ) | K(POSIX_SHM) | K(POSIX_SEM) | K(FIFO) | K(LOCK) | K(MEMFD)},
	{"INODE", K(PIPE) | SOCKETS | K(MEMFD)},
	{"OWNER", KINDS_ALL},
	{"PERMS", KINDS_ALL},
	{"SIZE", KINDS_ALL},
	{"USED", KINDS_ALL},
	{"USE%", KINDS_ALL},
	{"MSGS", KINDS_ALL},
	{"STATE", SOCKETS},
	{"LOCAL", SOCKETS},
	{"PEER", SOCKETS},
	{"STATUS", KINDS_ALL},
	{"PROCS", SYSV | K(POSIX_MQ)},
	{"HOLDERS", KINDS_ALL},
};

const char columns_default_text[] =
	"KIND,ID,KEY,NAME,INODE,OWNER,PERMS,SIZE,USED,USE%,MSGS,STATE,LOCAL,PEER,STATUS,PROCS,HOLDERS";

void columns_default(unsigned kinds, const struct column ***out, size_t *n)
{
	*out = xcalloc(ARRAY_SIZE(defaults), sizeof(**out));
	*n = 0;
	if (!kinds)
		kinds = KINDS_ALL;
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
		const struct column *c = column_find(defaults[i].name);

		/* A column is shown for a kind only when it applies to it too (PERMS: no sockets). */
		if (c && (defaults[i].kinds & c->kinds & kinds))
			(*out)[(*n)++] = c;
	}
}

const char *column_type_name(const struct column *c)
{
	switch (c->type) {
	case COL_STR:
		return "<string>";
	case COL_INT:
		return "<integer>";
	case COL_BYTES:
		return "<size>";
	case COL_TIME:
		return "<time>";
	case COL_PERCENT:
		return "<percent>";
	case COL_BOOL:
		return "<boolean>";
	}
	return "<string>";
}

/* ---- the list columns, whole ---- */

static void put_pid(FILE *f, bool *first, const char *role, const struct pid_ref *p)
{
	if (p->pid <= 0)
		return;
	fprintf(f, "%s%s:%d/%s%s", *first ? "" : " ", role, (int)p->pid,
		p->gone ? "(gone)" : p->comm[0] ? p->comm : "?", p->zombie ? "(zombie)" : "");
	*first = false;
}

static void procs_text(FILE *f, const struct ipc_object *o)
{
	bool first = true;

	put_pid(f, &first, "c", &obj_ipc(o)->cpid);
	put_pid(f, &first, "l", &obj_ipc(o)->lpid);
	put_pid(f, &first, "s", &obj_ipc(o)->lspid);
	put_pid(f, &first, "r", &obj_ipc(o)->lrpid);
	put_pid(f, &first, "n", &obj_ipc(o)->notify_pid);
	for (int64_t i = 0; obj_ipc(o)->sems && i < obj_ipc(o)->nsems; i++) {
		bool seen = false;

		for (int64_t j = 0; j < i; j++)
			seen |= obj_ipc(o)->sems[j].pid.pid == obj_ipc(o)->sems[i].pid.pid;
		if (!seen)
			put_pid(f, &first, "o", &obj_ipc(o)->sems[i].pid);
	}
}

static void holders_text(FILE *f, const struct ipc_object *o)
{
	for (size_t i = 0; i < o->nholders; i++) {
		const struct ipc_holder *h = &o->holders[i];

		if (h->fd >= 0)
			fprintf(f, "%s%d/%s:%d:%s", i ? " " : "", (int)h->pid, h->comm, h->fd,
				access_str(h->access));
		else
			fprintf(f, "%s%d/%s:map:%s", i ? " " : "", (int)h->pid, h->comm,
				access_str(h->access));
	}
}

static void waiters_text(FILE *f, const struct ipc_object *o)
{
	for (size_t i = 0; i < o->nwaiters; i++) {
		const struct ipc_waiter *w = &o->waiters[i];

		fprintf(f, "%s%d", i ? " " : "", (int)w->pid);
		if (w->tid != w->pid)
			fprintf(f, "[%d]", (int)w->tid);
		fprintf(f, "/%s:%s", w->comm, w->what);
	}
}

static void blocked_text(FILE *f, const struct ipc_object *o)
{
	for (size_t i = 0; i < obj_lock(o)->nblocked; i++)
		fprintf(f, "%s%d/%s", i ? " " : "", (int)obj_lock(o)->blocked[i].pid,
			obj_lock(o)->blocked[i].comm[0] ? obj_lock(o)->blocked[i].comm : "?");
}

static void semvals_text(FILE *f, const struct ipc_object *o)
{
	for (int64_t i = 0; i < obj_ipc(o)->nsems; i++)
		fprintf(f, "%s%d", i ? "," : "", obj_ipc(o)->sems[i].value);
}

char *column_long_text(const struct column *c, const struct ipc_object *o)
{
	void (*fn)(FILE *, const struct ipc_object *) = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!(c->kinds & KIND_BIT(o->kind)))
		return NULL;
	if (!strcmp(c->name, "HOLDERS") && o->nholders)
		fn = holders_text;
	else if (!strcmp(c->name, "PROCS"))
		fn = procs_text;
	else if (!strcmp(c->name, "WAITERS") && o->nwaiters)
		fn = waiters_text;
	else if (!strcmp(c->name, "BLOCKED") && obj_lock(o)->nblocked)
		fn = blocked_text;
	else if (!strcmp(c->name, "SEMVALS") && obj_ipc(o)->sems && obj_ipc(o)->nsems > 0)
		fn = semvals_text;
	if (!fn || !(f = open_memstream(&buf, &len)))
		return NULL;
	fn(f, o);
	if (fclose(f) || !len) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- times ---- */

static enum time_format time_fmt = TIME_ISO;

void columns_set_time_format(enum time_format f)
{
	time_fmt = f;
}

int time_format_parse(const char *word)
{
	if (!strcmp(word, "iso"))
		return TIME_ISO;
	if (!strcmp(word, "full"))
		return TIME_FULL;
	if (!strcmp(word, "short"))
		return TIME_SHORT;
	return -1;
}

/* Month and day names are the C locale's, as util-linux's are without a locale set. */
static const char mon[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char wday[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

const char *table_time_text(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t, now;
	struct tm tm, tn;
	long off;
	int n = -1;

	if ((int64_t)tt != t || !localtime_r(&tt, &tm) || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900) {
		snprintf(buf, len, "@%lld", (long long)t);
		return buf;
	}
	switch (time_fmt) {
	case TIME_ISO:
		off = tm.tm_gmtoff / 60;
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
			     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
			     (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
		break;
	case TIME_FULL:
		n = snprintf(buf, len, "%s %s %2d %02d:%02d:%02d %04d", wday[tm.tm_wday], mon[tm.tm_mon],
			     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
		break;
	case TIME_SHORT:
		now = time(NULL);
		if (!localtime_r(&now, &tn))
			memset(&tn, 0, sizeof(tn));
		if (tm.tm_year == tn.tm_year && tm.tm_yday == tn.tm_yday)
			n = snprintf(buf, len, "%02d:%02d", tm.tm_hour, tm.tm_min);
		else if (tm.tm_year == tn.tm_year)
			n = snprintf(buf, len, "%s%02d", mon[tm.tm_mon], tm.tm_mday);
		else
			n = snprintf(buf, len, "%04d-%s%02d", tm.tm_year + 1900, mon[tm.tm_mon], tm.tm_mday);
		break;
	}
	if (n < 0 || (size_t)n >= len)
		snprintf(buf, len, "@%lld", (long long)t);
	return buf;
}
