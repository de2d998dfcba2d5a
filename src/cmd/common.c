/* common.c - error printing and the scan every reading command starts with. */
#include "cmd/common.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "collectors/collector.h"
#include "core/columns.h"
#include "core/deadlock.h"
#include "core/util.h"

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

int stdout_errno;

int write_failed(void)
{
	if (!stdout_errno)
		stdout_errno = errno;
	return EXIT_RUNTIME;
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("ipcscope: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'ipcscope%s%s --help')\n", cmd ? " " : "", cmd ? cmd : "");
	return EXIT_USAGE;
}

int check_list(const char *cmd, const char *opt, const char *arg)
{
	size_t n = strlen(arg);

	if (!n || arg[0] == ',' || arg[n - 1] == ',' || strstr(arg, ",,"))
		return usage_error(cmd, "empty item in %s '%s'", opt, arg);
	return 0;
}

/* Lines of at most width columns: first before the first, indent spaces after each break;
 * text is cut after any of the characters of breaks, and a blank at a cut is not printed. */
static void wrap_at(const char *first, const char *text, const char *breaks, size_t indent,
		    size_t width)
{
	size_t col = strlen(first);
	const char *p = text;
	bool blank = false;

	fputs(first, stdout);
	while (*p) {
		size_t n = strcspn(p, breaks), word;

		if (p[n])
			n++;
		word = n - (p[n - 1] == ' ');
		if (col + blank + word > width && col > indent) {
			printf("\n%*s", (int)indent, "");
			col = indent;
			blank = false;
		}
		if (blank)
			fputc(' ', stdout);
		fwrite(p, 1, word, stdout);
		col += blank + word;
		blank = word < n;
		p += n;
	}
	fputc('\n', stdout);
}

/* Where a help line's text continues when it is wrapped: after the two blanks that end an
 * option or a name ("  -s, --size BYTES     ..."), else under its own first character. */
static size_t help_indent(const char *line, size_t len)
{
	size_t lead = strspn(line, " ");

	for (size_t i = lead; i + 2 < len; i++)
		if (line[i] != ' ' && line[i + 1] == ' ' && line[i + 2] == ' ') {
			size_t j = i + 1;

			while (j < len && line[j] == ' ')
				j++;
			return lead ? j : 0;
		}
	return lead;
}

/* One item of help, its lines joined by blanks, wrapped at 80 under indent. */
static void put_item(FILE *out, const char *text, size_t indent)
{
	size_t col = 0;
	const char *p = text, *end = text + strlen(text);

	while (end - p > (ptrdiff_t)(80 - col)) {
		const char *cut = p + (80 - col);

		while (cut > p && *cut != ' ')
			cut--;
		if (cut == p)
			break; /* one word longer than the line */
		fwrite(p, 1, (size_t)(cut - p), out);
		fprintf(out, "\n%*s", (int)indent, "");
		col = indent;
		p = cut + 1;
		while (*p == ' ')
			p++;
	}
	fprintf(out, "%s\n", p);
}

void fputs_help_of(FILE *out, void (*text)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m) {
		text(out);
		return;
	}
	text(m);
	if (fclose(m) == 0)
		fputs_help(out, buf);
	free(buf);
}

void fputs_help(FILE *out, const char *text)
{
	const char *line = text;

	while (*line) {
		size_t len = strcspn(line, "\n"), indent = help_indent(line, len), lead = strspn(line, " ");
		const char *next = line + len + (line[len] == '\n'), *end = next;
		bool wide = len > 80;
		char *item;
		size_t n;

		/* The lines that continue it: under its text (an option's description), or, for a
		 * paragraph, every next line of text up to a blank line or a heading. */
		while (*end && len && line[len - 1] != ':') {
			size_t l = strcspn(end, "\n"), ld = strspn(end, " ");

			if (!l || ld != indent || (indent && help_indent(end, l) != ld) ||
			    (!indent && lead) || end[l - 1] == ':')
				break;
			wide |= l > 80;
			end += l + (end[l] == '\n');
		}
		if (!wide) {
			fwrite(line, 1, (size_t)(next - line), out);
			line = next;
			continue;
		}
		item = xmalloc((size_t)(end - line) + 1);
		n = 0;
		for (const char *p = line; p < end;) {
			size_t l = strcspn(p, "\n"), ld = p == line ? 0 : strspn(p, " ");

			if (n)
				item[n++] = ' ';
			memcpy(item + n, p + ld, l - ld);
			n += l - ld;
			p += l + (p[l] == '\n');
		}
		item[n] = '\0';
		put_item(out, item, indent);
		free(item);
		line = end;
	}
}

