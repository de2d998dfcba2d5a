/* main.c - the command table: name -> function, and nothing else. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "version.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	bool own_stdout_check; /* checks its own writes at exit, as util-linux does (ipcs, ipcrm) */
};

static const struct command commands[] = {
	{"list", cmd_list, "list IPC objects (the default command)", false},
	{"show", cmd_show, "every field of one object", false},
	{"top", cmd_top, "live full-screen view: limits, fill, changes; search, sort, remove", false},
	{"limits", cmd_limits, "kernel IPC limits and how much of each is used", false},
	{"rm", cmd_rm, "remove the named objects, refusing those in use", false},
	{"clean", cmd_clean, "find stale objects; remove them safely with --yes", false},
	{"restore", cmd_restore, "recreate objects that clean --backup saved", false},
	{"ipcs", cmd_ipcs, "util-linux ipcs, byte for byte (also as a link named ipcs)", true},
	{"ipcrm", cmd_ipcrm, "util-linux ipcrm (also as a link named ipcrm)", true},
	{"serve", cmd_serve, "live dashboard, JSON API and Prometheus metrics over HTTP", false},
	{"metrics", cmd_metrics, "Prometheus metrics once, to stdout or a textfile-collector file", false},
	{"gen", cmd_gen, "make every IPC mechanism live, verified; --hold keeps it for watching", false},
	{"bench", cmd_bench, "latency and throughput of each mechanism, with the machine recorded", false},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: ipcscope [COMMAND] [OPTIONS]\n\n"
		     "Every IPC object on this host, who holds it, and what is stale.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'ipcscope COMMAND --help' for the options of each command.\n"
		     "Exit status: 0 ok, 1 runtime error, 2 usage error.\n");
}

/* What util-linux's close_stdout does at exit: output that could not be written (a full
 * disk, /dev/full, a closed terminal) is an error, said once, and the exit status is 1. A
 * reader that went away (EPIPE) is not: `ipcscope | head` is normal use. */
static int close_stdout(int rc)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return rc;
	if (!errno)
		errno = stdout_errno;
	if (errno == EPIPE)
		return rc;
	if (errno)
		fprintf(stderr, "ipcscope: write error: %s\n", strerror(errno));
	else
		fprintf(stderr, "ipcscope: write error\n");
	return EXIT_RUNTIME;
}

int main(int argc, char **argv)
{
	/* Run through a link named like a util-linux tool, the binary is that tool. */
	static const char *const link_names[] = {"ipcs", "ipcrm"};
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;

	base = base ? base + 1 : argc > 0 ? argv[0] : "";
	for (size_t i = 0; i < sizeof(link_names) / sizeof(link_names[0]); i++)
		for (size_t j = 0; j < sizeof(commands) / sizeof(commands[0]); j++)
			if (!strcmp(base, link_names[i]) && !strcmp(base, commands[j].name))
				return commands[j].fn(argc, argv);
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			usage(stdout);
			return close_stdout(0);
		}
		if (argc >= 2 && (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))) {
			printf("ipcscope %s\n", IPCSCOPE_VERSION);
			return close_stdout(0);
		}
		return close_stdout(cmd_list(argc, argv));
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		if (commands[i].own_stdout_check)
			return commands[i].fn(argc - 1, argv + 1);
		return close_stdout(commands[i].fn(argc - 1, argv + 1));
	}
	if (!strcmp(argv[1], "help")) {
		usage(stdout);
		return close_stdout(0);
	}
	fprintf(stderr, "ipcscope: unknown command '%s' (see 'ipcscope --help')\n", argv[1]);
	return EXIT_USAGE;
}
