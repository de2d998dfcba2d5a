/* ipcs_fmt.c - util-linux ipcs 2.38 output from a snapshot.
 *
 * Widths, labels, blank lines and trailing spaces are those util-linux prints (and its man
 * page and test suite show); they are kept exactly, quirks included, because scripts cut
 * columns out of this text. Names come from NSS through core/names (as getpwuid would give
 * them), times from localtime, so TZ matters and the locale does not. */
#include "render/ipcs_fmt.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/names.h"
#include "core/util.h"

/* Mode bits /proc/sysvipc/shm carries beside the permissions (SHM_DEST, SHM_LOCKED). */
#define MODE_SHM_DEST   01000u
#define MODE_SHM_LOCKED 02000u

const char *ipcs_human(uint64_t bytes, char *buf, size_t len)
{
	static const char letters[] = "BKMGTPE";
	unsigned shift = 0;
	uint64_t frac = 0;
	int whole;

	/* The largest power of 1024 not above bytes, up to 2^60. */
	while (shift < 60 && bytes >= (UINT64_C(1) << (shift + 10)))
		shift += 10;
	whole = (int)(bytes >> shift);
	if (shift) {
		frac = bytes & ((UINT64_C(1) << shift) - 1);
		/* Thousandths first, then rounded to tenths: 1974 bytes is 1.927K, printed 1.9K. */
		if (frac >= UINT64_MAX / 1000)
			frac = ((frac / 1024) * 1000) >> (shift - 10);
		else
			frac = (frac * 1000) >> shift;
		frac = (frac + 50) / 100;
		if (frac == 10) {
			whole++;
			frac = 0;
		}
	}
	if (frac)
		snprintf(buf, len, "%d.%d%c", whole, (int)frac, letters[shift / 10]);
	else
		snprintf(buf, len, "%d%c", whole, letters[shift / 10]);
	return buf;
}

