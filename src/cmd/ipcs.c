/* ipcs.c - `ipcscope ipcs`, or the binary run through a link named `ipcs`: util-linux ipcs
 * 2.38, same options, same text, same messages and exit codes, so that the scripts and
 * runbooks that parse `ipcs` keep working on ipcscope. The figures come from the same scan
 * every other command uses; src/render/ipcs_fmt.c lays them out.
 *
 * Known differences: `ipcs -s -i` with a negative id crashes util-linux 2.38 (it prints the
 * first set without reading its semaphores); here it is "id N not found". -V names ipcscope.
 * Sizes in --human use '.' whatever the locale (util-linux takes the locale's decimal point). */
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

#define PROG "ipcs"

/* The resources in the order ipcs prints them. */
static const enum ipc_kind order[] = {KIND_SYSV_MSG, KIND_SYSV_SHM, KIND_SYSV_SEM};

struct ipcs_opts {
	bool want[3];          /* indexed like order[] */
	bool specific;         /* -i given */
	int id;
	enum ipcs_format fmt;  /* the last format option wins */
	enum ipcs_unit unit;   /* the last of -b and --human wins */
};

static void usage(void)
{
	fputs("\n"
	      "Usage:\n"
	      " ipcs [resource-option...] [output-option]\n"
	      " ipcs -m|-q|-s -i <id>\n"
	      "\n"
	      "Show information on IPC facilities.\n"
	      "\n"
	      "Options:\n"
	      " -i, --id <id>  print details on resource identified by <id>\n"
	      " -h, --help     display this help\n"
	      " -V, --version  display version\n"
	      "\n"
	      "Resource options:\n"
	      " -m, --shmems      shared memory segments\n"
	      " -q, --queues      message queues\n"
	      " -s, --semaphores  semaphores\n"
	      " -a, --all         all (default)\n"
	      "\n"
	      "Output options:\n"
	      " -t, --time        show attach, detach and change times\n"
	      " -p, --pid         show PIDs of creator and last operator\n"
	      " -c, --creator     show creator and owner\n"
	      " -l, --limits      show resource limits\n"
	      " -u, --summary     show status summary\n"
	      "     --human       show sizes in human-readable format\n"
	      " -b, --bytes       show sizes in bytes\n"
	      "\n"
	      "For more details see ipcs(1).\n",
	      stdout);
}

/* Returns -1 to go on, else the exit status (help, version, bad option). */
static int parse_options(int argc, char **argv, struct ipcs_opts *o)
{
	enum { OPT_HUMAN = 256 };
	/* The order matters: getopt lists ambiguous abbreviations in it, as ipcs does. */
	static const struct option longopts[] = {
		{"id", required_argument, NULL, 'i'},
		{"queues", no_argument, NULL, 'q'},
		{"shmems", no_argument, NULL, 'm'},
		{"semaphores", no_argument, NULL, 's'},
		{"all", no_argument, NULL, 'a'},
		{"time", no_argument, NULL, 't'},
		{"pid", no_argument, NULL, 'p'},
		{"creator", no_argument, NULL, 'c'},
		{"limits", no_argument, NULL, 'l'},
		{"summary", no_argument, NULL, 'u'},
		{"human", no_argument, NULL, OPT_HUMAN},
		{"bytes", no_argument, NULL, 'b'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	/* getopt's own messages ("invalid option -- 'z'") are the ones ipcs prints, under the
	 * name we were run as. */
	optind = 0;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "i:qmsatpclubVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (ul_parse_s32(PROG, "failed to parse id argument", optarg, &o->id) < 0)
				return 1;
			o->specific = true;
			break;
		case 'q':
			o->want[0] = true;
			break;
		case 'm':
			o->want[1] = true;
			break;
		case 's':
			o->want[2] = true;
			break;
		case 'a':
			o->want[0] = o->want[1] = o->want[2] = true;
			break;
		case 't':
			o->fmt = IPCS_FMT_TIME;
			break;
		case 'p':
			o->fmt = IPCS_FMT_PID;
			break;
		case 'c':
			o->fmt = IPCS_FMT_CREATOR;
			break;
		case 'l':
			o->fmt = IPCS_FMT_LIMITS;
			break;
		case 'u':
			o->fmt = IPCS_FMT_STATUS;
			break;
		case OPT_HUMAN:
			o->unit = IPCS_UNIT_HUMAN;
			break;
		case 'b':
			o->unit = IPCS_UNIT_BYTES;
			break;
		case 'h':
			usage();
			return ul_close_stdout(PROG);
		case 'V':
			printf("%s from ipcscope %s\n", PROG, IPCSCOPE_VERSION);
			return ul_close_stdout(PROG);
		default:
			return ul_try_help(PROG);
		}
	}
	/* Words left over are ignored, as ipcs ignores them. */
	return -1;
}

