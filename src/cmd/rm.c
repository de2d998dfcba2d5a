/* rm.c - `ipcscope rm`: remove exactly the named objects, refusing one in use unless
 * --force, and naming who holds it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/clean_out.h"
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "core/kinds.h"
#include "core/util.h"

static void help(void)
{
	printf("Usage: ipcscope rm [OPTIONS] KIND ID|KEY|NAME...\n"
	       "       ipcscope rm [OPTIONS] IDENTITY...\n\n"
	       "Remove the named objects: IPC_RMID for SysV, mq_unlink, shm_unlink or\n"
	       "sem_unlink for POSIX, unlink for FIFOs. An object in use (attached, open,\n"
	       "mapped, waited on, or last used by a live process) is refused unless --force;\n"
	       "rm names who holds it. A KEY or ID that names several objects is refused.\n\n"
	       "Options:\n"
	       "  -f, --force       remove objects in use too\n"
	       "      --backup DIR  save each object first ('ipcscope restore DIR' brings it\n"
	       "                    back)\n"
	       "  -J, --json        one JSON document (the objects under \"rm\")\n"
	       "  -h, --help        this help\n\n"
	       "Exit status: 0 when every named object was removed, 1 otherwise (an object not\n"
	       "found, ambiguous, refused or failed), 2 on a usage error.\n");
}

int cmd_rm(int argc, char **argv)
{
	enum { OPT_BACKUP = 256 };
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},  {"backup", required_argument, NULL, OPT_BACKUP},
		{"json", no_argument, NULL, 'J'},   {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct clean_opts o;
	struct clean_report r = {0};
	char **bad = NULL;
	bool json = false;
	size_t counts[CLEAN__COUNT];
	int c, rc, kind = -1, first;

	clean_opts_init(&o);
	o.apply = true;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":fJh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o.force = true;
			break;
		case OPT_BACKUP:
			o.backup_dir = optarg;
			break;
		case 'J':
			json = true;
			break;
		case 'h':
			help();
			return 0;
		case ':':
			return usage_error("rm", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("rm", "unknown option '%s'", argv[optind - 1]);
		}
	}
	first = optind;
	if (first >= argc)
		return usage_error("rm", "name the objects to remove");
	if (!strchr(argv[first], ':')) {
		kind = kind_by_name(argv[first]);
		if (kind < 0)
			return usage_error("rm", "unknown kind '%s'", argv[first]);
		if (++first >= argc)
			return usage_error("rm", "name the %s objects to remove", argv[first - 1]);
	}

	rc = rm_plan(&r, &o, kind, argv + first, (size_t)(argc - first), &bad);
	if (rc < 0 && rc != -ENOENT) {
		print_scan_errors(&r.snap);
		rc = error("cannot scan: %s", strerror(-rc));
		goto out;
	}
	for (size_t i = 0; bad && bad[i]; i++)
		error("%s", bad[i]);
	rc = rc == -ENOENT ? EXIT_RUNTIME : 0;
	if (clean_apply(&r, &o) < 0) {
		rc = error("cannot rescan before removal; nothing was removed");
		goto out;
	}
	count_clean(&r, counts);
	if (json) {
		if (print_rm_json(stdout, &r, &o) < 0)
			rc = write_failed();
	} else {
		print_clean_table(stdout, &r);
	}
	if (counts[CLEAN_REMOVED] != r.n)
		rc = EXIT_RUNTIME;
out:
	for (size_t i = 0; bad && bad[i]; i++)
		free(bad[i]);
	free(bad);
	clean_report_release(&r);
	return rc;
}
