/* clean.c - `ipcscope clean`: find stale objects and, with --yes, remove them safely.
 * Without --yes it is a dry run that shows each candidate with its evidence. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/clean_out.h"
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/expr_opt.h"
#include "core/kinds.h"
#include "core/names.h"
#include "core/util.h"

static void help(void)
{
	printf("Usage: ipcscope clean [OPTIONS]\n\n"
	       "Find stale IPC objects and show why each is stale. Nothing is removed without --yes;\n"
	       "then each object is re-read right before removal and skipped if it changed.\n\n"
	       "Options:\n"
	       "      --older-than DURATION  idle at least this long (90s, 15m, 1h, 2d; default 1h)\n"
	       "  -t, --type KIND[,KIND]     only these kinds or groups\n"
	       "  -u, --user USER            only objects owned or created by USER\n"
	       "  -Q, --filter EXPR          only stale objects for which EXPR holds (it narrows,\n"
	       "                             never widens: see FILTER EXPRESSIONS in ipcscope(1))\n"
	       "  -N, --namespace WHAT       only the namespaces of WHAT: self, a pid, an inode, a\n"
	       "                             container id or name prefix (default as root: all)\n"
	       "      --fifo-dir DIR         FIFOs inside DIR are candidates too (repeatable)\n"
	       "      --yes                  remove them (otherwise a dry run)\n"
	       "      --backup DIR           save each object (metadata, bytes, messages, values)\n"
	       "                             before removal; 'ipcscope restore DIR' brings it back\n"
	       "      --log FILE             append a JSON line per object acted on to FILE\n"
	       "                             (without it, --yes prints those lines on stdout)\n"
	       "  -J, --json                 one JSON document\n"
	       "      --root DIR             read /proc and friends under DIR (dry run only)\n"
	       "  -h, --help                 this help\n\n"
	       "Stale means, per kind:\n");
	for (int k = 0; k < KIND__COUNT; k++) {
		const struct kind_info *ki = kind_info((enum ipc_kind)k);
		printf("  %-10s %s\n", ki->name, ki->stale_rule);
	}
	printf("A pid counts as gone when no process has it, or when its process started after the\n"
	       "kernel recorded it (a recycled pid).\n"
	       "Exit status: 0 when nothing failed (objects the user may not remove do not count),\n"
	       "1 when a removal or backup failed, 2 on a usage error.\n");
}

/* Unlinked objects still held pin memory no clean can free: say how much, and who holds it
 * (the first few processes; -J has them all). */
static void print_pinned(FILE *out, const struct clean_report *r)
{
	char a[16], b[16];
	int64_t total;
	size_t n;
	struct pinned *p = clean_pinned(r, &n, &total);

	if (n)
		fprintf(out, "unlinked but still held (no name to remove; they end with their holders): %s pinned by",
			human_size((uint64_t)total, a, sizeof(a)));
	for (size_t i = 0; i < n && i < 5; i++)
		fprintf(out, "%s %d/%s %s (%zu)", i ? "," : "", (int)p[i].pid, p[i].comm,
			human_size((uint64_t)p[i].bytes, b, sizeof(b)), p[i].objects);
	if (n)
		fprintf(out, "%s\n", n > 5 ? ", ..." : "");
	free(p);
}

