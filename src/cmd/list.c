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
#include "cmd/outopts.h"
#include "collectors/ftok.h"
#include "act/stale.h"
#include "core/coltext.h"
#include "core/columns.h"
#include "core/filter.h"
#include "core/kinds.h"
#include "core/names.h"
#include "core/util.h"
#include "render/json.h"
#include "render/table.h"

static void help(void)
{
	printf("Usage: ipcscope [list] [OPTIONS]\n\n"
	       "List IPC objects with their owner, size, fill and the processes behind them.\n\n"
	       "Options:\n"
	       "  -t, --type KIND[,KIND]  kinds or groups to list (see --list-types; repeatable)\n"
	       "  -u, --user USER         objects owned or created by USER (name or uid)\n"
	       "  -p, --pid PID[,PID]     objects these processes created, last used or hold\n"
	       "      --key KEY           SysV objects with this key (0x... or decimal)\n"
	       "      --key-path DIR      also look under DIR for the files SysV keys were made\n"
	       "                          from by ftok (repeatable; implies the KEYFILE search)\n"
	       "  -Q, --filter EXPR       objects for which EXPR holds: 'MSGS >= 3 && USE%% > 80'\n"
	       "                          (see FILTER EXPRESSIONS in ipcscope(1))\n"
	       "  -o, --output COLS       columns to show; +COLS adds to the default\n"
	       "  -O, --output-all        every column\n"
	       "      --list-columns      print the columns with what each means, and exit\n"
	       "      --list-types        print the kinds and groups and exit\n"
	       "  -s, --sort [-]COL[:desc] sort by column; -COL or COL:desc in reverse\n"
	       "      --head N            only the first N objects (after sorting)\n"
	       "  -n, --noheadings        no header line\n"
	       "  -r, --raw               unaligned output, blanks escaped\n"
	       "  -e, --export            NAME=\"value\" pairs, one line per object\n"
	       "  -y, --shell             with -e: names usable as shell variables (USE_PCT)\n"
	       "  -b, --bytes             sizes in bytes\n"
	       "  -J, --json              one JSON document (schema ipcscope/1), every field\n"
	       OUTOPTS_HELP
	       "  -N, --namespace WHAT    only the namespaces of WHAT: self, a pid, a namespace\n"
	       "                          inode, or a container id or name prefix (repeatable;\n"
	       "                          default: every namespace of the host as root)\n"
	       "      --root DIR          read /proc and friends under DIR (a captured system)\n"
	       "  -h, --help              this help\n\n");
	print_wrapped("Default columns: ", columns_default_text, ",");
	printf("A default column is shown when some listed object's kind has it.\n\n"
	       "Available output columns:\n");
	for (size_t i = 0; i < ncolumns; i++)
		print_column_help(&columns[i]);
}

