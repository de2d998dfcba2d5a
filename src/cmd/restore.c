/* restore.c - `ipcscope restore DIR`: recreate what `clean --backup` or `rm --backup`
 * saved, with the same keys or names, modes and contents. It never overwrites. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "act/clean.h"
#include "render/json.h"
#include "render/table.h"

static void help(void)
{
	printf("Usage: ipcscope restore [OPTIONS] DIR\n\n"
	       "Recreate every object saved under DIR (by clean --backup or rm --backup), or\n"
	       "the one object DIR holds. An object that exists already is not overwritten.\n"
	       "Each is shown with what it is now (NOW): a SysV object gets a new id.\n\n"
	       "Options:\n"
	       "  -J, --json  JSON output\n"
	       "  -h, --help  this help\n\n"
	       "Exit status: 0 when every object was restored, 1 otherwise, 2 on a usage error.\n");
}

int cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'J'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	static const char *heads[] = {"STATUS", "KIND", "SAVED AS", "NOW", "WHY"};
	json_t *results = NULL;
	bool json = false;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":Jh", opts, NULL)) != -1) {
		switch (c) {
		case 'J':
			json = true;
			break;
		case 'h':
			help();
			return 0;
		default:
			return usage_error("restore", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return usage_error("restore", "expected one backup directory");

	rc = restore_dir(argv[optind], &results);
	if (rc == -EPERM && json_array_size(results) == 0) {
		json_decref(results);
		return error("backup directory '%s' is not trusted: it must belong to you or root, "
			     "and nobody else may write it", argv[optind]);
	}
	if (rc < 0 && rc != -ENOENT && rc != -EIO && rc != -EEXIST && json_array_size(results) == 0) {
		json_decref(results);
		return error("cannot read '%s': %s", argv[optind], strerror(-rc));
	}
	if (rc == -ENOENT && json_array_size(results) == 0) {
		json_decref(results);
		return error("'%s' is not a backup: no meta.json in it nor in a directory under it "
			     "(clean --backup and rm --backup make them)", argv[optind]);
	}
	if (json) {
		json_t *doc = json_pack("{s:s, s:o}", "schema", "ipcscope/1", "restored", results);
		if (json_print(stdout, doc) < 0)
			write_failed();
		json_decref(doc);
	} else {
		struct text_table t;
		size_t i;
		json_t *e;

		text_table_init(&t, 5, heads, NULL);
		text_table_set_trunc(&t, 4);
		json_array_foreach(results, i, e) {
			const char *row[5] = {
				json_string_value(json_object_get(e, "status")),
				json_string_value(json_object_get(e, "kind")),
				json_string_value(json_object_get(e, "identity")),
				json_string_value(json_object_get(e, "new_identity")),
				json_string_value(json_object_get(e, json_object_get(e, "reason") ? "reason" : "note")),
			};
			text_table_add(&t, row);
		}
		text_table_print(stdout, &t, 0);
		text_table_release(&t);
		json_decref(results);
	}
	return rc ? EXIT_RUNTIME : 0;
}
