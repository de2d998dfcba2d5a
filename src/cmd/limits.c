/* limits.c - `ipcscope limits`: every kernel IPC limit beside how much of it is in use,
 * the figures of `ipcs -l`, `ipcs -u` and `lsipc -g` in one table. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/outopts.h"
#include "core/ns.h"
#include "core/util.h"
#include "render/json.h"
#include "render/table.h"

static void help(void)
{
	printf("Usage: ipcscope limits [OPTIONS]\n\n"
	       "Kernel IPC limits and their use. SysV and POSIX queue limits are per IPC\n"
	       "namespace, /dev/shm per mount namespace: as root every namespace is shown, each\n"
	       "with its own.\n\n"
	       "Options:\n"
	       "  -b, --bytes             sizes and page counts in full, not in K, M, G\n"
	       "  -n, --noheadings        no header line\n"
	       "  -r, --raw               unaligned output\n"
	       "  -e, --export            NAME=\"value\" pairs, one line per limit\n"
	       "  -y, --shell             with -e: names usable as shell variables\n"
	       "  -J, --json              one JSON document (schema ipcscope/1)\n"
	       OUTOPTS_HELP
	       "  -N, --namespace WHAT    only the namespaces of WHAT (see list --help)\n"
	       "      --root DIR          read /proc under DIR\n"
	       "  -h, --help              this help\n\n"
	       "Columns (named as the JSON members): NAME, GROUP, DESCRIPTION, VALUE (the\n"
	       "limit), USED, USE%% (none for a per-object ceiling such as msg_max), UNIT; with\n"
	       "several namespaces NS and CONTAINER.\n");
}

static const char *fmt_amount(const struct limit *l, uint64_t v, bool bytes, char *buf, size_t len)
{
	if (!strcmp(l->unit, "bytes") && !bytes)
		return human_size(v, buf, len);
	/* Pages in K, M, G... of pages, as shmmax's bytes are: shmall's default is 2^64 - 2^24. */
	if (!strcmp(l->unit, "pages") && !bytes) {
		size_t n;

		human_size(v, buf, len);
		n = strlen(buf);
		if (n && buf[n - 1] == 'B')
			buf[n - 1] = '\0';
		return buf;
	}
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

int cmd_limits(int argc, char **argv)
{
	enum { OPT_ROOT = 256 };
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'J'},       {"bytes", no_argument, NULL, 'b'},
		{"noheadings", no_argument, NULL, 'n'}, {"raw", no_argument, NULL, 'r'},
		{"root", required_argument, NULL, OPT_ROOT}, {"help", no_argument, NULL, 'h'},
		{"namespace", required_argument, NULL, 'N'},
		{"export", no_argument, NULL, 'e'},     {"shell", no_argument, NULL, 'y'},
		OUTOPTS_LONG,
		{NULL, 0, NULL, 0},
	};
	/* The headers are the JSON members' names (group, value), so -e and -J agree. */
	static const char *heads[] = {"NAME", "GROUP", "DESCRIPTION", "VALUE", "USED", "USE%", "UNIT"};
	static const bool right[] = {false, false, false, true, true, true, false};
	static const char *heads_ns[] = {"NAME", "GROUP", "DESCRIPTION", "VALUE", "USED", "USE%", "UNIT",
					 "NS", "CONTAINER"};
	static const bool right_ns[] = {false, false, false, true, true, true, false, true, false};
	const char *root = NULL;
	struct snapshot snap;
	unsigned flags = 0;
	bool json = false;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":JbnrN:eyh" OUTOPTS_SHORT, opts, NULL)) != -1) {
		int h = outopts_handle("limits", c, optarg);

		if (h < 0)
			return -h;
		if (h)
			continue;
		switch (c) {
		case 'e':
			flags |= TABLE_EXPORT;
			break;
		case 'y':
			flags |= TABLE_EXPORT | TABLE_SHELL;
			break;
		case 'J':
			json = true;
			break;
		case 'b':
			flags |= TABLE_BYTES;
			break;
		case 'n':
			flags |= TABLE_NOHEADINGS;
			break;
		case 'r':
			flags |= TABLE_RAW;
			break;
		case OPT_ROOT:
			root = optarg;
			break;
		case 'N':
			scan_select_namespace(optarg);
			break;
		case 'h':
			help();
			return 0;
		case ':':
			return usage_error("limits", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("limits", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("limits", "unexpected argument '%s'", argv[optind]);
	if (json && (flags & (TABLE_NOHEADINGS | TABLE_RAW | TABLE_EXPORT)))
		return usage_error("limits", "--json cannot be combined with --noheadings, --raw or --export");

	rc = scan_snapshot(root, KINDS_ALL, SCAN_LIMITS | SCAN_NO_HOLDERS | SCAN_ALL_NS, &snap);
	if (rc)
		goto out;
	if (json) {
		json_t *doc = json_document(&snap);

		json_object_set_new(doc, "limits", json_of_limits(&snap));
		rc = json_print(stdout, doc) < 0 ? write_failed() : 0;
		json_decref(doc);
	} else {
		struct text_table t;
		bool many = false;

		/* A namespace column only where there is more than one namespace to tell. */
		for (size_t i = 0; i < snap.nlimits; i++)
			many |= snap.limits[i].ns != 0;
		text_table_init(&t, many ? 9 : 7, many ? heads_ns : heads, many ? right_ns : right);
		text_table_set_trunc(&t, 2); /* DESCRIPTION */
		text_table_set_trunc(&t, 8); /* CONTAINER */
		for (size_t i = 0; i < snap.nlimits; i++) {
			const struct limit *l = &snap.limits[i];
			char lim[32], used[32], pct[16], ns[24], cont[80];
			const char *row[9] = {l->name, l->group, l->descr, NULL, NULL, NULL, l->unit};
			const struct container *ct = snapshot_limit_container(&snap, l);

			if (many) {
				snprintf(ns, sizeof(ns), "%llu", (unsigned long long)snapshot_limit_ns(&snap, l));
				row[7] = ns;
				row[8] = ct ? container_label(ct, cont, sizeof(cont)) : NULL;
			}

			if (l->has_value)
				row[3] = fmt_amount(l, l->value, flags & TABLE_BYTES, lim, sizeof(lim));
			if (l->has_used)
				row[4] = fmt_amount(l, l->used, flags & TABLE_BYTES, used, sizeof(used));
			if (l->has_value && l->has_used && l->value && !l->ceiling) {
				snprintf(pct, sizeof(pct), "%.2f%%", 100.0 * (double)l->used / (double)l->value);
				row[5] = pct;
			}
			text_table_add(&t, row);
		}
		text_table_print(stdout, &t, flags);
		text_table_release(&t);
	}
	print_scan_errors(&snap);
out:
	snapshot_release(&snap);
	return rc;
}
