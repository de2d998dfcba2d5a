/* clean.c - selecting stale or named objects and removing them without ever touching one
 * that changed or came into use since the scan. */
#include "act/clean.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "act/family.h"
#include "act/ops.h"
#include "collectors/collector.h"
#include "collectors/nsdisc.h"
#include "collectors/nsenter.h"
#include "act/backup.h"
#include "core/kinds.h"
#include "core/util.h"
#include "render/json.h"

/* Tests set these to a shell command, to attach to or recycle an object in exactly the
 * windows the rechecks guard: after the scan and before the rescan (IPCSCOPE_CANDIDATES holds
 * every candidate's identity), and per object after the rescan and before the kernel is asked
 * again (IPCSCOPE_OBJECT holds its identity). */
#define HOOK_BEFORE_RESCAN "IPCSCOPE_TEST_HOOK_BEFORE_RECHECK"
#define HOOK_BEFORE_REMOVE "IPCSCOPE_TEST_HOOK_BEFORE_REMOVE"

void clean_opts_init(struct clean_opts *o)
{
	memset(o, 0, sizeof(*o));
	stale_ctx_init(&o->stale, (int64_t)time(NULL));
	o->all_ns = true; /* as root: objects of every namespace, each acted on inside it */
}

/* The object at place pos of the report's snapshot. */
static struct clean_item *add_item(struct clean_report *r, size_t pos, enum clean_status st,
				   const char *evidence)
{
	struct clean_item *it;

	xgrow((void **)&r->items, &r->cap, r->n + 1, sizeof(*r->items));
	it = &r->items[r->n++];
	memset(it, 0, sizeof(*it));
	it->obj = r->snap.objs[pos];
	it->pos = pos;
	it->family = r->families[pos] ? xstrdup(r->families[pos]) : NULL;
	it->status = st;
	it->evidence = evidence && *evidence ? xstrdup(evidence) : NULL;
	return it;
}

static void set_reason(struct clean_item *it, enum clean_status st, const char *reason)
{
	it->status = st;
	free(it->reason);
	it->reason = reason ? xstrdup(reason) : NULL;
}

static int scan(const struct clean_opts *o, unsigned kinds, struct snapshot *snap)
{
	struct scan_ctx ctx;
	int rc;

	snapshot_init(snap);
	rc = scan_ctx_init(&ctx, o->root, kinds);
	if (rc < 0)
		return rc;
	ctx.fifo_dirs = o->stale.fifo_dirs;
	ctx.nfifo_dirs = o->stale.nfifo_dirs;
	ctx.all_ns = o->all_ns;
	ctx.select = o->select;
	rc = scan_run(&ctx, snap);
	scan_ctx_release(&ctx);
	return rc;
}

/* Kinds that rm and clean can act on. */
static unsigned removable_kinds(void)
{
	unsigned m = 0;

	for (int k = 0; k < KIND__COUNT; k++)
		if (kind_ops_of((enum ipc_kind)k))
			m |= KIND_BIT(k);
	return m;
}

static const char *const *sort_families; /* for cmp_family (qsort has no context) */

static int cmp_family(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(sort_families[x], sort_families[y]);

	return c ? c : (x > y) - (x < y);
}

/* A family is removed whole or not at all: every candidate of a family that has a member
 * which is not a candidate (not stale, not selected, refused) is kept, and names that
 * member (the first in the snapshot's order). The objects are grouped by family once. */
