/* serve.c - `ipcscope serve`: the dashboard, the JSON API and /metrics over HTTP, from a
 * scan repeated in the background. This file parses options, makes the first scan (so
 * that a bad --root fails at once, with the usual message), and then only waits for
 * signals: SIGHUP rescans, SIGINT and SIGTERM stop. Every other thread starts with those
 * signals blocked, so they are handled here and nowhere else. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "collectors/collector.h"
#include "act/stale.h"
#include "core/kinds.h"
#include "core/util.h"
#include "http/server.h"
#include "render/prom.h"

#define TOKEN_MAX 1024

static void help(void)
{
	printf("Usage: ipcscope serve [OPTIONS]\n\n"
	       "Serve the IPC objects of this host over HTTP: a live dashboard at /, JSON at\n"
	       "/api/v1/objects, /api/v1/objects/IDENTITY, /api/v1/limits, /api/v1/stale,\n"
	       "/api/v1/namespaces, /api/v1/history, events at /api/v1/events,\n"
	       "Prometheus metrics at /metrics and /healthz.\n\n"
	       "Scans: while someone watches (an event stream is open, or data was asked for in\n"
	       "the last 3 intervals) a scan runs once per interval, started early by 1.5 times\n"
	       "the last scan's duration and 20 ms (at most a quarter interval) so that it is\n"
	       "done before the last one is an interval old, and never sooner than a quarter\n"
	       "interval after the last one ended; otherwise none runs at all. A request for\n"
	       "data (/api/v1/*, /metrics) that finds the last scan older than one interval\n"
	       "waits for a fresh one (at most 2 s more than two scans take), so nobody is\n"
	       "served data older than one interval. Objects are rendered with the scan while\n"
	       "someone reads them (/api/v1/objects in the last 3 intervals, or an event\n"
	       "stream), and then only those that changed since the scan before; else by the\n"
	       "first request for them. /healthz asks for no scan.\n\n"
	       "Options:\n"
	       "  -l, --listen ADDR:PORT  where to listen (default %s;\n"
	       "                          [::1]:PORT for IPv6; port 0 picks a free port).\n"
	       "                          Anything but loopback warns.\n"
	       "  -i, --interval SECONDS  time between scans while watched, and the oldest\n"
	       "                          data served (default 2)\n"
	       "      --metrics-top N     /metrics: per-object series for the N fullest\n"
	       "                          queues and the N largest SysV segments (default\n"
	       "                          %d; 0: none)\n"
	       "      --older-than DURATION  stale rules' idle time, as for clean (default\n"
	       "                          1h)\n"
	       "      --fifo-dir DIR      FIFOs inside DIR are listed and may be stale\n"
	       "                          (repeatable)\n"
	       "      --allow-clean       enable POST /api/v1/clean (needs --token-file)\n"
	       "      --token-file FILE   bearer token for POST /api/v1/clean\n"
	       "      --web-root DIR      serve the dashboard's files from DIR (development)\n"
	       "  -N, --namespace WHAT    only the namespaces of WHAT: self, a pid, a namespace\n"
	       "                          inode, or a container id or name prefix (repeatable;\n"
	       "                          default: every namespace of the host as root)\n"
	       "      --root DIR          scan /proc and friends under DIR (fixture trees)\n"
	       "      --threads N         request threads (default: one per CPU, at most 4)\n"
	       "      --timeout SECONDS   time a client has to send each whole request\n"
	       "                          (default 15; then 408 and it is dropped)\n"
	       "  -h, --help              this help\n\n"
	       "Signals: SIGHUP scans at once; SIGINT and SIGTERM stop cleanly.\n",
	       HTTP_DEFAULT_LISTEN, PROM_TOP_DEFAULT);
}

/* "HOST:PORT", "[V6]:PORT", "HOST" or "PORT" into cfg->addr. 0 or -EINVAL. */
static int parse_listen(const char *spec, struct http_config *cfg)
{
	char host[256], port[16] = "9412";
	struct addrinfo hints = {0}, *res = NULL;
	const char *colon;
	uint64_t v;

	if (parse_u64(spec, &v) == 0) {
		snprintf(host, sizeof(host), "127.0.0.1");
		snprintf(port, sizeof(port), "%s", spec);
	} else if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');

		if (!rb || (rb[1] && rb[1] != ':') || (size_t)(rb - spec - 1) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(rb - spec - 1), spec + 1);
		if (rb[1] == ':')
			snprintf(port, sizeof(port), "%s", rb + 2);
	} else {
		colon = strrchr(spec, ':');
		if (colon && strchr(spec, ':') != colon)
			return -EINVAL; /* a bare IPv6 address needs brackets */
		if ((colon ? (size_t)(colon - spec) : strlen(spec)) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(colon ? colon - spec : (long)strlen(spec)), spec);
		if (colon)
			snprintf(port, sizeof(port), "%s", colon + 1);
	}
	if (!host[0] || parse_u64(port, &v) < 0 || v > 65535)
		return -EINVAL;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
		return -EINVAL;
	memcpy(&cfg->addr, res->ai_addr, res->ai_addrlen);
	cfg->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	if (cfg->addr.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&cfg->addr;

		cfg->loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	} else if (cfg->addr.ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)&cfg->addr)->sin6_addr;

		cfg->loopback = IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	} else {
		return -EINVAL;
	}
	return 0;
}

