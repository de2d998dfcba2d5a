/* metrics.c - `ipcscope metrics`: one scan as Prometheus text, the very exposition serve's
 * /metrics gives (less serve's own counters), to stdout or to a file for node_exporter's
 * textfile collector on hosts that will not run another daemon. The file is written to a
 * temporary beside it and renamed over it, so the collector never reads half a file. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/stale.h"
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "core/kinds.h"
#include "core/util.h"
#include "render/prom.h"

static void help(void)
{
	printf("Usage: ipcscope metrics [OPTIONS]\n\n"
	       "Scan once and print the Prometheus metrics `serve` gives at /metrics (without the\n"
	       "server's own counters), for node_exporter's textfile collector or a cron job.\n\n"
	       "Options:\n"
	       "  -o, --output FILE       write FILE atomically (a temporary beside it, mode 0644,\n"
	       "                          renamed over it) instead of stdout; name it *.prom\n"
	       "      --metrics-top N     per-object series for the N fullest queues and the N\n"
	       "                          largest SysV segments (default %d; 0: none)\n"
	       "      --older-than DURATION  stale rules' idle time, as for clean (default 1h)\n"
	       "  -N, --namespace WHAT    only the namespaces of WHAT (see list --help)\n"
	       "      --root DIR          scan /proc and friends under DIR (fixture trees)\n"
	       "  -h, --help              this help\n",
	       PROM_TOP_DEFAULT);
}

/* Each object's stale rule, as serve computes it for ipcscope_stale_objects. */
static bool *stale_marks(const struct snapshot *snap, int64_t older_than)
{
	bool *v = xcalloc(snap->nobjs + 1, sizeof(*v));
	struct stale_ctx sc;

	stale_ctx_init(&sc, snap->time);
	if (older_than >= 0)
		sc.older_than = older_than;
	sc.holders_complete = snap->holders_complete;
	for (size_t i = 0; i < snap->nobjs; i++)
		v[i] = object_is_stale(snap->objs[i], &sc, NULL); /* the verdict, no reasons */
	return v;
}

/* Write the exposition to path through a temporary in the same directory. */
static int write_atomic(const char *path, const struct snapshot *snap, const struct prom_stats *ps)
{
	char *dup = xstrdup(path), *dir = dirname(dup), *tmp;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	FILE *f = NULL;
	int fd, rc = 0;

	/* A leading dot and no .prom ending: the textfile collector skips it. */
	tmp = xasprintf("%s/.%s.XXXXXX", dir, base);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = error("cannot create a temporary file in '%s': %s", dir, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
		rc = error("cannot write '%s': %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	if (prom_render(f, snap, ps) < 0 || fflush(f) != 0 || fsync(fileno(f)) < 0) {
		rc = error("cannot write '%s': %s", tmp, strerror(errno ? errno : EIO));
		fclose(f);
		goto fail;
	}
	if (fclose(f) != 0) {
		rc = error("cannot write '%s': %s", tmp, strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		rc = error("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto fail;
	}
	goto out;
fail:
	unlink(tmp);
out:
	free(tmp);
	free(dup);
	return rc;
}

int cmd_metrics(int argc, char **argv)
{
	enum { OPT_ROOT = 256, OPT_TOP, OPT_OLDER };
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},    {"metrics-top", required_argument, NULL, OPT_TOP},
		{"older-than", required_argument, NULL, OPT_OLDER}, {"namespace", required_argument, NULL, 'N'},
		{"root", required_argument, NULL, OPT_ROOT}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct prom_stats ps = {.top = PROM_TOP_DEFAULT};
	const char *root = NULL, *out = NULL;
	int64_t older_than = -1;
	struct snapshot snap;
	bool *stale;
	uint64_t v;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:N:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case OPT_TOP:
			if (parse_u64(optarg, &v) < 0 || v > 100000)
				return usage_error("metrics", "bad --metrics-top '%s' (0 to 100000)", optarg);
			ps.top = (size_t)v;
			break;
		case OPT_OLDER:
			if (parse_duration(optarg, &older_than) < 0)
				return usage_error("metrics", "bad duration '%s' (e.g. 90s, 15m, 1h, 2d)", optarg);
			break;
		case 'N':
			scan_select_namespace(optarg);
			break;
		case OPT_ROOT:
			root = optarg;
			break;
		case 'h':
			help();
			return 0;
		case ':':
			return usage_error("metrics", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("metrics", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("metrics", "unexpected argument '%s'", argv[optind]);
	if (out && !*out)
		return usage_error("metrics", "empty output file name");

	/* What serve scans: every default kind, the limits, every namespace. */
	rc = scan_snapshot(root, KINDS_SERVE, SCAN_LIMITS | SCAN_ALL_NS, &snap);
	if (rc)
		return rc;
	stale = stale_marks(&snap, older_than);
	ps.stale = stale;
	if (out) {
		rc = write_atomic(out, &snap, &ps);
	} else if (prom_render(stdout, &snap, &ps) < 0 || fflush(stdout) != 0) {
		rc = error("cannot write output");
	}
	print_scan_errors(&snap);
	free(stale);
	snapshot_release(&snap);
	return rc;
}