static void keep_families_whole(struct clean_report *r, bool is_rm)
{
	size_t nobjs = r->snap.nobjs, n = 0;
	size_t *order = xcalloc(nobjs ? nobjs : 1, sizeof(*order));
	long *item = xcalloc(nobjs ? nobjs : 1, sizeof(*item)); /* item index + 1; 0 none */

	for (size_t i = 0; i < r->n; i++)
		item[r->items[i].pos] = (long)i + 1;
	for (size_t j = 0; j < nobjs; j++)
		if (r->families[j])
			order[n++] = j;
	sort_families = (const char *const *)r->families;
	if (n > 1)
		qsort(order, n, sizeof(*order), cmp_family);
	for (size_t g = 0, end; g < n; g = end) {
		const char *fam = r->families[order[g]];
		const struct ipc_object *kept = NULL;

		for (end = g; end < n && !strcmp(r->families[order[end]], fam); end++) {
			long it = item[order[end]];

			if (!kept && (!it || r->items[it - 1].status != CLEAN_CANDIDATE))
				kept = r->snap.objs[order[end]]; /* the group is in snapshot order */
		}
		for (size_t k = g; kept && k < end; k++) {
			long it = item[order[k]];
			char *why;

			if (!it || r->items[it - 1].status != CLEAN_CANDIDATE)
				continue;
			why = is_rm ? xasprintf("part of family %s, whose %s is not named: name every member, "
						"or --force", fam, kept->identity)
				    : xasprintf("family %s is kept whole: %s is not stale, or not selected", fam,
					    kept->identity);
			set_reason(&r->items[it - 1], is_rm ? CLEAN_REFUSED : CLEAN_SKIPPED, why);
			free(why);
		}
	}
	free(order);
	free(item);
}

int clean_plan(struct clean_report *r, const struct clean_opts *o)
{
	unsigned kinds = (o->filter.kinds ? o->filter.kinds : KINDS_ALL) & removable_kinds();
	struct stale_ctx sc = o->stale;
	int rc;

	memset(r, 0, sizeof(*r));
	r->dry_run = !o->apply;
	/* Every removable kind is read, whatever -t says: a family is judged whole. */
	rc = scan(o, removable_kinds(), &r->snap);
	if (rc < 0)
		return rc;
	r->families = families_of(&r->snap);
	sc.holders_complete = r->snap.holders_complete;
	for (size_t i = 0; i < r->snap.nobjs; i++) {
		struct ipc_object *obj = r->snap.objs[i];
		struct evidence ev;

		if (!(kinds & KIND_BIT(obj->kind)) || !filter_match(&o->filter, obj) ||
		    (o->expr && !expr_eval(o->expr, obj)))
			continue;
		r->holders_unproven |= !sc.holders_complete && kind_info(obj->kind)->needs_every_holder;
		if (object_is_stale(obj, &sc, &ev))
			add_item(r, i, CLEAN_CANDIDATE, ev.text);
	}
	keep_families_whole(r, false);
	return 0;
}

int rm_plan(struct clean_report *r, const struct clean_opts *o, int kind, char *const *refs,
	    size_t nrefs, char ***bad)
{
	size_t nbad = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	*bad = xcalloc(nrefs + 1, sizeof(**bad));
	r->dry_run = !o->apply;
	r->is_rm = true;
	rc = scan(o, KINDS_ALL, &r->snap);
	if (rc < 0)
		return rc;
	r->families = families_of(&r->snap);
	for (size_t i = 0; i < nrefs; i++) {
		struct ipc_object *match = NULL;
		size_t n = 0, pos = 0;
		int k = kind;

		if (k < 0) {
			char word[32];
			size_t l = strcspn(refs[i], ":");

			snprintf(word, sizeof(word), "%.*s", (int)(l < 31 ? l : 31), refs[i]);
			k = kind_by_name(word);
			if (k < 0 || !refs[i][l]) {
				(*bad)[nbad++] = xasprintf("'%s' is not an identity (KIND:...), and no KIND was given", refs[i]);
				continue;
			}
		}
		if (!kind_ops_of((enum ipc_kind)k)) {
			(*bad)[nbad++] = xasprintf("%s objects cannot be removed: they end with their holders",
						   kind_name((enum ipc_kind)k));
			continue;
		}
		for (size_t j = 0; j < r->snap.nobjs; j++) {
			struct ipc_object *obj = r->snap.objs[j];
			if ((int)obj->kind == k && object_matches_ref(obj, refs[i])) {
				match = obj;
				pos = j;
				n++;
			}
		}
		if (n == 0) {
			(*bad)[nbad++] = xasprintf("no %s object '%s'", kind_name((enum ipc_kind)k), refs[i]);
		} else if (n > 1) {
			(*bad)[nbad++] = xasprintf("'%s' names %zu %s objects; give the id or identity", refs[i],
						   n, kind_name((enum ipc_kind)k));
		} else {
			struct evidence ev;
			bool dup = false;

			for (size_t j = 0; j < r->n; j++)
				dup |= r->items[j].obj == match;
			if (dup)
				continue;
			/* Unlinked while held: no name is left to remove, even with --force. */
			if ((match->kind == KIND_POSIX_SHM || match->kind == KIND_POSIX_SEM) &&
			    (match->flags & OBJ_DELETED)) {
				set_reason(add_item(r, pos, CLEAN_REFUSED, ""), CLEAN_REFUSED,
					   "unlinked: no name to remove; it ends with its holders");
				continue;
			}
			/* The same proof clean asks for: "nobody holds it" needs every process read. */
			if (!o->force && !r->snap.holders_complete && kind_info(match->kind)->needs_every_holder) {
				r->holders_unproven = true;
				set_reason(add_item(r, pos, CLEAN_REFUSED,
						    "not every process's fds and maps could be read: cannot prove "
						    "nobody holds it"),
					   CLEAN_REFUSED, "maybe in use (--force removes it anyway)");
				continue;
			}
			if (object_in_use(match, &ev) && !o->force)
				set_reason(add_item(r, pos, CLEAN_REFUSED, ev.text), CLEAN_REFUSED,
					   "in use (--force removes it anyway)");
			else
				add_item(r, pos, CLEAN_CANDIDATE, ev.text);
		}
	}
	if (!o->force)
		keep_families_whole(r, true);
	return nbad ? -ENOENT : 0;
}