/* -i: one object's details. A negative id matches no object, yet ipcs then shows the first
 * queue or segment under that id; that is kept, since it is what scripts have seen. */
static int print_one(const struct snapshot *snap, enum ipc_kind kind, int id, enum ipcs_unit unit)
{
	const struct ipc_object **objs, *o = NULL;
	size_t n;
	int rc = 0;

	objs = ipcs_objects(snap, kind, &n);
	for (size_t i = 0; i < n && id >= 0; i++)
		if (objs[i]->id == id)
			o = objs[i];
	if (id < 0 && n && kind != KIND_SYSV_SEM)
		o = objs[0];
	if (!o) {
		ul_warnx(PROG, "id %d not found", id);
		goto out;
	}
	if (kind == KIND_SYSV_MSG) {
		/* The capacity needs msgctl(IPC_STAT), which ipcs makes only for a real id and
		 * which fails without read permission; ipcs then prints 0. */
		uint64_t qbytes = 0;

		if (id >= 0 && o->size > 0 && sysv_readable(kind, id) == 0)
			qbytes = (uint64_t)o->size;
		ipcs_print_msg(stdout, o, id, qbytes, unit);
	} else if (kind == KIND_SYSV_SHM) {
		ipcs_print_shm(stdout, o, id, unit);
	} else if (obj_ipc(o)->nsems > 0 && !obj_ipc(o)->sems) {
		/* The values could not be read (no read permission): ipcs fails the same way. */
		int err = sysv_readable(kind, id);

		ul_warn(PROG, err < 0 ? -err : EACCES, "semctl(GETVAL) failed");
		rc = 1;
	} else {
		ipcs_print_sem(stdout, o, id);
	}
out:
	free(objs);
	return rc;
}

int cmd_ipcs(int argc, char **argv)
{
	struct ipcs_opts o = {.fmt = IPCS_FMT_LIST, .unit = IPCS_UNIT_DEFAULT};
	struct snapshot snap;
	unsigned kinds = 0;
	int nwant = 0, rc;

	rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	for (size_t i = 0; i < 3; i++)
		nwant += o.want[i];
	if (o.specific && nwant != 1) {
		ul_warnx(PROG, "when using an ID, a single resource must be specified");
		return 1;
	}
	if (!nwant)
		o.want[0] = o.want[1] = o.want[2] = true;
	for (size_t i = 0; i < 3; i++)
		if (o.want[i])
			kinds |= KIND_BIT(order[i]);

	/* ipcs shows what the kernel records, never holders: no walk of every process. */
	rc = scan_snapshot(NULL, kinds,
			   SCAN_NO_HOLDERS | (!o.specific && (o.fmt == IPCS_FMT_LIMITS ||
							      o.fmt == IPCS_FMT_STATUS) ? SCAN_LIMITS : 0),
			   &snap);
	if (rc)
		goto out;
	if (o.specific) {
		for (size_t i = 0; i < 3; i++)
			if (o.want[i])
				rc = print_one(&snap, order[i], o.id, o.unit);
	} else {
		putchar('\n');
		for (size_t i = 0; i < 3; i++) {
			if (!o.want[i])
				continue;
			ipcs_print_section(stdout, &snap, order[i], o.fmt, o.unit);
			putchar('\n');
		}
	}
out:
	snapshot_release(&snap);
	return ul_close_stdout(PROG) ? 1 : rc;
}