const char *ipcs_ctime(int64_t t, char *buf, size_t len)
{
	static const char *const wday[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t tt = (time_t)t;
	struct tm tm;

	/* ctime's text is fixed English whatever LC_TIME says, so no strftime here. */
	if (!localtime_r(&tt, &tm) || tm.tm_year > 9999 - 1900 || tm.tm_year < -1900) {
		snprintf(buf, len, "%s", "");
		return buf;
	}
	snprintf(buf, len, "%s %s %2d %02d:%02d:%02d %d", wday[tm.tm_wday % 7], mon[tm.tm_mon % 12],
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
	return buf;
}

static int cmp_kernel_order(const void *a, const void *b)
{
	const struct ipc_object *x = *(const struct ipc_object *const *)a;
	const struct ipc_object *y = *(const struct ipc_object *const *)b;

	if (obj_ipc(x)->kernel_pos != obj_ipc(y)->kernel_pos)
		return obj_ipc(x)->kernel_pos < obj_ipc(y)->kernel_pos ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

const struct ipc_object **ipcs_objects(const struct snapshot *snap, enum ipc_kind kind, size_t *n)
{
	const struct ipc_object **v = xcalloc(snap->nobjs + 1, sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < snap->nobjs; i++)
		if (snap->objs[i]->kind == kind)
			v[k++] = snap->objs[i];
	qsort(v, k, sizeof(*v), cmp_kernel_order);
	*n = k;
	return v;
}

/* The whole mode as the kernel keeps it: permissions plus the segment status bits. */
static unsigned full_mode(const struct ipc_object *o)
{
	unsigned m = o->mode & 0777;

	if (o->flags & OBJ_DEST)
		m |= MODE_SHM_DEST;
	if (o->flags & OBJ_LOCKED)
		m |= MODE_SHM_LOCKED;
	return m;
}

static uint64_t count(int64_t v)
{
	return v > 0 ? (uint64_t)v : 0;
}

/* A figure with its label, as ipcs prints sizes: "label (bytes) = N", "label = 16K",
 * or after a label ending in '=' the bare figure. width as printf's (negative: left). */
static void print_size(FILE *out, enum ipcs_unit unit, const char *label, uint64_t size,
		       const char *end, int width)
{
	char human[32];

	if (label && label[0] && label[strlen(label) - 1] == '=')
		fputs(label, out);
	else if (label && unit == IPCS_UNIT_BYTES)
		fprintf(out, "%s (bytes) = ", label);
	else if (label && unit == IPCS_UNIT_KB)
		fprintf(out, "%s (kbytes) = ", label);
	else if (label)
		fprintf(out, "%s = ", label);

	switch (unit) {
	case IPCS_UNIT_KB:
		size /= 1024;
		/* fall through */
	case IPCS_UNIT_DEFAULT:
	case IPCS_UNIT_BYTES:
		fprintf(out, "%*" PRIu64, width, size);
		break;
	case IPCS_UNIT_HUMAN:
		fprintf(out, "%*s", width, ipcs_human(size, human, sizeof(human)));
		break;
	}
	if (end)
		fputs(end, out);
}

/* "id owner" with the owner's name cut to ten characters, or the numeric uid. */
static void print_id_owner(FILE *out, const struct ipc_object *o, int idwidth)
{
	const char *name = user_name(o->uid);

	if (name)
		fprintf(out, "%-*d %-10.10s", idwidth, (int)o->id, name);
	else
		fprintf(out, "%-*d %-10u", idwidth, (int)o->id, (unsigned)o->uid);
}

static void print_name(FILE *out, const char *name, unsigned id, const char *end)
{
	if (name)
		fprintf(out, " %-10s%s", name, end);
	else
		fprintf(out, " %-10u%s", id, end);
}

/* -c: creator and owner, names uncut. */
static void print_creator(FILE *out, const struct ipc_object *o)
{
	fprintf(out, "%-10d %-10o", (int)o->id, o->mode & 0777);
	print_name(out, user_name(obj_ipc(o)->cuid), (unsigned)obj_ipc(o)->cuid, "");
	print_name(out, group_name(obj_ipc(o)->cgid), (unsigned)obj_ipc(o)->cgid, "");
	print_name(out, user_name(o->uid), (unsigned)o->uid, "");
	print_name(out, group_name(o->gid), (unsigned)o->gid, "\n");
}

/* A time column: ctime's text from the month on, cut to 16 and padded to 20. */
static void print_short_time(FILE *out, int64_t t, const char *end)
{
	char buf[64];

	fprintf(out, " %-20.16s%s", t ? ipcs_ctime(t, buf, sizeof(buf)) + 4 : "Not set", end);
}

static const char *long_time(int64_t t, char *buf, size_t len)
{
	if (!t)
		return "Not set";
	ipcs_ctime(t, buf, len);
	return buf;
}

static const struct limit *lim(const struct snapshot *snap, const char *name)
{
	const struct limit *l = snapshot_find_limit(snap, name);

	return l && l->has_value ? l : NULL;
}

static uint64_t used(const struct snapshot *snap, const char *name, bool *ok)
{
	const struct limit *l = snapshot_find_limit(snap, name);

	if (!l || !l->has_used) {
		*ok = false;
		return 0;
	}
	return l->used;
}

/* x * factor, or the largest multiple of factor when that overflows: ipcs's way of
 * printing shmall's "no limit" default without wrapping to a small number. */
static uint64_t mul_clamped(uint64_t x, uint64_t factor)
{
	if (factor && x > UINT64_MAX / factor)
		return UINT64_MAX - UINT64_MAX % factor;
	return x * factor;
}

static void msg_limits(FILE *out, const struct snapshot *snap, enum ipcs_unit unit)
{
	const struct limit *mni = lim(snap, "msgmni"), *max = lim(snap, "msgmax"),
			   *mnb = lim(snap, "msgmnb");
	enum ipcs_unit u = unit == IPCS_UNIT_DEFAULT ? IPCS_UNIT_BYTES : unit;

	if (!mni || !max || !mnb) {
		fputs("unable to fetch message limits\n", out);
		return;
	}
	fputs("------ Messages Limits --------\n", out);
	/* ipcs reads msgmni and msgmnb as int, msgmax as a 64-bit size. */
	fprintf(out, "max queues system wide = %d\n", (int)mni->value);
	print_size(out, u, "max size of message", max->value, "\n", 0);
	print_size(out, u, "default max size of queue", (uint64_t)(int64_t)(int)mnb->value, "\n", 0);
}

static void shm_limits(FILE *out, const struct snapshot *snap, enum ipcs_unit unit)
{
	const struct limit *mni = lim(snap, "shmmni"), *max = lim(snap, "shmmax"),
			   *all = lim(snap, "shmall"), *min = lim(snap, "shmmin");
	long page = sysconf(_SC_PAGESIZE);
	uint64_t pgsz = page > 0 ? (uint64_t)page : 4096;

	if (!mni || !max || !all) {
		fputs("unable to fetch shared memory limits\n", out);
		return;
	}
	fputs("------ Shared Memory Limits --------\n", out);
	fprintf(out, "max number of segments = %" PRIu64 "\n", mni->value);
	print_size(out, unit == IPCS_UNIT_DEFAULT ? IPCS_UNIT_KB : unit, "max seg size", max->value,
		   "\n", 0);
	if (unit == IPCS_UNIT_DEFAULT || unit == IPCS_UNIT_KB)
		print_size(out, IPCS_UNIT_DEFAULT, "max total shared memory (kbytes)",
			   mul_clamped(all->value, pgsz / 1024), "\n", 0);
	else
		print_size(out, unit, "max total shared memory", mul_clamped(all->value, pgsz), "\n",
			   0);
	print_size(out, unit == IPCS_UNIT_DEFAULT ? IPCS_UNIT_BYTES : unit, "min seg size",
		   min ? min->value : 1, "\n", 0);
}

static void sem_limits(FILE *out, const struct snapshot *snap)
{
	const struct limit *mni = lim(snap, "semmni"), *msl = lim(snap, "semmsl"),
			   *mns = lim(snap, "semmns"), *opm = lim(snap, "semopm"),
			   *vmx = lim(snap, "semvmx");

	if (!mni || !msl || !mns || !opm) {
		fputs("unable to fetch semaphore limits\n", out);
		return;
	}
	/* /proc/sys/kernel/sem holds four ints; ipcs prints them as such. */
	fputs("------ Semaphore Limits --------\n", out);
	fprintf(out, "max number of arrays = %d\n", (int)mni->value);
	fprintf(out, "max semaphores per array = %d\n", (int)msl->value);
	fprintf(out, "max semaphores system wide = %d\n", (int)mns->value);
	fprintf(out, "max ops per semop call = %d\n", (int)opm->value);
	fprintf(out, "semaphore max value = %u\n", vmx ? (unsigned)vmx->value : 32767u);
}

static void msg_status(FILE *out, const struct snapshot *snap, enum ipcs_unit unit)
{
	bool ok = true;
	uint64_t queues = used(snap, "msgmni", &ok), headers = used(snap, "msg_headers", &ok),
		 bytes = used(snap, "msg_bytes", &ok);

	if (!ok) {
		fputs("kernel not configured for message queues\n", out);
		return;
	}
	fputs("------ Messages Status --------\n", out);
	fprintf(out, "allocated queues = %d\n", (int)queues);
	fprintf(out, "used headers = %d\n", (int)headers);
	print_size(out, unit, "used space", bytes, unit == IPCS_UNIT_DEFAULT ? " bytes\n" : "\n", 0);
}

static void shm_status(FILE *out, const struct snapshot *snap)
{
	bool ok = true, swap_ok = true;
	uint64_t segs = used(snap, "shmmni", &ok), pages = used(snap, "shmall", &ok),
		 rss = used(snap, "shm_rss", &ok), swp = used(snap, "shm_swap", &ok),
		 attempts = used(snap, "shm_swap_attempts", &swap_ok),
		 successes = used(snap, "shm_swap_successes", &swap_ok);

	if (!ok) {
		fputs("kernel not configured for shared memory\n", out);
		return;
	}
	/* The spacing is util-linux's, kept for the scripts that parse it. */
	fputs("------ Shared Memory Status --------\n", out);
	fprintf(out, "segments allocated %d\n", (int)segs);
	fprintf(out, "pages allocated %" PRIu64 "\n", pages);
	fprintf(out, "pages resident  %" PRIu64 "\n", rss);
	fprintf(out, "pages swapped   %" PRIu64 "\n", swp);
	fprintf(out, "Swap performance: %" PRIu64 " attempts\t %" PRIu64 " successes\n",
		swap_ok ? attempts : 0, swap_ok ? successes : 0);
}

static void sem_status(FILE *out, const struct snapshot *snap)
{
	bool ok = true;
	uint64_t sets = used(snap, "semmni", &ok), sems = used(snap, "semmns", &ok);

	if (!ok) {
		fputs("kernel not configured for semaphores\n", out);
		return;
	}
	fputs("------ Semaphore Status --------\n", out);
	fprintf(out, "used arrays = %d\n", (int)sets);
	fprintf(out, "allocated semaphores = %d\n", (int)sems);
}

/* Header lines per kind and format; NULL title: the format prints nothing for the kind. */
struct section_head {
	const char *title;
	const char *line;
};

static struct section_head head_of(enum ipc_kind kind, enum ipcs_format fmt, enum ipcs_unit unit)
{
	static char line[160];
	bool human = unit == IPCS_UNIT_HUMAN;
	struct section_head h = {NULL, NULL};

	switch (kind * 8 + fmt) {
	case KIND_SYSV_MSG * 8 + IPCS_FMT_CREATOR:
		h.title = "Message Queues Creators/Owners";
		snprintf(line, sizeof(line), "%-10s %-10s %-10s %-10s %-10s %-10s", "msqid", "perms",
			 "cuid", "cgid", "uid", "gid");
		break;
	case KIND_SYSV_MSG * 8 + IPCS_FMT_TIME:
		h.title = "Message Queues Send/Recv/Change Times";
		snprintf(line, sizeof(line), "%-8s %-10s %-20s %-20s %-20s", "msqid", "owner", "send",
			 "recv", "change");
		break;
	case KIND_SYSV_MSG * 8 + IPCS_FMT_PID:
		h.title = "Message Queues PIDs";
		snprintf(line, sizeof(line), "%-10s %-10s %-10s %-10s", "msqid", "owner", "lspid",
			 "lrpid");
		break;
	case KIND_SYSV_MSG * 8 + IPCS_FMT_LIST:
		h.title = "Message Queues";
		snprintf(line, sizeof(line), "%-10s %-10s %-10s %-10s %-12s %-12s", "key", "msqid",
			 "owner", "perms", human ? "size" : "used-bytes", "messages");
		break;
	case KIND_SYSV_SHM * 8 + IPCS_FMT_CREATOR:
		h.title = "Shared Memory Segment Creators/Owners";
		snprintf(line, sizeof(line), "%-10s %-10s %-10s %-10s %-10s %-10s", "shmid", "perms",
			 "cuid", "cgid", "uid", "gid");
		break;
	case KIND_SYSV_SHM * 8 + IPCS_FMT_TIME:
		h.title = "Shared Memory Attach/Detach/Change Times";
		snprintf(line, sizeof(line), "%-10s %-10s %-20s %-20s %-20s", "shmid", "owner",
			 "attached", "detached", "changed");
		break;
	case KIND_SYSV_SHM * 8 + IPCS_FMT_PID:
		h.title = "Shared Memory Creator/Last-op PIDs";
		snprintf(line, sizeof(line), "%-10s %-10s %-10s %-10s", "shmid", "owner", "cpid",
			 "lpid");
		break;
	case KIND_SYSV_SHM * 8 + IPCS_FMT_LIST:
		h.title = "Shared Memory Segments";
		snprintf(line, sizeof(line), "%-10s %-10s %-10s %-10s %-10s %-10s %-12s", "key",
			 "shmid", "owner", "perms", human ? "size" : "bytes", "nattch", "status");
		break;
	case KIND_SYSV_SEM * 8 + IPCS_FMT_CREATOR:
		h.title = "Semaphore Arrays Creators/Owners";
		snprintf(line, sizeof(line), "%-10s %-10s %-10s %-10s %-10s %-10s", "semid", "perms",
			 "cuid", "cgid", "uid", "gid");
		break;
	case KIND_SYSV_SEM * 8 + IPCS_FMT_TIME:
		h.title = "Semaphore Operation/Change Times";
		snprintf(line, sizeof(line), "%-8s %-10s %-26.24s %-26.24s", "semid", "owner",
			 "last-op", "last-changed");
		break;
	case KIND_SYSV_SEM * 8 + IPCS_FMT_LIST:
		h.title = "Semaphore Arrays";
		snprintf(line, sizeof(line), "%-10s %-10s %-10s %-10s %-10s", "key", "semid", "owner",
			 "perms", "nsems");
		break;
	default:
		/* ipcs -s -p: semaphores record no pids per set, and ipcs prints nothing. */
		return h;
	}
	h.line = line;
	return h;
}

static void msg_row(FILE *out, const struct ipc_object *o, enum ipcs_format fmt,
		    enum ipcs_unit unit)
{
	char human[32];

	switch (fmt) {
	case IPCS_FMT_TIME:
		print_id_owner(out, o, 8);
		print_short_time(out, obj_ipc(o)->stime, "");
		print_short_time(out, obj_ipc(o)->rtime, "");
		print_short_time(out, o->ctime, "\n");
		break;
	case IPCS_FMT_PID:
		print_id_owner(out, o, 8);
		fprintf(out, "  %5d     %5d\n", (int)obj_ipc(o)->lspid.pid, (int)obj_ipc(o)->lrpid.pid);
		break;
	default:
		fprintf(out, "0x%08x ", o->key);
		print_id_owner(out, o, 10);
		fprintf(out, " %-10o ", o->mode & 0777);
		if (unit == IPCS_UNIT_HUMAN)
			fprintf(out, "%6s      ", ipcs_human(count(o->used_bytes), human, sizeof(human)));
		else
			fprintf(out, "%-12" PRIu64, count(o->used_bytes));
		fprintf(out, " %-12" PRIu64 "\n", count(obj_ipc(o)->messages));
		break;
	}
}

static void shm_row(FILE *out, const struct ipc_object *o, enum ipcs_format fmt,
		    enum ipcs_unit unit)
{
	char human[32];

	switch (fmt) {
	case IPCS_FMT_TIME:
		print_id_owner(out, o, 10);
		print_short_time(out, obj_ipc(o)->atime, "");
		print_short_time(out, obj_ipc(o)->dtime, "");
		print_short_time(out, o->ctime, "\n");
		break;
	case IPCS_FMT_PID:
		print_id_owner(out, o, 10);
		fprintf(out, " %-10d %-10d\n", (int)obj_ipc(o)->cpid.pid, (int)obj_ipc(o)->lpid.pid);
		break;
	default:
		fprintf(out, "0x%08x ", o->key);
		print_id_owner(out, o, 10);
		fprintf(out, " %-10o ", o->mode & 0777);
		if (unit == IPCS_UNIT_HUMAN)
			fprintf(out, "%6s    ", ipcs_human(count(o->size), human, sizeof(human)));
		else
			fprintf(out, "%-10" PRIu64, count(o->size));
		fprintf(out, " %-10" PRIu64 " %-6s %-6s\n", count(obj_ipc(o)->nattch),
			o->flags & OBJ_DEST ? "dest" : " ", o->flags & OBJ_LOCKED ? "locked" : " ");
		break;
	}
}

static void sem_row(FILE *out, const struct ipc_object *o, enum ipcs_format fmt)
{
	char buf[64];

	switch (fmt) {
	case IPCS_FMT_TIME:
		print_id_owner(out, o, 8);
		fprintf(out, "  %-26.24s", long_time(obj_ipc(o)->otime, buf, sizeof(buf)));
		fprintf(out, " %-26.24s\n", long_time(o->ctime, buf, sizeof(buf)));
		break;
	case IPCS_FMT_PID:
		break;
	default:
		fprintf(out, "0x%08x ", o->key);
		print_id_owner(out, o, 10);
		fprintf(out, " %-10o %-10" PRIu64 "\n", o->mode & 0777, count(obj_ipc(o)->nsems));
		break;
	}
}

void ipcs_print_section(FILE *out, const struct snapshot *snap, enum ipc_kind kind,
			enum ipcs_format fmt, enum ipcs_unit unit)
{
	const struct ipc_object **objs;
	struct section_head h;
	size_t n;

	if (fmt == IPCS_FMT_LIMITS) {
		if (kind == KIND_SYSV_MSG)
			msg_limits(out, snap, unit);
		else if (kind == KIND_SYSV_SHM)
			shm_limits(out, snap, unit);
		else
			sem_limits(out, snap);
		return;
	}
	if (fmt == IPCS_FMT_STATUS) {
		if (kind == KIND_SYSV_MSG)
			msg_status(out, snap, unit);
		else if (kind == KIND_SYSV_SHM)
			shm_status(out, snap);
		else
			sem_status(out, snap);
		return;
	}
	h = head_of(kind, fmt, unit);
	if (h.title)
		fprintf(out, "------ %s --------\n%s\n", h.title, h.line);
	objs = ipcs_objects(snap, kind, &n);
	for (size_t i = 0; i < n; i++) {
		if (fmt == IPCS_FMT_CREATOR)
			print_creator(out, objs[i]);
		else if (kind == KIND_SYSV_MSG)
			msg_row(out, objs[i], fmt, unit);
		else if (kind == KIND_SYSV_SHM)
			shm_row(out, objs[i], fmt, unit);
		else
			sem_row(out, objs[i], fmt);
	}
	free(objs);
}

void ipcs_print_msg(FILE *out, const struct ipc_object *o, int shown_id, uint64_t qbytes,
		    enum ipcs_unit unit)
{
	bool human = unit == IPCS_UNIT_HUMAN;
	char buf[64];

	fprintf(out, "\nMessage Queue msqid=%d\n", shown_id);
	fprintf(out, "uid=%u\tgid=%u\tcuid=%u\tcgid=%u\tmode=%#o\n", (unsigned)o->uid,
		(unsigned)o->gid, (unsigned)obj_ipc(o)->cuid, (unsigned)obj_ipc(o)->cgid, full_mode(o));
	print_size(out, unit, human ? "csize=" : "cbytes=", count(o->used_bytes), "\t", 0);
	print_size(out, unit, human ? "qsize=" : "qbytes=", qbytes, "\t", 0);
	fprintf(out, "qnum=%" PRIu64 "\tlspid=%d\tlrpid=%d\n", count(obj_ipc(o)->messages), (int)obj_ipc(o)->lspid.pid,
		(int)obj_ipc(o)->lrpid.pid);
	fprintf(out, "send_time=%-26.24s\n", long_time(obj_ipc(o)->stime, buf, sizeof(buf)));
	fprintf(out, "rcv_time=%-26.24s\n", long_time(obj_ipc(o)->rtime, buf, sizeof(buf)));
	fprintf(out, "change_time=%-26.24s\n", long_time(o->ctime, buf, sizeof(buf)));
	fputc('\n', out);
}

void ipcs_print_shm(FILE *out, const struct ipc_object *o, int shown_id, enum ipcs_unit unit)
{
	char buf[64];

	fprintf(out, "\nShared memory Segment shmid=%d\n", shown_id);
	fprintf(out, "uid=%u\tgid=%u\tcuid=%u\tcgid=%u\n", (unsigned)o->uid, (unsigned)o->gid,
		(unsigned)obj_ipc(o)->cuid, (unsigned)obj_ipc(o)->cgid);
	fprintf(out, "mode=%#o\taccess_perms=%#o\n", full_mode(o), o->mode & 0777);
	print_size(out, unit, unit == IPCS_UNIT_HUMAN ? "size=" : "bytes=", count(o->size), "\t", 0);
	fprintf(out, "lpid=%d\tcpid=%d\tnattch=%" PRIu64 "\n", (int)obj_ipc(o)->lpid.pid, (int)obj_ipc(o)->cpid.pid,
		count(obj_ipc(o)->nattch));
	fprintf(out, "att_time=%-26.24s\n", long_time(obj_ipc(o)->atime, buf, sizeof(buf)));
	fprintf(out, "det_time=%-26.24s\n", long_time(obj_ipc(o)->dtime, buf, sizeof(buf)));
	/* ipcs prints the change time even when it is zero. */
	fprintf(out, "change_time=%-26.24s\n", ipcs_ctime(o->ctime, buf, sizeof(buf)));
	fputc('\n', out);
}

void ipcs_print_sem(FILE *out, const struct ipc_object *o, int shown_id)
{
	char buf[64];

	fprintf(out, "\nSemaphore Array semid=%d\n", shown_id);
	fprintf(out, "uid=%u\t gid=%u\t cuid=%u\t cgid=%u\n", (unsigned)o->uid, (unsigned)o->gid,
		(unsigned)obj_ipc(o)->cuid, (unsigned)obj_ipc(o)->cgid);
	fprintf(out, "mode=%#o, access_perms=%#o\n", full_mode(o), o->mode & 0777);
	fprintf(out, "nsems = %" PRIu64 "\n", count(obj_ipc(o)->nsems));
	fprintf(out, "otime = %-26.24s\n", long_time(obj_ipc(o)->otime, buf, sizeof(buf)));
	fprintf(out, "ctime = %-26.24s\n", ipcs_ctime(o->ctime, buf, sizeof(buf)));
	fprintf(out, "%-10s %-10s %-10s %-10s %-10s\n", "semnum", "value", "ncount", "zcount", "pid");
	for (int64_t i = 0; obj_ipc(o)->sems && i < obj_ipc(o)->nsems; i++)
		fprintf(out, "%-10d %-10d %-10d %-10d %-10d\n", (int)i, obj_ipc(o)->sems[i].value,
			obj_ipc(o)->sems[i].ncount, obj_ipc(o)->sems[i].zcount, (int)obj_ipc(o)->sems[i].pid.pid);
	fputc('\n', out);
}