/* lsfd -H style: name, type, what it means. */
static void list_columns(void)
{
	for (size_t i = 0; i < ncolumns; i++)
		printf("%-9s %-18s %-10s %s\n", columns[i].name,
		       columns[i].json ? columns[i].json : "(table only)", column_type_name(&columns[i]),
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
static bool sort_desc;

/* The columns that need the search for key files (collectors/ftok.c): only these pay it. */
static bool wants_keyfile(const struct column *const *cols, size_t n, const struct column *sort)
{
	static const char *const names[] = {"KEYFILE", "KEYVIA", "KEYPID", "KEYMATCHES", "KEYCHECKED"};

	for (size_t i = 0; i <= n; i++) {
		const struct column *c = i < n ? cols[i] : sort;

		for (size_t k = 0; c && k < ARRAY_SIZE(names); k++)
			if (c == column_find(names[k]))
				return true;
	}
	return false;
}

static int cmp_sort(const void *a, const void *b)
{
	int r = column_compare(sort_col, *(struct ipc_object *const *)a, *(struct ipc_object *const *)b);

	return sort_desc ? -r : r;
}

/* -s COL, -s -COL, --sort COL:desc, --sort COL:asc. */
static int parse_sort(const char *arg)
{
	char name[32];
	const char *colon = strchr(arg, ':');
	size_t n;

	sort_desc = false;
	if (arg[0] == '-') {
		sort_desc = true;
		arg++;
	}
	n = colon ? (size_t)(colon - arg) : strlen(arg);
	if (colon && !strcmp(colon + 1, "desc"))
		sort_desc = !sort_desc;
	else if (colon && strcmp(colon + 1, "asc"))
		return -1;
	if (!n || n >= sizeof(name))
		return -1;
	memcpy(name, arg, n);
	name[n] = '\0';
	sort_col = column_find(name);
	return sort_col ? 0 : -1;
}

/* A row's colour: a deadlock, then full, half-open, stale under its kind's rule. */
static const char *row_color(const struct ipc_object *o, const struct stale_ctx *sc)
{
	const struct column *use = column_find("USE%");
	struct evidence ev;
	struct col_value v;

	if (o->flags & OBJ_DEADLOCK)
		return ROW_DEADLOCK;
	column_value(use, o, &v);
	if (v.present && v.d >= 100.0)
		return ROW_FULL;
	if (o->flags & OBJ_HALF_OPEN)
		return ROW_HALFOPEN;
	evidence_init(&ev);
	if (object_is_stale(o, sc, &ev))
		return ROW_STALE;
	return NULL;
}

int cmd_list(int argc, char **argv)
{
	enum { OPT_KEY = 256, OPT_ROOT, OPT_LISTCOLS, OPT_LISTTYPES, OPT_HEAD, OPT_KEYPATH };
	static const struct option opts[] = {
		{"type", required_argument, NULL, 't'},   {"user", required_argument, NULL, 'u'},
		{"pid", required_argument, NULL, 'p'},    {"key", required_argument, NULL, OPT_KEY},
		{"key-path", required_argument, NULL, OPT_KEYPATH},
		{"output", required_argument, NULL, 'o'}, {"output-all", no_argument, NULL, 'O'},
		{"list-columns", no_argument, NULL, OPT_LISTCOLS},
		{"list-types", no_argument, NULL, OPT_LISTTYPES},
		{"sort", required_argument, NULL, 's'},   {"noheadings", no_argument, NULL, 'n'},
		{"raw", no_argument, NULL, 'r'},          {"bytes", no_argument, NULL, 'b'},
		{"export", no_argument, NULL, 'e'},       {"shell", no_argument, NULL, 'y'},
		{"head", required_argument, NULL, OPT_HEAD},
		{"json", no_argument, NULL, 'J'},         {"root", required_argument, NULL, OPT_ROOT},
		{"namespace", required_argument, NULL, 'N'},
		{"filter", required_argument, NULL, 'Q'},
		OUTOPTS_LONG,
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	struct filter f = {0};
	const char *outspec = NULL, *root = NULL, *bad, *query = NULL;
	struct expr *expr = NULL;
	const char *key_paths[FTOK_MAX_KEY_PATHS];
	size_t nkey_paths = 0;
	const struct column **cols = NULL;
	struct ipc_object **sel = NULL;
	const char **colors = NULL;
	pid_t *pids = NULL;
	struct snapshot snap;
	size_t ncols = 0, nsel = 0, npids = 0, pcap = 0, head = SIZE_MAX;
	unsigned flags = 0, kinds = 0, present = 0;
	bool json = false, all = false;
	uint64_t v;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:u:p:o:Os:N:Q:nrbeyJh" OUTOPTS_SHORT, opts, NULL)) != -1) {
		int h = outopts_handle("list", c, optarg);

		if (h < 0) {
			rc = -h;
			goto out;
		}
		if (h)
			continue;
		switch (c) {
		case 't':
			/* Repeated, they add up, as -N does. */
			if ((rc = check_list("list", "--type", optarg)))
				goto out;
			if (kinds_parse(optarg, &present, &bad) < 0) {
				rc = usage_error("list", "unknown kind '%s'", bad);
				goto out;
			}
			kinds |= present;
			present = 0;
			break;
		case 'u':
			if (user_lookup(optarg, &f.uid) < 0) {
				rc = usage_error("list", "unknown user '%s'", optarg);
				goto out;
			}
			f.has_uid = true;
			break;
		case 'p':
			if ((rc = check_list("list", "--pid", optarg)))
				goto out;
			for (const char *p = optarg; *p;) {
				char word[24];
				size_t n = strcspn(p, ",");

				snprintf(word, sizeof(word), "%.*s", (int)(n < 23 ? n : 23), p);
				if (n >= sizeof(word) || parse_u64(word, &v) < 0 || v == 0 || v > INT32_MAX) {
					rc = usage_error("list", "bad pid '%.*s'", (int)n, p);
					goto out;
				}
				xgrow((void **)&pids, &pcap, npids + 1, sizeof(*pids));
				pids[npids++] = (pid_t)v;
				p += n + (p[n] == ',');
			}
			break;
		case OPT_KEY:
			if (parse_key(optarg, &f.key) < 0) {
				rc = usage_error("list", "bad key '%s'", optarg);
				goto out;
			}
			f.has_key = true;
			break;
		case OPT_KEYPATH:
			if (nkey_paths >= FTOK_MAX_KEY_PATHS) {
				rc = usage_error("list", "at most %d --key-path", FTOK_MAX_KEY_PATHS);
				goto out;
			}
			key_paths[nkey_paths++] = optarg;
			break;
		case 'Q':
			if (query) {
				rc = usage_error("list", "-Q given twice: join the conditions with && in one");
				goto out;
			}
			query = optarg;
			break;
		case 'o':
			if ((rc = check_list("list", "--output", optarg[0] == '+' ? optarg + 1 : optarg)))
				goto out;
			outspec = optarg;
			break;
		case 'O':
			all = true;
			break;
		case 's':
			if (parse_sort(optarg) < 0) {
				rc = usage_error("list", "unknown column '%s' for --sort ([-]COL[:asc|:desc])",
						 optarg);
				goto out;
			}
			break;
		case OPT_HEAD:
			if (parse_u64(optarg, &v) < 0) {
				rc = usage_error("list", "bad --head '%s'", optarg);
				goto out;
			}
			head = (size_t)v;
			break;
		case 'n':
			flags |= TABLE_NOHEADINGS;
			break;
		case 'r':
			flags |= TABLE_RAW;
			break;
		case 'e':
			flags |= TABLE_EXPORT;
			break;
		case 'y':
			flags |= TABLE_SHELL;
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
			rc = 0;
			goto out;
		case OPT_LISTTYPES:
			list_types();
			rc = 0;
			goto out;
		case 'h':
			help();
			rc = 0;
			goto out;
		case ':':
			rc = usage_error("list", "option '%s' needs a value", argv[optind - 1]);
			goto out;
		default:
			rc = usage_error("list", "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	rc = EXIT_USAGE;
	if (optind < argc && strcmp(argv[optind], "list")) {
		usage_error("list", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	/* lsipc refuses -J with its other output modes; -o picks table columns, and the JSON
	 * document has every field (the schema's object). */
	if (json && (flags & (TABLE_NOHEADINGS | TABLE_RAW | TABLE_EXPORT))) {
		usage_error("list", "--json cannot be combined with --noheadings, --raw or --export");
		goto out;
	}
	if (json && (outspec || all)) {
		usage_error("list", "--output and --output-all choose table columns; --json has every field");
		goto out;
	}
	if ((flags & TABLE_RAW) && (flags & TABLE_EXPORT)) {
		usage_error("list", "--raw and --export cannot be combined");
		goto out;
	}
	if ((flags & TABLE_SHELL) && !(flags & TABLE_EXPORT))
		flags |= TABLE_EXPORT; /* lsipc: -y implies the pairs it names */
	if (outspec && outspec[0] != '+' &&
	    columns_parse(outspec, "", &cols, &ncols, &bad) < 0) {
		usage_error("list", "unknown column '%s' (see --list-columns)", bad);
		goto out;
	}
	if (outspec && outspec[0] == '+' && columns_parse(outspec + 1, "", &cols, &ncols, &bad) < 0) {
		usage_error("list", "unknown column '%s' (see --list-columns)", bad);
		goto out;
	}
	f.kinds = kinds;
	f.pids = pids;
	f.npids = npids;
	if (query && (rc = expr_option(query, &expr)))
		goto out;

	rc = scan_snapshot(root, kinds ? kinds : KINDS_DEFAULT, SCAN_ALL_NS, &snap);
	if (rc) {
		snapshot_release(&snap);
		goto out;
	}
	sel = xcalloc(snap.nobjs ? snap.nobjs : 1, sizeof(*sel));
	for (size_t i = 0; i < snap.nobjs; i++)
		if (filter_match(&f, snap.objs[i]) && (!expr || expr_eval(expr, snap.objs[i])))
			sel[nsel++] = snap.objs[i];
	if (nkey_paths || all || wants_keyfile(cols, ncols, sort_col))
		ftok_find_sources(&snap, root, sel, nsel, key_paths, nkey_paths);
	if (sort_col && nsel > 1)
		qsort(sel, nsel, sizeof(*sel), cmp_sort);
	if (nsel > head)
		nsel = head;

	if (json) {
		json_t *doc = json_document(&snap);

		rc = json_print_objects(stdout, doc, sel, nsel) < 0 ? write_failed() : 0;
		json_decref(doc);
	} else {
		const struct column **dcols = NULL;
		size_t ndcols = 0;
		struct stale_ctx sc;

		/* The defaults of the kinds listed (of the kinds asked when nothing was found). */
		present = 0;
		for (size_t i = 0; i < nsel; i++)
			present |= KIND_BIT(sel[i]->kind);
		if (all) {
			free(cols);
			cols = xcalloc(ncolumns, sizeof(*cols));
			for (ncols = 0; ncols < ncolumns; ncols++)
				cols[ncols] = &columns[ncols];
		} else if (!outspec || outspec[0] == '+') {
			size_t dcap;

			columns_default(present ? present : kinds ? kinds : KINDS_DEFAULT, &dcols, &ndcols);
			dcap = ndcols;
			xgrow((void **)&dcols, &dcap, ndcols + ncols, sizeof(*dcols));
			if (ncols) /* -o +COLS: after the defaults */
				memcpy(dcols + ndcols, cols, ncols * sizeof(*cols));
			free(cols);
			cols = dcols;
			ncols += ndcols;
			if (!outspec)
				flags |= TABLE_DROP;
		}
		stale_ctx_init(&sc, snap.time);
		sc.holders_complete = snap.holders_complete;
		colors = xcalloc(nsel ? nsel : 1, sizeof(*colors));
		for (size_t i = 0; i < nsel; i++)
			colors[i] = row_color(sel[i], &sc);
		render_table_colored(stdout, sel, nsel, cols, ncols, flags, colors);
	}
	print_deadlocks(stderr, "ipcscope: deadlock:", &snap, NULL);
	print_scan_errors(&snap);
	snapshot_leave(&snap);
out:
	expr_free(expr);
	free(colors);
	free(sel);
	free(cols);
	free(pids);
	return rc;
}