static void hook_before_rescan(const struct clean_report *r)
{
	size_t len = 1;
	char *ids;

	if (!getenv(HOOK_BEFORE_RESCAN))
		return;
	for (size_t i = 0; i < r->n; i++)
		len += strlen(r->items[i].obj->identity) + 1;
	ids = xcalloc(1, len);
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			strcat(ids, " ");
		strcat(ids, r->items[i].obj->identity);
	}
	test_hook(HOOK_BEFORE_RESCAN, "IPCSCOPE_CANDIDATES", ids);
	free(ids);
}

/* The object the rescan found under the same identity, if it is the same object. */
static bool same_object(const struct ipc_object *a, const struct ipc_object *b)
{
	const struct kind_ops *ops = kind_ops_of(a->kind);

	if (ops->same)
		return a->kind == b->kind && ops->same(a, b);
	if (a->kind != b->kind || a->has_key != b->has_key || (a->has_key && a->key != b->key))
		return false;
	if (a->ctime != b->ctime || a->inode != b->inode)
		return false;
	if (obj_ipc(a)->has_creator_ids && (!obj_ipc(b)->has_creator_ids || obj_ipc(a)->cuid != obj_ipc(b)->cuid))
		return false;
	if ((a->name || b->name) && (!a->name || !b->name || strcmp(a->name, b->name)))
		return false;
	return true;
}

/* A name for the object's backup directory: kind, id or name, and the time. */
static char *backup_name(const struct ipc_object *o, int64_t now, int n)
{
	char what[64];

	if (o->id >= 0) {
		snprintf(what, sizeof(what), "%lld", (long long)o->id);
	} else {
		const char *s = o->name ? o->name : "x";
		size_t j = 0;

		for (; *s && j < sizeof(what) - 1; s++)
			what[j++] = (*s == '/' || *s == '.' || (unsigned char)*s < 0x20) ? '_' : *s;
		what[j] = '\0';
	}
	return n ? xasprintf("%s-%s-%lld-%d", kind_name(o->kind), what, (long long)now, n)
		 : xasprintf("%s-%s-%lld", kind_name(o->kind), what, (long long)now);
}

/* --backup DIR, made and opened once, in the caller's mount namespace (an object of another
 * is backed up from inside it, where the path would name another directory). fd or -errno. */
static int backup_top(const struct clean_opts *o, struct evidence *why)
{
	int top;

	if (mkdir(o->backup_dir, 0700) < 0 && errno != EEXIST) {
		evidence_add(why, "cannot create %s: %s", o->backup_dir, strerror(errno));
		return -errno;
	}
	top = open(o->backup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0) {
		evidence_add(why, "cannot open %s: %s", o->backup_dir, strerror(errno));
		return -errno;
	}
	return top;
}