/* The token is the file's first line. A token others may read is no secret: say so. */
static int read_token(const char *path, char **out)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = read_file_at(AT_FDCWD, path, TOKEN_MAX, &buf, &len);
	if (rc < 0)
		return error("cannot read token file '%s': %s", path, strerror(-rc));
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strlen(buf) < 16) {
		free(buf);
		return error("token file '%s' holds less than 16 characters", path);
	}
	if (stat(path, &st) == 0 && (st.st_mode & 077))
		fprintf(stderr, "ipcscope: warning: token file '%s' is readable by others (chmod 600)\n", path);
	*out = buf;
	return 0;
}

static int parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		return -EINVAL;
	*out = v;
	return 0;
}

/* The scan the server starts from, made here so that a root that cannot be read fails
 * before anything listens, with the scan errors on stderr like every command. */
static int first_scan(const struct http_config *cfg, struct snapshot *snap)
{
	struct scan_ctx ctx;
	int rc;

	snapshot_init(snap);
	rc = scan_ctx_init(&ctx, cfg->root, KINDS_SERVE); /* signal: see kinds.h */
	if (rc < 0)
		return error("cannot open root '%s': %s", cfg->root ? cfg->root : "/", strerror(-rc));
	ctx.want_limits = true;
	ctx.fifo_dirs = cfg->fifo_dirs;
	ctx.nfifo_dirs = cfg->nfifo_dirs;
	ctx.all_ns = true;
	ctx.select = cfg->select;
	rc = scan_run(&ctx, snap);
	scan_ctx_release(&ctx);
	print_scan_errors(snap);
	if (rc < 0) {
		snapshot_release(snap);
		return error("nothing could be scanned under '%s'", cfg->root ? cfg->root : "/");
	}
	return 0;
}

static void print_url(const struct http_config *cfg, uint16_t port)
{
	char host[NI_MAXHOST] = "?";

	getnameinfo((const struct sockaddr *)&cfg->addr, cfg->addrlen, host, sizeof(host), NULL, 0,
		    NI_NUMERICHOST);
	if (cfg->addr.ss_family == AF_INET6)
		printf("ipcscope: serving http://[%s]:%u/\n", host, port);
	else
		printf("ipcscope: serving http://%s:%u/\n", host, port);
	fflush(stdout);
	if (!cfg->loopback)
		fprintf(stderr, "ipcscope: warning: listening on %s, which is not a loopback address: "
				"anyone who can reach it sees every IPC object of this host\n", host);
}