int cmd_clean(int argc, char **argv)
{
	enum { OPT_OLDER = 256, OPT_YES, OPT_BACKUP, OPT_LOG, OPT_ROOT, OPT_FIFO };
	static const struct option opts[] = {
		{"older-than", required_argument, NULL, OPT_OLDER}, {"type", required_argument, NULL, 't'},
		{"user", required_argument, NULL, 'u'},    {"fifo-dir", required_argument, NULL, OPT_FIFO},
		{"yes", no_argument, NULL, OPT_YES},       {"backup", required_argument, NULL, OPT_BACKUP},
		{"log", required_argument, NULL, OPT_LOG}, {"json", no_argument, NULL, 'J'},
		{"root", required_argument, NULL, OPT_ROOT}, {"help", no_argument, NULL, 'h'},
		{"namespace", required_argument, NULL, 'N'},
		{"filter", required_argument, NULL, 'Q'},
		{NULL, 0, NULL, 0},
	};
	struct expr *expr = NULL;
	struct clean_opts o;
	struct clean_report r = {0};
	const char *logpath = NULL, *bad;
	const char **fifo_dirs = xcalloc((size_t)argc, sizeof(*fifo_dirs));
	size_t nfifo = 0, counts[CLEAN__COUNT];
	bool json = false;
	FILE *log = NULL;
	int c, rc = 0;

	clean_opts_init(&o);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:u:N:Q:Jh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_OLDER:
			if (parse_duration(optarg, &o.stale.older_than) < 0) {
				rc = usage_error("clean", "bad duration '%s' (e.g. 90s, 15m, 1h, 2d)", optarg);
				goto out;
			}
			break;
		case 't':
			if (kinds_parse(optarg, &o.filter.kinds, &bad) < 0) {
				rc = usage_error("clean", "unknown kind '%s'", bad);
				goto out;
			}
			break;
		case 'u':
			if (user_lookup(optarg, &o.filter.uid) < 0) {
				rc = usage_error("clean", "unknown user '%s'", optarg);
				goto out;
			}
			o.filter.has_uid = true;
			break;
		case 'Q':
			if ((rc = expr_option(optarg, &expr)))
				goto out;
			o.expr = expr;
			break;
		case OPT_FIFO:
			fifo_dirs[nfifo++] = optarg;
			break;
		case OPT_YES:
			o.apply = true;
			break;
		case OPT_BACKUP:
			o.backup_dir = optarg;
			break;
		case OPT_LOG:
			logpath = optarg;
			break;
		case 'J':
			json = true;
			break;
		case OPT_ROOT:
			o.root = optarg;
			break;
		case 'N':
			scan_select_namespace(optarg);
			o.select = scan_namespace_selection();
			break;
		case 'h':
			help();
			goto out;
		case ':':
			rc = usage_error("clean", "option '%s' needs a value", argv[optind - 1]);
			goto out;
		default:
			rc = usage_error("clean", "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		rc = usage_error("clean", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (o.apply && o.root) {
		rc = usage_error("clean", "--yes cannot act on a --root tree; it removes live objects only");
		goto out;
	}
	o.stale.fifo_dirs = fifo_dirs;
	o.stale.nfifo_dirs = nfifo;
	if (logpath && !(log = fopen(logpath, "ae"))) {
		rc = error("cannot open log '%s': %s", logpath, strerror(errno));
		goto out;
	}

	rc = clean_plan(&r, &o);
	if (rc < 0) {
		print_scan_errors(&r.snap);
		rc = error("cannot scan: %s", strerror(-rc));
		goto out;
	}
	rc = clean_apply(&r, &o);
	if (rc < 0) {
		rc = error("cannot rescan before removal: %s; nothing was removed", strerror(-rc));
		goto out;
	}
	count_clean(&r, counts);
	if (log && print_clean_lines(log, &r, o.stale.now) < 0)
		rc = error("cannot write log '%s'", logpath);

	if (json) {
		if (print_clean_json(stdout, &r, &o) < 0)
			rc = error("cannot write output");
	} else if (o.apply && !log) {
		if (print_clean_lines(stdout, &r, o.stale.now) < 0)
			rc = error("cannot write output");
	} else {
		print_clean_table(stdout, &r);
	}
	if (!json) {
		FILE *sum = o.apply && !log ? stderr : stdout;

		if (o.apply)
			fprintf(sum, "removed %zu, skipped %zu, denied %zu, failed %zu\n", counts[CLEAN_REMOVED],
				counts[CLEAN_SKIPPED], counts[CLEAN_DENIED], counts[CLEAN_FAILED]);
		else
			fprintf(sum, "%zu stale object%s (dry run: --yes removes %s)\n", counts[CLEAN_CANDIDATE],
				counts[CLEAN_CANDIDATE] == 1 ? "" : "s",
				counts[CLEAN_CANDIDATE] == 1 ? "it" : "them");
	}
	if (!json)
		print_pinned(o.apply && !log ? stderr : stdout, &r);
	print_scan_errors(&r.snap);
	if (r.holders_unproven)
		fprintf(stderr, "ipcscope: not every process's fds and maps could be read (see above), "
				"so no POSIX object or FIFO can be proven unused\n");
	if (!rc && counts[CLEAN_FAILED])
		rc = EXIT_RUNTIME;
out:
	if (log)
		fclose(log);
	clean_report_release(&r);
	expr_free(expr);
	free(fifo_dirs);
	return rc;
}