static int backup_one(struct clean_item *it, const struct clean_opts *o, int top, struct evidence *why)
{
	const struct kind_ops *ops = kind_ops_of(it->obj->kind);
	json_t *meta = json_object(), *doc = NULL;
	char *name = NULL, *text = NULL;
	int dir = -1, rc;

	for (int n = 0;; n++) {
		free(name);
		name = backup_name(it->obj, o->stale.now, n);
		if (mkdirat(top, name, 0700) == 0)
			break;
		if (errno != EEXIST || n > 100) {
			rc = -errno;
			evidence_add(why, "cannot create backup directory: %s", strerror(errno));
			goto out;
		}
	}
	dir = openat(top, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		rc = -errno;
		goto out;
	}
	rc = ops->backup(it->obj, dir, meta, &it->consumed);
	if (rc) {
		/* From a kind's backup, -ESTALE: what was read changed under the reader;
		 * -ENODATA: the file is too short to hold what its kind keeps there. */
		evidence_add(why, "backup failed: %s",
			     rc == -ESTALE    ? "it changed or was replaced while being read"
			     : rc == -ENODATA ? "its file is too short for its kind"
					      : strerror(-rc));
		goto out;
	}
	doc = json_pack("{s:s}", "schema", "ipcscope/1-backup");
	json_set_text(doc, "identity", it->obj->identity);
	json_object_set_new(doc, "kind", json_string(kind_name(it->obj->kind)));
	json_object_set_new(doc, "saved", json_integer((json_int_t)o->stale.now));
	json_object_set_new(doc, "restore", json_incref(meta));
	json_object_set_new(doc, "object", json_of_object(it->obj));
	text = json_dumps(doc, JSON_OUT_PRETTY);
	rc = text ? write_file_at(dir, "meta.json", text, strlen(text)) : -ENOMEM;
	if (rc) {
		evidence_add(why, "cannot write meta.json: %s", strerror(-rc));
		goto out;
	}
	it->backup = xasprintf("%s/%s", o->backup_dir, name);
out:
	free(text);
	json_decref(doc);
	json_decref(meta);
	free(name);
	if (dir >= 0)
		close(dir);
	return rc;
}

/* What is done to one object inside its namespace: recheck, backup, removal. */
struct act_step {
	struct clean_item *it;
	const struct clean_opts *o;
	int top;                  /* the backup directory, -1 without --backup */
	bool is_rm;
	bool check_only;          /* recheck, and leave a candidate that passes as it is */
};

static int act_on_kernel(void *arg)
{
	struct act_step *a = arg;
	struct clean_item *it = a->it;
	const struct kind_ops *ops = kind_ops_of(it->obj->kind);
	struct evidence why;
	int rc;

	evidence_init(&why);
	rc = ops->recheck(it->obj, a->o->force, &why);
	if (rc == -EACCES || rc == -EPERM) {
		set_reason(it, CLEAN_DENIED, why.text);
		return 0;
	}
	if (rc) {
		set_reason(it, rc == -EBUSY && a->is_rm ? CLEAN_REFUSED : CLEAN_SKIPPED, why.text);
		return 0;
	}
	if (a->check_only)
		return 0;
	/* A failed backup keeps the object: a queue drained for it got its messages back. */
	if (a->top >= 0 && (rc = backup_one(it, a->o, a->top, &why)) < 0) {
		set_reason(it, rc == -EACCES || rc == -EPERM ? CLEAN_DENIED : CLEAN_FAILED, why.text);
		return 0;
	}
	rc = ops->remove(it->obj);
	if (rc == 0) {
		set_reason(it, CLEAN_REMOVED, NULL);
	} else if (rc == -EPERM || rc == -EACCES) {
		set_reason(it, CLEAN_DENIED, "permission denied");
	} else if (rc == -ENOENT || rc == -EINVAL || rc == -EIDRM) {
		set_reason(it, CLEAN_SKIPPED, "gone before it could be removed");
	} else {
		char *r = xasprintf("removal failed: %s", strerror(-rc));
		set_reason(it, CLEAN_FAILED, r);
		free(r);
	}
	return 0;
}

/* Run act_on_kernel where the object lives: here, or inside its namespace through the
 * process the rescan found in it (now->ns_pid), which must still be in that namespace. */