void print_wrapped(const char *prefix, const char *text, const char *breaks)
{
	char set[16];

	snprintf(set, sizeof(set), " %s", breaks);
	wrap_at(prefix, text, set, 2, 80);
}

void print_help_item(const char *name, int width, const char *text)
{
	char first[64];

	snprintf(first, sizeof(first), "  %-*s ", width, name);
	wrap_at(first, text, " ", (size_t)width + 3, 80);
}

void print_column_help(const struct column *c)
{
	print_help_item(c->name, 10, c->help);
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

int check_root(const char *root)
{
	struct stat st;
	char *proc;
	int rc;

	if (!root || !strcmp(root, "/"))
		return 0;
	if (stat(root, &st) < 0)
		return error("--root '%s': %s", root, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return error("--root '%s': not a directory", root);
	/* Every source is under proc/ (sysvipc, locks, the processes); a tree without it
	 * would read as an empty system and exit 0. */
	proc = xasprintf("%s/proc", root);
	rc = stat(proc, &st) == 0 && S_ISDIR(st.st_mode);
	free(proc);
	if (!rc)
		return error("--root '%s' is not a captured system: it has no proc/ directory", root);
	return 0;
}

int scan_snapshot(const char *root, unsigned kinds, unsigned flags, struct snapshot *snap)
{
	struct scan_ctx ctx;
	int rc;

	snapshot_init(snap);
	if ((rc = check_root(root)))
		return rc;
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

/* "pid N (comm, uid U): REASON: WHAT not read", procfd's line for a process it could not read:
 * N, and REASON in *reason (up to its ':'), or 0. */
static int unreadable_pid(const struct scan_error *e, const char **reason, size_t *rlen)
{
	const char *m = e->message, *p;
	size_t n = strlen(m);
	int pid;

	if (strcmp(e->source, "/proc") || n < 9 || strcmp(m + n - 9, " not read") ||
	    sscanf(m, "pid %d (", &pid) != 1 || !(p = strstr(m, "): ")))
		return 0;
	*reason = p + 3;
	*rlen = strcspn(*reason, ":");
	return pid;
}

void print_scan_errors(const struct snapshot *snap)
{
	const char *reason = NULL;
	size_t rlen = 0, nproc = 0;
	int first[5];

	for (size_t i = 0; i < snap->nerrs; i++) {
		const char *r;
		size_t l;
		int pid = unreadable_pid(&snap->errs[i], &r, &l);

		if (pid) {
			if (nproc < ARRAY_SIZE(first))
				first[nproc] = pid;
			if (!nproc++) {
				reason = r;
				rlen = l;
			}
			continue;
		}
		fprintf(stderr, "ipcscope: %s: %s\n", snap->errs[i].source, snap->errs[i].message);
	}
	if (nproc == 1) {
		for (size_t i = 0; i < snap->nerrs; i++)
			if (unreadable_pid(&snap->errs[i], &reason, &rlen))
				fprintf(stderr, "ipcscope: %s: %s\n", snap->errs[i].source, snap->errs[i].message);
		return;
	}
	/* A normal user cannot read most processes: one line, not one per process; the JSON
	 * errors keep each. */
	if (nproc) {
		fprintf(stderr, "ipcscope: /proc: %zu processes not read (%.*s): pids", nproc, (int)rlen,
			reason);
		for (size_t i = 0; i < nproc && i < ARRAY_SIZE(first); i++)
			fprintf(stderr, "%s %d", i ? "," : "", first[i]);
		fprintf(stderr, "%s (-J lists each in errors)\n", nproc > ARRAY_SIZE(first) ? ", ..." : "");
	}
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
