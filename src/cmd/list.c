/* list.c - `ipcscope [list]`: one table (or JSON document) of every IPC object found,
 * with the columns that fit each kind. The default command. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/expr_opt.h"
#include "core/columns.h"
#include "core/filter.h"
#include "core/kinds.h"
#include "core/names.h"
#include "core/util.h"
#include "render/json.h"
#include "render/table.h"

#define DEFAULT_COLUMNS "KIND,ID,KEY,NAME,INODE,OWNER,PERMS,SIZE,USED,USE%,MSGS,STATUS,PROCS,HOLDERS"

static void help(void)
{
	printf("Usage: ipcscope [list] [OPTIONS]\n\n"
	       "List IPC objects with their owner, size, fill and the processes behind them.\n\n"
	       "Options:\n"
	       "  -t, --type KIND[,KIND]  kinds or groups to list (see --list-types)\n"
	       "  -u, --user USER         objects owned or created by USER (name or uid)\n"
	       "  -p, --pid PID           objects PID created, last used or holds\n"
	       "      --key KEY           SysV objects with this key (0x... or decimal)\n"
	       "  -Q, --filter EXPR       objects for which EXPR holds: 'MSGS >= 3 && USE%% > 80'\n"
	       "                          (see FILTER EXPRESSIONS in ipcscope(1))\n"
	       "  -o, --output COLS       columns to show; +COLS adds to the default\n"
	       "      --list-columns      print the columns and exit\n"
	       "      --list-types        print the kinds and groups and exit\n"
	       "  -s, --sort COL          sort by column\n"
	       "  -n, --noheadings        no header line\n"
	       "  -r, --raw               unaligned output, blanks escaped\n"
	       "  -b, --bytes             sizes in bytes\n"
	       "  -J, --json              one JSON document (schema ipcscope/1)\n"
	       "  -N, --namespace WHAT    only the namespaces of WHAT: self, a pid, a namespace inode,\n"
	       "                          or a container id or name prefix (repeatable; default:\n"
	       "                          every namespace of the host when run as root)\n"
	       "      --root DIR          read /proc and friends under DIR (for fixture trees)\n"
	       "  -h, --help              this help\n\n"
	       "Default columns: %s\n",
	       DEFAULT_COLUMNS);
}

static void list_columns(void)
{
	for (size_t i = 0; i < ncolumns; i++)
		printf("%-9s %-18s %s\n", columns[i].name, columns[i].json ? columns[i].json : "(table only)",
		       columns[i].help);
}

static void list_types(void)
{
	for (int k = 0; k < KIND__COUNT; k++) {
		const struct kind_info *ki = kind_info((enum ipc_kind)k);
		printf("%-10s %-7s %s\n", ki->name, ki->group, ki->descr);
	}
}

static const struct column *sort_col;

static int cmp_sort(const void *a, const void *b)
{
	return column_compare(sort_col, *(struct ipc_object *const *)a, *(struct ipc_object *const *)b);
}

int cmd_list(int argc, char **argv)
{
	enum { OPT_KEY = 256, OPT_ROOT, OPT_LISTCOLS, OPT_LISTTYPES };
	static const struct option opts[] = {
		{"type", required_argument, NULL, 't'},   {"user", required_argument, NULL, 'u'},
		{"pid", required_argument, NULL, 'p'},    {"key", required_argument, NULL, OPT_KEY},
		{"output", required_argument, NULL, 'o'}, {"list-columns", no_argument, NULL, OPT_LISTCOLS},
		{"list-types", no_argument, NULL, OPT_LISTTYPES},
		{"sort", required_argument, NULL, 's'},   {"noheadings", no_argument, NULL, 'n'},
		{"raw", no_argument, NULL, 'r'},          {"bytes", no_argument, NULL, 'b'},
		{"json", no_argument, NULL, 'J'},         {"root", required_argument, NULL, OPT_ROOT},
		{"namespace", required_argument, NULL, 'N'},
		{"filter", required_argument, NULL, 'Q'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	struct filter f = {0};
	const char *outspec = NULL, *sortname = NULL, *root = NULL, *bad, *query = NULL;
	struct expr *expr = NULL;
	const struct column **cols = NULL;
	struct ipc_object **sel = NULL;
	struct snapshot snap;
	size_t ncols = 0, nsel = 0;
	unsigned flags = 0;
	bool json = false;
	uint64_t v;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:u:p:o:s:N:Q:nrbJh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (kinds_parse(optarg, &f.kinds, &bad) < 0)
				return usage_error("list", "unknown kind '%s'", bad);
			break;
		case 'u':
			if (user_lookup(optarg, &f.uid) < 0)
				return usage_error("list", "unknown user '%s'", optarg);
			f.has_uid = true;
			break;
		case 'p':
			if (parse_u64(optarg, &v) < 0 || v == 0 || v > INT32_MAX)
				return usage_error("list", "bad pid '%s'", optarg);
			f.has_pid = true;
			f.pid = (pid_t)v;
			break;
		case OPT_KEY:
			if (parse_key(optarg, &f.key) < 0)
				return usage_error("list", "bad key '%s'", optarg);
			f.has_key = true;
			break;
		case 'o':
			outspec = optarg;
			break;
		case 'Q':
			if (query)
				return usage_error("list", "-Q given twice: join the conditions with && in one");
			query = optarg;
			break;
		case 's':
			sortname = optarg;
			break;
		case 'n':
			flags |= TABLE_NOHEADINGS;
			break;
		case 'r':
			flags |= TABLE_RAW;
			break;
		case 'b':
			flags |= TABLE_BYTES;
			break;
		case 'J':
			json = true;
			break;
		case OPT_ROOT:
			root = optarg;
			break;
		case 'N':
			scan_select_namespace(optarg);
			break;
		case OPT_LISTCOLS:
			list_columns();
			return 0;
		case OPT_LISTTYPES:
			list_types();
			return 0;
		case 'h':
			help();
			return 0;
		case ':':
			return usage_error("list", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("list", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc && strcmp(argv[optind], "list"))
		return usage_error("list", "unexpected argument '%s'", argv[optind]);
	if (columns_parse(outspec, DEFAULT_COLUMNS, &cols, &ncols, &bad) < 0)
		return usage_error("list", "unknown column '%s' (see --list-columns)", bad);
	if (sortname && !(sort_col = column_find(sortname))) {
		free(cols);
		return usage_error("list", "unknown column '%s' for --sort", sortname);
	}
	if (query && (rc = expr_option(query, &expr))) {
		free(cols);
		return rc;
	}

	rc = scan_snapshot(root, f.kinds ? f.kinds : KINDS_DEFAULT, SCAN_ALL_NS, &snap);
	if (rc)
		goto out;
	sel = xcalloc(snap.nobjs, sizeof(*sel));
	for (size_t i = 0; i < snap.nobjs; i++)
		if (filter_match(&f, snap.objs[i]) && (!expr || expr_eval(expr, snap.objs[i])))
			sel[nsel++] = snap.objs[i];
	if (sort_col && nsel > 1) /* sel may be NULL when nothing was found */
		qsort(sel, nsel, sizeof(*sel), cmp_sort);

	if (json) {
		json_t *doc = json_document(&snap);

		rc = json_print_objects(stdout, doc, sel, nsel) < 0 ? error("cannot write output") : 0;
		json_decref(doc);
	} else {
		render_table(stdout, sel, nsel, cols, ncols, flags);
	}
	print_deadlocks(stderr, "ipcscope: deadlock:", &snap, NULL);
	print_scan_errors(&snap);
out:
	expr_free(expr);
	free(sel);
	free(cols);
	snapshot_release(&snap);
	return rc;
}