static void act_in_namespace(struct act_step *a, const struct ipc_object *now)
{
	int t = ns_type_of_kind(now->kind), rc;
	char *r;

	if (!now->ns_pid || t < 0) {
		act_on_kernel(a);
		return;
	}
	rc = ns_run_in(now->ns_pid, (enum ns_type)t, now->ns, act_on_kernel, a);
	if (rc == 0)
		return;
	if (rc == -ESRCH) {
		set_reason(a->it, CLEAN_SKIPPED, "gone since the scan: its namespace is gone");
		return;
	}
	r = xasprintf("cannot enter its %s namespace: %s", ns_type_name((enum ns_type)t), strerror(-rc));
	set_reason(a->it, rc == -EPERM ? CLEAN_DENIED : CLEAN_FAILED, r);
	free(r);
}

static void remove_one(struct clean_item *it, const struct clean_opts *o, int top,
		       struct snapshot *fresh, const struct stale_ctx *sc, bool is_rm, bool check_only)
{
	struct act_step a = {.it = it, .o = o, .top = top, .is_rm = is_rm, .check_only = check_only};
	const struct ipc_object *now = snapshot_find_identity(fresh, it->obj->identity);
	struct evidence why;

	evidence_init(&why);
	if (!now) {
		set_reason(it, CLEAN_SKIPPED, "gone since the scan");
		return;
	}
	if (!same_object(it->obj, now)) {
		set_reason(it, CLEAN_SKIPPED, "another object has this identity now (recycled id or name)");
		return;
	}
	/* -Q only narrows: what no longer passes it is kept. */
	if (!is_rm && o->expr && !expr_eval(o->expr, now)) {
		set_reason(it, CLEAN_SKIPPED, "no longer matches -Q");
		return;
	}
	if (!is_rm && !object_is_stale(now, sc, &why)) {
		char *r = xasprintf("no longer stale: %s", why.text);
		set_reason(it, CLEAN_SKIPPED, r);
		free(r);
		return;
	}
	if (is_rm && !o->force && !fresh->holders_complete && kind_info(now->kind)->needs_every_holder) {
		set_reason(it, CLEAN_REFUSED, "not every process could be read at the recheck: "
					      "cannot prove nobody holds it (--force removes it anyway)");
		return;
	}
	if (is_rm && !o->force && object_in_use(now, &why)) {
		char *r = xasprintf("in use now: %s", why.text);
		set_reason(it, CLEAN_REFUSED, r);
		free(r);
		return;
	}
	test_hook(HOOK_BEFORE_REMOVE, "IPCSCOPE_OBJECT", it->obj->identity);
	act_in_namespace(&a, now);
}

/* After the checks: a family one member of which failed them keeps every member. */
static void keep_checked_families_whole(struct clean_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct clean_item *failed = &r->items[i];

		if (!failed->family || failed->status == CLEAN_CANDIDATE)
			continue;
		for (size_t j = 0; j < r->n; j++) {
			struct clean_item *it = &r->items[j];
			char *why;

			if (it->status != CLEAN_CANDIDATE || !it->family || strcmp(it->family, failed->family))
				continue;
			why = xasprintf("family %s is kept whole: %s was not removed (%s)", it->family,
					failed->obj->identity, failed->reason ? failed->reason : "");
			set_reason(it, CLEAN_SKIPPED, why);
			free(why);
		}
	}
}

