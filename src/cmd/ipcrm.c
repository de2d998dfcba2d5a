/* ipcrm.c - `ipcscope ipcrm`, or the binary run through a link named `ipcrm`: util-linux
 * ipcrm 2.38 with its options, messages and exit codes, the legacy `ipcrm shm|msg|sem ID...`
 * form included. Removal is core/remove's; keys and `-a` are resolved through a scan, as
 * every other command sees the objects. Options act in the order given, like ipcrm's: a
 * later -v does not make an earlier removal verbose. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/ulcompat.h"
#include "act/remove.h"
#include "render/ipcs_fmt.h"
#include "version.h"

#define PROG "ipcrm"
#define RM_FATAL (-1) /* reported; ipcrm stops at once with status 1 */

struct rm_run {
	bool verbose;
};

static void usage(void)
{
	fputs("\n"
	      "Usage:\n"
	      " ipcrm [options]\n"
	      " ipcrm shm|msg|sem <id>...\n"
	      "\n"
	      "Remove certain IPC resources.\n"
	      "\n"
	      "Options:\n"
	      " -m, --shmem-id <id>        remove shared memory segment by id\n"
	      " -M, --shmem-key <key>      remove shared memory segment by key\n"
	      " -q, --queue-id <id>        remove message queue by id\n"
	      " -Q, --queue-key <key>      remove message queue by key\n"
	      " -s, --semaphore-id <id>    remove semaphore by id\n"
	      " -S, --semaphore-key <key>  remove semaphore by key\n"
	      " -a, --all[=shm|msg|sem]    remove all (in the specified category)\n"
	      " -v, --verbose              explain what is being done\n"
	      "\n"
	      " -h, --help                 display this help\n"
	      " -V, --version              display version\n"
	      "\n"
	      "For more details see ipcrm(1).\n",
	      stdout);
}

static const char *noun(enum ipc_kind kind)
{
	switch (kind) {
	case KIND_SYSV_SHM:
		return "shared memory segment";
	case KIND_SYSV_MSG:
		return "message queue";
	default:
		return "semaphore";
	}
}

/* 0 removed; 1 failed and reported; RM_FATAL for an error ipcrm does not go past. */
static int remove_one(const struct rm_run *run, enum ipc_kind kind, bool by_key, int id)
{
	const char *why;
	int rc;

	if (run->verbose)
		printf("removing %s id `%d'\n", noun(kind), id);
	rc = sysv_remove(kind, id);
	switch (rc) {
	case 0:
		return 0;
	case -EACCES:
	case -EPERM:
		why = by_key ? "permission denied for key" : "permission denied for id";
		break;
	case -EINVAL:
		why = by_key ? "invalid key" : "invalid id";
		break;
	case -EIDRM:
		why = by_key ? "already removed key" : "already removed id";
		break;
	default:
		ul_warn(PROG, -rc, "%s", by_key ? "key failed" : "id failed");
		return RM_FATAL;
	}
	/* Even a key's failure names the id it resolved to. */
	ul_warnx(PROG, "%s (%d)", why, id);
	return 1;
}

/* The id of the object of kind with key str (hex, octal or decimal, as strtoul reads it),
 * looked up in a fresh scan so that earlier removals on the command line are seen.
 * Returns 0 with *id, 1 (reported: no such key), or RM_FATAL. */
static int key_to_id(enum ipc_kind kind, const char *str, int *id)
{
	struct snapshot snap;
	unsigned long v;
	char *end = NULL;
	int32_t key;
	int rc = 1;

	errno = 0;
	v = *str ? strtoul(str, &end, 0) : 0;
	if (*str && errno) {
		ul_warn(PROG, errno, "failed to parse argument: '%s'", str);
		return RM_FATAL;
	}
	if (!*str || end == str || *end) {
		ul_warnx(PROG, "failed to parse argument: '%s'", str);
		return RM_FATAL;
	}
	/* key_t is an int: a longer number keeps its low 32 bits, as it does for ipcrm. */
	key = (int32_t)(uint32_t)v;
	if (key == 0) {
		ul_warnx(PROG, "illegal key (%s)", str);
		return 1;
	}
	if (scan_snapshot(NULL, KIND_BIT(kind), SCAN_NO_HOLDERS, &snap)) {
		rc = RM_FATAL;
		goto out;
	}
	for (size_t i = 0; i < snap.nobjs && rc == 1; i++) {
		const struct ipc_object *o = snap.objs[i];

		if (o->kind == kind && o->has_key && (int32_t)o->key == key) {
			*id = (int)o->id;
			rc = 0;
		}
	}
	if (rc == 1)
		ul_warnx(PROG, "invalid key (%s)", str);
out:
	snapshot_release(&snap);
	return rc;
}

/* -a: every object of the kinds in mask the caller may read, segments first, then
 * semaphores, then queues, each in the kernel's order. 0, 1 (some failed) or RM_FATAL. */