int cmd_serve(int argc, char **argv)
{
	enum { OPT_ALLOW = 256, OPT_TOKEN, OPT_WEBROOT, OPT_ROOT, OPT_THREADS, OPT_TIMEOUT, OPT_OLDER,
	       OPT_FIFO, OPT_TOP };
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},     {"interval", required_argument, NULL, 'i'},
		{"allow-clean", no_argument, NULL, OPT_ALLOW}, {"token-file", required_argument, NULL, OPT_TOKEN},
		{"web-root", required_argument, NULL, OPT_WEBROOT}, {"root", required_argument, NULL, OPT_ROOT},
		{"threads", required_argument, NULL, OPT_THREADS}, {"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"older-than", required_argument, NULL, OPT_OLDER}, {"fifo-dir", required_argument, NULL, OPT_FIFO},
		{"namespace", required_argument, NULL, 'N'},   {"help", no_argument, NULL, 'h'},
		{"metrics-top", required_argument, NULL, OPT_TOP},
		{NULL, 0, NULL, 0},
	};
	struct http_config cfg = {.interval = 2.0, .older_than = -1, .metrics_top = PROM_TOP_DEFAULT};
	const char *listen = HTTP_DEFAULT_LISTEN, *token_file = NULL;
	const char **fifo_dirs = xcalloc((size_t)argc, sizeof(*fifo_dirs));
	struct http_server *srv = NULL;
	struct snapshot snap;
	char *token = NULL, err[256];
	double secs;
	sigset_t set;
	uint64_t v;
	int c, rc, sig;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:i:N:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 'i':
			if (parse_seconds(optarg, 0.1, 86400, &cfg.interval) < 0) {
				rc = usage_error("serve", "bad interval '%s' (0.1 to 86400 seconds)", optarg);
				goto out;
			}
			break;
		case OPT_ALLOW:
			cfg.allow_clean = true;
			break;
		case OPT_TOKEN:
			token_file = optarg;
			break;
		case OPT_WEBROOT:
			cfg.web_root = optarg;
			break;
		case OPT_ROOT:
			cfg.root = optarg;
			break;
		case OPT_THREADS:
			if (parse_u64(optarg, &v) < 0 || v < 1 || v > 64) {
				rc = usage_error("serve", "bad thread count '%s' (1 to 64)", optarg);
				goto out;
			}
			cfg.threads = (unsigned)v;
			break;
		case OPT_TIMEOUT:
			if (parse_seconds(optarg, 1, 3600, &secs) < 0) {
				rc = usage_error("serve", "bad timeout '%s' (1 to 3600 seconds)", optarg);
				goto out;
			}
			cfg.timeout = (unsigned)secs;
			break;
		case OPT_OLDER:
			if (parse_duration(optarg, &cfg.older_than) < 0) {
				rc = usage_error("serve", "bad duration '%s' (e.g. 90s, 15m, 1h, 2d)", optarg);
				goto out;
			}
			break;
		case OPT_FIFO:
			fifo_dirs[cfg.nfifo_dirs++] = optarg;
			break;
		case OPT_TOP:
			if (parse_u64(optarg, &v) < 0 || v > 100000) {
				rc = usage_error("serve", "bad --metrics-top '%s' (0 to 100000)", optarg);
				goto out;
			}
			cfg.metrics_top = (size_t)v;
			break;
		case 'N':
			scan_select_namespace(optarg);
			break;
		case 'h':
			help();
			rc = 0;
			goto out;
		case ':':
			rc = usage_error("serve", "option '%s' needs a value", argv[optind - 1]);
			goto out;
		default:
			rc = usage_error("serve", "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	cfg.fifo_dirs = fifo_dirs;
	cfg.select = scan_namespace_selection();
	rc = EXIT_USAGE;
	if (optind < argc)
		usage_error("serve", "unexpected argument '%s'", argv[optind]);
	else if (parse_listen(listen, &cfg) < 0)
		usage_error("serve", "bad listen address '%s' (ADDR:PORT or [ADDR]:PORT)", listen);
	else if (cfg.allow_clean && !token_file)
		usage_error("serve", "--allow-clean needs --token-file");
	else if (token_file && !cfg.allow_clean)
		usage_error("serve", "--token-file is only used with --allow-clean");
	else
		rc = token_file ? read_token(token_file, &token) : 0;
	if (rc)
		goto out;
	cfg.token = token;

	/* The server holds two snapshots' worth of multi-megabyte bodies at a time, built on
	 * one thread and freed on others. With glibc's defaults each thread's arena keeps what
	 * it freed and the dynamic mmap threshold moves those bodies onto the heap: RSS grew
	 * past 200 MB with 10,000 objects. One arena, and big blocks always mmapped (so that
	 * freeing one returns it to the kernel), keep it near what is actually in use. */
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	mallopt(M_TRIM_THRESHOLD, 128 * 1024);

	/* Blocked before any thread starts, so that every thread inherits the mask and the
	 * signals wait for sigwaitinfo below. A client that goes away must not kill us. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = first_scan(&cfg, &snap);
	if (rc)
		goto out;
	if (http_server_start(&cfg, &snap, &srv, err, sizeof(err)) < 0) {
		rc = error("%s", err);
		goto out;
	}
	print_url(&cfg, http_server_port(srv));
	for (;;) {
		sig = sigwaitinfo(&set, NULL);
		if (sig == SIGHUP)
			http_server_rescan(srv);
		else if (sig == SIGINT || sig == SIGTERM)
			break;
	}
	http_server_stop(srv);
	rc = 0;
out:
	free(token);
	free(fifo_dirs);
	return rc;
}