int clean_apply(struct clean_report *r, const struct clean_opts *o)
{
	struct snapshot fresh;
	struct stale_ctx sc = o->stale;
	unsigned kinds = 0;
	bool any = false;
	int rc, top = -1;

	if (!o->apply)
		return 0;
	for (size_t i = 0; i < r->n; i++) {
		if (r->items[i].status == CLEAN_CANDIDATE) {
			kinds |= KIND_BIT(r->items[i].obj->kind);
			any = true;
		}
	}
	if (!any)
		return 0;
	hook_before_rescan(r);
	rc = scan(o, kinds, &fresh);
	if (rc < 0) {
		snapshot_release(&fresh);
		return rc;
	}
	sc.holders_complete = fresh.holders_complete;
	sc.now = (int64_t)time(NULL);
	if (o->backup_dir) {
		struct evidence why;

		evidence_init(&why);
		top = backup_top(o, &why);
		if (top < 0) {
			/* No backup can be made: nothing is removed. */
			for (size_t i = 0; i < r->n; i++)
				if (r->items[i].status == CLEAN_CANDIDATE)
					set_reason(&r->items[i], CLEAN_FAILED, why.text);
			snapshot_release(&fresh);
			return 0;
		}
	}
	/* Families first pass every check, all of them, before any member is removed. */
	for (size_t i = 0; i < r->n; i++)
		if (r->items[i].status == CLEAN_CANDIDATE && r->items[i].family)
			remove_one(&r->items[i], o, top, &fresh, &sc, r->is_rm, true);
	keep_checked_families_whole(r);
	for (size_t i = 0; i < r->n; i++)
		if (r->items[i].status == CLEAN_CANDIDATE)
			remove_one(&r->items[i], o, top, &fresh, &sc, r->is_rm, false);
	if (top >= 0)
		close(top);
	snapshot_release(&fresh);
	return 0;
}

void clean_report_release(struct clean_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->items[i].evidence);
		free(r->items[i].reason);
		free(r->items[i].backup);
		free(r->items[i].family);
	}
	free(r->items);
	families_free(r->families, r->snap.nobjs);
	snapshot_release(&r->snap);
	memset(r, 0, sizeof(*r));
}

const char *clean_status_name(enum clean_status s)
{
	static const char *const names[CLEAN__COUNT] = {
		[CLEAN_CANDIDATE] = "candidate", [CLEAN_REMOVED] = "removed", [CLEAN_SKIPPED] = "skipped",
		[CLEAN_REFUSED] = "refused",     [CLEAN_DENIED] = "denied",   [CLEAN_FAILED] = "failed",
	};
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

json_t *clean_item_json(const struct clean_item *it)
{
	json_t *j = json_object();

	/* Every text member through json_set_text: names are bytes, and one that is no
	 * valid UTF-8 must not blank the item. */
	json_set_text(j, "identity", it->obj->identity);
	json_object_set_new(j, "kind", json_string(kind_name(it->obj->kind)));
	json_object_set_new(j, "status", json_string(clean_status_name(it->status)));
	if (it->evidence)
		json_set_text(j, "evidence", it->evidence);
	if (it->reason)
		json_set_text(j, "reason", it->reason);
	if (it->backup)
		json_set_text(j, "backup", it->backup);
	if (it->family)
		json_set_text(j, "family", it->family);
	json_object_set_new(j, "object", json_of_object(it->obj));
	return j;
}

static int64_t pinned_bytes(const struct ipc_object *o)
{
	return obj_ipc(o)->blocks > 0 ? obj_ipc(o)->blocks : o->size > 0 ? o->size : 0;
}

static int cmp_pinned(const void *a, const void *b)
{
	const struct pinned *x = a, *y = b;

	return x->bytes != y->bytes ? (x->bytes < y->bytes ? 1 : -1) : (x->pid > y->pid) - (x->pid < y->pid);
}

struct pinned *clean_pinned(const struct clean_report *r, size_t *n, int64_t *total)
{
	struct pinned *v = NULL;
	size_t cap = 0;

	*n = 0;
	*total = 0;
	for (size_t i = 0; i < r->snap.nobjs; i++) {
		const struct ipc_object *o = r->snap.objs[i];

		if (!(o->flags & OBJ_DELETED) || (o->kind != KIND_POSIX_SHM && o->kind != KIND_POSIX_SEM))
			continue;
		*total += pinned_bytes(o);
		for (size_t h = 0; h < o->nholders; h++) {
			size_t k = 0;
			bool again = false;

			/* A process holding it twice (an fd and a mapping) pays once. */
			for (size_t g = 0; g < h; g++)
				again |= o->holders[g].pid == o->holders[h].pid;
			if (again)
				continue;
			while (k < *n && v[k].pid != o->holders[h].pid)
				k++;
			if (k == *n) {
				xgrow((void **)&v, &cap, *n + 1, sizeof(*v));
				memset(&v[k], 0, sizeof(v[k]));
				v[k].pid = o->holders[h].pid;
				memcpy(v[k].comm, o->holders[h].comm, sizeof(v[k].comm));
				(*n)++;
			}
			v[k].objects++;
			v[k].bytes += pinned_bytes(o);
		}
	}
	if (*n > 1)
		qsort(v, *n, sizeof(*v), cmp_pinned);
	return v;
}

json_t *clean_report_json(const struct clean_report *r, const struct clean_opts *o)
{
	json_t *items = json_array(), *pinned = json_array(), *j;
	struct pinned *p;
	size_t n;
	int64_t total;

	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(items, clean_item_json(&r->items[i]));
	j = json_pack("{s:b, s:I, s:b, s:o}", "dry_run", r->dry_run, "older_than",
		      (json_int_t)o->stale.older_than, "holders_complete", r->snap.holders_complete,
		      "items", items);
	p = clean_pinned(r, &n, &total);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_pack("{s:i, s:I, s:I}", "pid", (int)p[i].pid, "objects", (json_int_t)p[i].objects,
				      "bytes", (json_int_t)p[i].bytes);

		json_set_text(e, "comm", p[i].comm);
		json_array_append_new(pinned, e);
	}
	free(p);
	/* What clean cannot free: unlinked objects still held, by the processes holding them. */
	json_object_set_new(j, "pinned_bytes", json_integer((json_int_t)total));
	json_object_set_new(j, "pinned", pinned);
	return j;
}