static int remove_all(const struct rm_run *run, unsigned mask)
{
	static const enum ipc_kind order[] = {KIND_SYSV_SHM, KIND_SYSV_SEM, KIND_SYSV_MSG};
	struct snapshot snap;
	int ret = 0;

	if (scan_snapshot(NULL, mask, SCAN_NO_HOLDERS, &snap)) {
		ret = RM_FATAL;
		goto out;
	}
	for (size_t k = 0; k < 3 && ret != RM_FATAL; k++) {
		const struct ipc_object **objs;
		size_t n;

		if (!(mask & KIND_BIT(order[k])))
			continue;
		objs = ipcs_objects(&snap, order[k], &n);
		for (size_t i = 0; i < n; i++) {
			int rc;

			/* ipcrm walks the tables with *_STAT, which hides what it may not read. */
			if (sysv_readable(order[k], (int)objs[i]->id) < 0)
				continue;
			rc = remove_one(run, order[k], false, (int)objs[i]->id);
			if (rc == RM_FATAL) {
				ret = RM_FATAL;
				break;
			}
			ret |= rc;
		}
		free(objs);
	}
out:
	snapshot_release(&snap);
	return ret;
}

/* `ipcrm shm|msg|sem ID...`: ids read by strtoul, "resource(s) deleted" when all went. */
static int legacy(int argc, char **argv, enum ipc_kind kind)
{
	struct rm_run run = {.verbose = false};
	int errors = 0, rc = 0;

	if (argc < 3) {
		ul_warnx(PROG, "not enough arguments");
		return ul_try_help(PROG);
	}
	for (int i = 2; i < argc; i++) {
		unsigned long v;
		char *end = NULL;

		errno = 0;
		v = strtoul(argv[i], &end, 10);
		if (errno || *end) {
			ul_warnx(PROG, "invalid id: %s", argv[i]);
			errors++;
			continue;
		}
		rc = remove_one(&run, kind, false, (int)v);
		if (rc == RM_FATAL)
			break;
		errors += rc;
	}
	if (!errors && rc != RM_FATAL)
		printf("resource(s) deleted\n");
	return ul_close_stdout(PROG) || errors || rc == RM_FATAL ? 1 : 0;
}

static int kind_of_word(const char *w, enum ipc_kind *kind)
{
	if (!strcmp(w, "shm"))
		*kind = KIND_SYSV_SHM;
	else if (!strcmp(w, "msg"))
		*kind = KIND_SYSV_MSG;
	else if (!strcmp(w, "sem"))
		*kind = KIND_SYSV_SEM;
	else
		return -EINVAL;
	return 0;
}

int cmd_ipcrm(int argc, char **argv)
{
	/* The order matters: getopt lists ambiguous abbreviations in it, as ipcrm does. */
	static const struct option longopts[] = {
		{"shmem-id", required_argument, NULL, 'm'},
		{"shmem-key", required_argument, NULL, 'M'},
		{"queue-id", required_argument, NULL, 'q'},
		{"queue-key", required_argument, NULL, 'Q'},
		{"semaphore-id", required_argument, NULL, 's'},
		{"semaphore-key", required_argument, NULL, 'S'},
		{"all", optional_argument, NULL, 'a'},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const unsigned sysv = KIND_BIT(KIND_SYSV_MSG) | KIND_BIT(KIND_SYSV_SHM) | KIND_BIT(KIND_SYSV_SEM);
	struct rm_run run = {.verbose = false};
	enum ipc_kind kind;
	unsigned all = 0;
	int c, rc, id, failed = 0;

	/* ipcrm 2.38 run without arguments does nothing and succeeds. */
	if (argc < 2)
		return 0;
	if (kind_of_word(argv[1], &kind) == 0)
		return legacy(argc, argv, kind);

	optind = 0;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "q:m:s:Q:M:S:a::vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
		case 'q':
		case 's':
			kind = c == 'm' ? KIND_SYSV_SHM : c == 'q' ? KIND_SYSV_MSG : KIND_SYSV_SEM;
			if (ul_parse_s32(PROG, "failed to parse argument", optarg, &id) < 0)
				goto fatal;
			rc = remove_one(&run, kind, false, id);
			break;
		case 'M':
		case 'Q':
		case 'S':
			kind = c == 'M' ? KIND_SYSV_SHM : c == 'Q' ? KIND_SYSV_MSG : KIND_SYSV_SEM;
			rc = key_to_id(kind, optarg, &id);
			if (rc == 0)
				rc = remove_one(&run, kind, true, id);
			break;
		case 'a':
			rc = 0;
			if (!optarg) {
				all = sysv;
			} else if (kind_of_word(optarg, &kind) == 0) {
				all = KIND_BIT(kind);
			} else {
				ul_warnx(PROG, "unknown argument: %s", optarg);
				goto fatal;
			}
			break;
		case 'v':
			run.verbose = true;
			rc = 0;
			break;
		case 'h':
			usage();
			return ul_close_stdout(PROG);
		case 'V':
			printf("%s from ipcscope %s\n", PROG, IPCSCOPE_VERSION);
			return ul_close_stdout(PROG);
		default:
			ul_close_stdout(PROG);
			return ul_try_help(PROG);
		}
		if (rc == RM_FATAL)
			goto fatal;
		failed |= rc;
	}
	/* -a acts once the whole command line has been read. */
	if (all) {
		rc = remove_all(&run, all);
		if (rc == RM_FATAL)
			goto fatal;
		failed |= rc;
	}
	if (optind < argc) {
		ul_warnx(PROG, "unknown argument: %s", argv[optind]);
		ul_close_stdout(PROG);
		return ul_try_help(PROG);
	}
	return ul_close_stdout(PROG) || failed ? 1 : 0;
fatal:
	ul_close_stdout(PROG);
	return 1;
}
