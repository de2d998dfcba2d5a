/* limits.c - `ipcscope limits`: every kernel IPC limit beside how much of it is in use,
 * the figures of `ipcs -l`, `ipcs -u` and `lsipc -g` in one table. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "core/ns.h"
#include "core/util.h"
#include "render/json.h"
#include "render/table.h"

static void help(void)
{
	printf("Usage: ipcscope limits [OPTIONS]\n\n"
	       "Kernel IPC limits and their use. SysV and POSIX queue limits are per IPC namespace,\n"
	       "/dev/shm per mount namespace: as root every namespace is shown, each with its own.\n\n"
	       "Options:\n"
	       "  -b, --bytes       sizes in bytes\n"
	       "  -n, --noheadings  no header line\n"
	       "  -r, --raw         unaligned output\n"
	       "  -J, --json        one JSON document (schema ipcscope/1)\n"
	       "  -N, --namespace WHAT  only the namespaces of WHAT (see list --help)\n"
	       "      --root DIR    read /proc under DIR\n"
	       "  -h, --help        this help\n");
}

static const char *fmt_amount(const struct limit *l, uint64_t v, bool bytes, char *buf, size_t len)
{
	if (!strcmp(l->unit, "bytes") && !bytes)
		return human_size(v, buf, len);
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
		{NULL, 0, NULL, 0},
	};
	static const char *heads[] = {"NAME", "KIND", "DESCRIPTION", "LIMIT", "USED", "USE%", "UNIT"};
	static const bool right[] = {false, false, false, true, true, true, false};
	static const char *heads_ns[] = {"NAME", "KIND", "DESCRIPTION", "LIMIT", "USED", "USE%", "UNIT",
					 "NS", "CONTAINER"};
	static const bool right_ns[] = {false, false, false, true, true, true, false, true, false};
	const char *root = NULL;
	struct snapshot snap;
	unsigned flags = 0;
	bool json = false;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc,argv,":JbnrN:h",opts,NULL)) != -1) {
		switch (c) {
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

	rc = scan_snapshot(root, KINDS_ALL, SCAN_LIMITS | SCAN_NO_HOLDERS | SCAN_ALL_NS, &snap);
	if (rc)
		goto out;
	if (json) {
		json_t *doc = json_document(&snap);

		json_object_set_new(doc, "limits", json_of_limits(&snap));
		rc = json_print(stdout, doc) < 0 ? error("cannot write output") : 0;
		json_decref(doc);
	} else {
		struct text_table t;
		bool many = false;

		/* A namespace column only where there is more than one namespace to tell. */
		for (size_t i = 0; i < snap.nlimits; i++)
			many |= snap.limits[i].ns != 0;
		text_table_init(&t, many ? 9 : 7, many ? heads_ns : heads, many ? right_ns : right);
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
			if (l->has_value && l->has_used && l->value) {
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