int restore_meta_parse(const char *text, json_t **meta, const struct kind_info **ki,
		       const char **kind, const char **identity)
{
	int k;

	*meta = json_loads(text, 0, NULL);
	if (json_unpack(*meta, "{s:s, s:s}", "kind", kind, "identity", identity) < 0 ||
	    (k = kind_by_name(*kind)) < 0 || !(*ki = kind_info((enum ipc_kind)k))->removable) {
		json_decref(*meta);
		*meta = NULL;
		return -EINVAL;
	}
	return 0;
}

/* A backup says what to create, with which owner and bytes: one another user could write
 * into could make restore create anything as root. A directory is trusted when it belongs
 * to us or to root and nobody else may write it. */
static bool trusted_dir(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_uid == geteuid() || st.st_uid == 0) &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

/* What restore does inside the object's namespace. */
struct restore_step {
	enum ipc_kind kind;
	json_t *meta;       /* the "restore" member */
	int dir;            /* the object's backup directory, opened outside */
	struct evidence *why;
};

static int restore_here(void *arg)
{
	struct restore_step *r = arg;

	return kind_ops_of(r->kind)->restore(r->meta, r->dir, r->why);
}

/* The object of a backup is made again in the namespace it was saved from (its "ns" in
 * meta.json's "object"): found through a process in it now, or here when it is ours (or
 * the backup predates namespaces). -ESRCH when that namespace is gone. */
static int restore_where_saved(json_t *meta, struct restore_step *r)
{
	json_int_t ns = json_integer_value(json_object_get(json_object_get(meta, "object"), "ns"));
	int t = ns_type_of_kind(r->kind), rc;
	struct scan_ctx ctx;
	struct snapshot snap;
	const struct ns_info *n;
	char link[32];

	snprintf(link, sizeof(link), "/proc/self/ns/%s", t >= 0 ? ns_type_name((enum ns_type)t) : "ipc");
	if (t < 0 || ns <= 0 || (uint64_t)ns == ns_link_inode(AT_FDCWD, link))
		return restore_here(r);
	snapshot_init(&snap);
	rc = scan_ctx_init(&ctx, NULL, 0);
	if (rc == 0) {
		rc = ns_discover(&ctx, &snap);
		scan_ctx_release(&ctx);
	}
	n = rc == 0 ? snapshot_ns(&snap, (enum ns_type)t, (uint64_t)ns) : NULL;
	rc = n && n->pid ? ns_run_in(n->pid, (enum ns_type)t, (uint64_t)ns, restore_here, r) : -ESRCH;
	if (rc == -ESRCH)
		evidence_add(r->why, "its %s namespace %lld is gone: not restored", ns_type_name((enum ns_type)t),
			     (long long)ns);
	else if (rc == -EPERM && !r->why->len)
		evidence_add(r->why, "cannot enter its %s namespace %lld", ns_type_name((enum ns_type)t),
			     (long long)ns);
	snapshot_release(&snap);
	return rc;
}

