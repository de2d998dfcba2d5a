/* common.c - error printing and the scan every reading command starts with. */
#include "cmd/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "collectors/collector.h"
#include "core/deadlock.h"

int error(const char *fmt, ...)
{
	va_list ap;

	fputs("ipcscope: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_RUNTIME;
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ipcscope%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'ipcscope%s%s --help')\n", cmd ? " " : "", cmd ? cmd : "");
	return EXIT_USAGE;
}

static const char *ns_words[64];
static struct ns_select ns_sel = {.what = ns_words};

void scan_select_namespace(const char *what)
{
	if (ns_sel.n < sizeof(ns_words) / sizeof(ns_words[0]))
		ns_words[ns_sel.n++] = what;
}

const struct ns_select *scan_namespace_selection(void)
{
	return ns_sel.n ? &ns_sel : NULL;
}

int scan_snapshot(const char *root, unsigned kinds, unsigned flags, struct snapshot *snap)
{
	struct scan_ctx ctx;
	int rc;

	snapshot_init(snap);
	rc = scan_ctx_init(&ctx, root, kinds);
	if (rc < 0)
		return error("cannot open root '%s': %s", root ? root : "/", strerror(-rc));
	ctx.want_limits = flags & SCAN_LIMITS;
	ctx.no_holders = flags & SCAN_NO_HOLDERS;
	ctx.all_ns = flags & SCAN_ALL_NS;
	ctx.select = ctx.all_ns ? scan_namespace_selection() : NULL;
	rc = scan_run(&ctx, snap);
	scan_ctx_release(&ctx);
	if (rc < 0) {
		print_scan_errors(snap);
		return error("nothing could be scanned under '%s'", root ? root : "/");
	}
	return 0;
}

void print_scan_errors(const struct snapshot *snap)
{
	for (size_t i = 0; i < snap->nerrs; i++)
		fprintf(stderr, "ipcscope: %s: %s\n", snap->errs[i].source, snap->errs[i].message);
}

void print_deadlocks(FILE *out, const char *prefix, const struct snapshot *snap,
		     const struct ipc_object *o)
{
	for (size_t i = 0; i < snap->ndeadlocks; i++) {
		const struct deadlock *d = &snap->deadlocks[i];
		bool mine = !o;

		for (size_t k = 0; k < d->n && !mine; k++)
			mine = !strcmp(d->steps[k].identity, o->identity);
		if (!mine)
			continue;
		fprintf(out, "%s", prefix);
		for (size_t k = 0; k < d->n; k++) {
			const struct deadlock_step *st = &d->steps[k];

			fprintf(out, "%s%d (%s) waits (%s) on %s, held by %d", k ? "; " : " ", (int)st->pid,
				st->comm, st->what ? st->what : "?", st->identity, (int)d->steps[(k + 1) % d->n].pid);
		}
		fputc('\n', out);
	}
}