static int restore_one(int top, const char *name, const char *label, json_t *results)
{
	json_t *meta = NULL, *res = json_object();
	const struct kind_info *ki;
	struct evidence why;
	const char *kind = NULL, *identity = NULL;
	char *text = NULL;
	int dir, rc;

	evidence_init(&why);
	json_set_text(res, "dir", label);
	dir = openat(top, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0) {
		rc = -errno;
		evidence_add(&why, "cannot open: %s", strerror(errno));
		goto out;
	}
	if (!trusted_dir(dir)) {
		rc = -EPERM;
		evidence_add(&why, "not trusted: another user may write it");
		goto out;
	}
	rc = read_file_at(dir, "meta.json", 1 << 24, &text, NULL);
	if (rc) {
		evidence_add(&why, "meta.json: %s", strerror(-rc));
		goto out;
	}
	rc = restore_meta_parse(text, &meta, &ki, &kind, &identity);
	if (rc) {
		evidence_add(&why, "meta.json names no restorable kind");
		goto out;
	}
	json_set_text(res, "identity", identity);
	json_object_set_new(res, "kind", json_string(kind));
	{
		struct restore_step step = {ki->kind, json_object_get(meta, "restore"), dir, &why};

		rc = restore_where_saved(meta, &step);
		/* What it is now: a SysV object has a new id (in the namespace it was saved from, or
		 * ours); a named one has its name again, so its identity. */
		if (rc == 0) {
			json_t *id = json_object_get(step.meta, "new_id");
			json_int_t ns = json_integer_value(json_object_get(json_object_get(meta, "object"), "ns"));

			if (json_is_integer(id)) {
				if (ns <= 0)
					ns = (json_int_t)ns_link_inode(AT_FDCWD, "/proc/self/ns/ipc");
				json_object_set(res, "new_id", id);
				json_object_set_new(res, "new_identity",
						    json_sprintf("%s:%lld:%lld", kind, (long long)ns,
								 (long long)json_integer_value(id)));
			} else {
				json_set_text(res, "new_identity", identity);
			}
		}
	}
out:
	json_object_set_new(res, "status", json_string(rc == 0 ? "restored" : rc == -EEXIST ? "exists" : "failed"));
	if (why.len)
		json_set_text(res, rc ? "reason" : "note", why.text);
	json_array_append_new(results, res);
	json_decref(meta);
	free(text);
	if (dir >= 0)
		close(dir);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int restore_dir(const char *path, json_t **results)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	int top, rc = 0, failed = 0, exists = 0;
	DIR *d;
	struct dirent *e;

	*results = json_array();
	top = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return -errno;
	if (!trusted_dir(top)) {
		close(top);
		return -EPERM;
	}
	if (faccessat(top, "meta.json", F_OK, 0) == 0) {
		rc = restore_one(top, ".", path, *results);
		close(top);
		return rc;
	}
	d = fdopendir(dup(top));
	if (!d) {
		rc = -errno;
		goto out;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.' || fstatat(top, e->d_name, &st, 0) < 0 || !S_ISDIR(st.st_mode))
			continue;
		xgrow((void **)&names, &cap, n + 1, sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	/* A directory none of whose subdirectories holds a meta.json is no backup: one error
	 * (-ENOENT, nothing in results), not one line per entry. */
	{
		bool any = false;

		for (size_t i = 0; i < n && !any; i++) {
			char *m = xasprintf("%s/meta.json", names[i]);

			any = faccessat(top, m, F_OK, 0) == 0;
			free(m);
		}
		if (!any) {
			rc = -ENOENT;
			goto out;
		}
	}
	if (n > 1) /* names is NULL for none */
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		char *label = xasprintf("%s/%s", path, names[i]);
		int r = restore_one(top, names[i], label, *results);

		free(label);
		exists += r == -EEXIST;
		failed += r && r != -EEXIST;
	}
	rc = n == 0 ? -ENOENT : failed ? -EIO : exists ? -EEXIST : 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	close(top);
	return rc;
}
