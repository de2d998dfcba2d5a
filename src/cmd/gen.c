/* gen.c - `ipcscope gen`: make every asked-for mechanism live between real processes,
 * verify its traffic, optionally hold it (with slow traffic, or a fixed fill) so that it
 * can be watched, then remove everything.
 *
 * While holding, each object is printed the moment it exists, one flushed line each, and
 * "holding ..." once everything is in place; with -J one JSON document is printed when
 * everything is in place and nothing after it, so a script can read it and go on. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "core/util.h"
#include "gen/gen.h"

#define GEN_SCHEMA_ID "ipcscope-gen/1"

struct gen_opts {
	struct gen_params p;
	bool json;
	const struct generator **mechs;
	size_t nmechs;
};

static void usage_text(FILE *out)
{
	fprintf(out,
		"Usage: ipcscope gen MECH... [OPTIONS]\n\n"
		"Make each IPC mechanism live between real processes, exchange messages and verify\n"
		"them (sequence number and CRC-32), then remove everything it made.\n\n"
		"Options:\n"
		"  -c, --count N        objects of each kind (default 1)\n"
		"  -s, --size BYTES     bytes per message, 16-byte frame header included (default %d)\n"
		"  -m, --messages M     messages per object; rounds for locks and semaphores (default %d)\n"
		"  -H, --hold SECONDS   keep everything alive that long with slow traffic, then remove it\n"
		"  -f, --fill N         while holding, leave N in place and hold still: bytes queued (pipe,\n"
		"                       popen, fifo, sockets), messages (sysv-msg with mtypes 1 2 3...,\n"
		"                       posix-mq), bytes written (sysv-shm, posix-shm: at least N bytes\n"
		"                       big), value (posix-sem; sysv-sem gets N, N+1, ...), pending\n"
		"                       signals (signal), processes blocked on each lock, at most 2\n"
		"                       (flock, fcntl-lock)\n"
		"      --nsems N        semaphores per SysV set (default 3)\n"
		"  -B, --block WAIT     while holding, one more peer sleeps in WAIT on the first object\n"
		"                       (its holder role is \"blocker\"): sysv-msg receive (msgrcv of\n"
		"                       mtype 4, which no traffic uses) or send (fills the queue, then\n"
		"                       msgsnd; needs --fill), sysv-sem decrement or zero (semop on the\n"
		"                       last semaphore), posix-mq receive (needs --fill 0), pipe and\n"
		"                       fifo read (needs --fill 0), write (a write larger than the\n"
		"                       room left; needs --fill) or poll (on every object's read end;\n"
		"                       needs --fill 0), posix-sem wait (sem_wait; needs --fill 0)\n"
		"      --leak           leave the named objects behind with their creator gone\n"
		"      --ftok PATH      SysV keys made by ftok(PATH, proj), proj 'A' for the first\n"
		"                       object, 'B' for the next (the next free one on EEXIST)\n"
		"  -J, --json           one JSON document (printed once everything is in place)\n"
		"  -l, --list           list the mechanisms\n"
		"  -h, --help           this text\n\n"
		"Mechanisms (or 'all'):\n",
		GEN_DEFAULT_SIZE, GEN_DEFAULT_MESSAGES);
	for (size_t i = 0; generators[i]; i++)
		fprintf(out, "  %-15s %s\n", generators[i]->name, generators[i]->summary);
	fprintf(out, "\nEvery name starts with '" GEN_PREFIX "<pid>'. On exit, SIGINT, SIGTERM or a "
		     "failed peer every\nobject is removed and every child reaped, unless --leak.\n"
		     "Exit status: 0 verified, 1 a mechanism failed, 2 usage error, 128+N on signal N.\n");
}

/* "64", "4K", "1M": base 1024, whole string. */
static int parse_size(const char *s, uint64_t *out)
{
	char buf[32];
	size_t n = strlen(s);
	uint64_t mult = 1, v;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n + 1);
	switch (buf[n - 1]) {
	case 'k': case 'K': mult = 1024; break;
	case 'm': case 'M': mult = 1024 * 1024; break;
	case 'g': case 'G': mult = 1024 * 1024 * 1024; break;
	default: break;
	}
	if (mult > 1)
		buf[n - 1] = '\0';
	if (parse_u64(buf, &v) < 0 || v > UINT64_MAX / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

static int add_mech(struct gen_opts *o, const struct generator *g)
{
	for (size_t i = 0; i < o->nmechs; i++)
		if (o->mechs[i] == g)
			return 0;
	o->mechs = xrealloc(o->mechs, (o->nmechs + 1) * sizeof(*o->mechs));
	o->mechs[o->nmechs++] = g;
	return 0;
}

static int parse_opts(int argc, char **argv, struct gen_opts *o, bool *done)
{
	static const struct option longopts[] = {
		{"count", required_argument, NULL, 'c'},
		{"size", required_argument, NULL, 's'},
		{"messages", required_argument, NULL, 'm'},
		{"hold", required_argument, NULL, 'H'},
		{"fill", required_argument, NULL, 'f'},
		{"nsems", required_argument, NULL, 'N'},
		{"block", required_argument, NULL, 'B'},
		{"leak", no_argument, NULL, 'L'},
		{"ftok", required_argument, NULL, 'F'},
		{"json", no_argument, NULL, 'J'},
		{"list", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	o->p.count = 1;
	o->p.size = GEN_DEFAULT_SIZE;
	o->p.messages = GEN_DEFAULT_MESSAGES;
	o->p.hold = -1;
	o->p.fill = -1;
	o->p.nsems = 3;
	*done = false;
	optind = 1;
	opterr = 0;  /* our own one-line message instead of getopt's */
	while ((c = getopt_long(argc, argv, "c:s:m:H:f:B:Jlh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_u64(optarg, &v) < 0 || v < 1 || v > GEN_MAX_COUNT)
				return usage_error("gen", "--count '%s': expected 1..%d", optarg,
						   GEN_MAX_COUNT);
			o->p.count = (unsigned)v;
			break;
		case 's':
			/* Each side holds a frame or two in memory: keep them reasonable. */
			if (parse_size(optarg, &v) < 0 || v < GEN_FRAME_HDR || v > (64ull << 20))
				return usage_error("gen", "--size '%s': expected %d bytes to 64M "
						   "(the frame header is %d bytes)", optarg,
						   GEN_FRAME_HDR, GEN_FRAME_HDR);
			o->p.size = (size_t)v;
			break;
		case 'm':
			if (parse_u64(optarg, &v) < 0 || v > 10000000)
				return usage_error("gen", "--messages '%s': expected 0..10000000", optarg);
			o->p.messages = (unsigned)v;
			break;
		case 'H':
			if (parse_u64(optarg, &v) < 0 || v > 86400)
				return usage_error("gen", "--hold '%s': expected 0..86400 seconds", optarg);
			o->p.hold = (int)v;
			break;
		case 'f':
			if (parse_size(optarg, &v) < 0 || v > INT32_MAX)
				return usage_error("gen", "--fill '%s': expected a count up to %d", optarg,
						   INT32_MAX);
			o->p.fill = (int64_t)v;
			break;
		case 'N':
			if (parse_u64(optarg, &v) < 0 || v < 1 || v > 65535)
				return usage_error("gen", "--nsems '%s': expected 1..65535", optarg);
			o->p.nsems = (unsigned)v;
			break;
		case 'B':
			o->p.block = optarg;
			break;
		case 'L':
			o->p.leak = true;
			break;
		case 'F': {
			struct stat st;

			/* ftok stats the path: one that cannot be stat'ed gives (key_t)-1. */
			if (stat(optarg, &st) < 0)
				return usage_error("gen", "--ftok '%s': %s", optarg, strerror(errno));
			o->p.ftok_path = optarg;
			break;
		}
		case 'J':
			o->json = true;
			break;
		case 'l':
			for (size_t i = 0; generators[i]; i++)
				printf("%-15s %s\n", generators[i]->name, generators[i]->summary);
			*done = true;
			return 0;
		case 'h':
			fputs_help_of(stdout, usage_text);
			*done = true;
			return 0;
		default:
			return usage_error("gen", "unknown option '%s'", argv[optind - 1]);
		}
	}
	for (int i = optind; i < argc; i++) {
		const struct generator *g = gen_find(argv[i]);

		if (!strcmp(argv[i], "all")) {
			for (size_t k = 0; generators[k]; k++)
				add_mech(o, generators[k]);
			continue;
		}
		if (!g)
			return usage_error("gen", "unknown mechanism '%s' (try 'ipcscope gen --list')",
					   argv[i]);
		add_mech(o, g);
	}
	if (!o->nmechs)
		return usage_error("gen", "name at least one mechanism, or 'all'");
	if (o->p.fill >= 0 && o->p.hold < 0)
		return usage_error("gen", "--fill only applies while holding (--hold SECONDS)");
	if (o->p.block && o->p.hold < 0)
		return usage_error("gen", "--block only applies while holding (--hold SECONDS)");
	return 0;
}

static void print_object(FILE *out, const char *mech, const struct gen_object *o)
{
	fprintf(out, "object %s %s", mech, o->kind);
	if (o->role)
		fprintf(out, " role=%s", o->role);
	if (o->id >= 0)
		fprintf(out, " id=%" PRId64, o->id);
	if (o->key >= 0)
		fprintf(out, " key=0x%08" PRIx64, o->key);
	if (o->name[0])
		fprintf(out, " name=%s", o->name);
	if (o->inode)
		fprintf(out, " inode=%" PRIu64, o->inode);
	if (o->addr[0])
		fprintf(out, " addr=%s", o->addr);
	if (o->fill >= 0)
		fprintf(out, " fill=%" PRId64 " fill_unit=%s", o->fill, o->fill_unit);
	if (o->detail[0])
		fprintf(out, " %s", o->detail);
	for (size_t i = 0; i < o->nholders; i++) {
		const struct gen_holder *h = &o->holders[i];

		if (h->fd >= 0)
			fprintf(out, " holder=%d:%d:%s:%s", (int)h->pid, h->fd, h->access, h->role);
		else
			fprintf(out, " holder=%d:-:%s:%s", (int)h->pid, h->access, h->role);
	}
	if (o->leaked)
		fprintf(out, " leaked=yes");
	fputc('\n', out);
}

static void on_object(struct gen_ctx *ctx, const struct gen_object *o)
{
	print_object(stdout, ctx->gen->name, o);
	fflush(stdout);
}

static void print_summary(const struct gen_ctx *ctx, bool with_objects)
{
	const struct generator *g = ctx->gen;
	double ms = (double)(ctx->create_ns + ctx->exercise_ns) / 1e6;

	if (!ctx->verified)
		printf("%s: FAILED: %s\n", g->name, ctx->error[0] ? ctx->error : "not verified");
	else
		printf("%s: verified %" PRIu64 " messages, %" PRIu64 " bytes in %.2f ms (%zu object%s)\n",
		       g->name, ctx->messages, ctx->bytes, ms, ctx->nobjs, ctx->nobjs == 1 ? "" : "s");
	for (size_t i = 0; i < ctx->nchecks; i++)
		printf("  - %s\n", ctx->checks[i]);
	if (!with_objects)
		return;
	for (size_t i = 0; i < ctx->nobjs && i < 8; i++) {
		fputs("  ", stdout);
		print_object(stdout, g->name, ctx->objs[i]);
	}
	if (ctx->nobjs > 8)
		printf("  ... and %zu more objects\n", ctx->nobjs - 8);
}

static json_t *json_object_of(const struct gen_object *o)
{
	json_t *j = json_object(), *holders = json_array();

	json_object_set_new(j, "kind", json_string(o->kind));
	if (o->role)
		json_object_set_new(j, "role", json_string(o->role));
	if (o->id >= 0)
		json_object_set_new(j, "id", json_integer(o->id));
	if (o->key >= 0)
		json_object_set_new(j, "key", json_integer(o->key));
	if (o->name[0])
		json_object_set_new(j, "name", json_string(o->name));
	if (o->inode)
		json_object_set_new(j, "inode", json_integer((json_int_t)o->inode));
	if (o->addr[0])
		json_object_set_new(j, "addr", json_string(o->addr));
	if (o->detail[0])
		json_object_set_new(j, "detail", json_string(o->detail));
	if (o->fill >= 0) {
		json_object_set_new(j, "fill", json_integer(o->fill));
		json_object_set_new(j, "fill_unit", json_string(o->fill_unit));
	}
	json_object_set_new(j, "leaked", json_boolean(o->leaked));
	for (size_t i = 0; i < o->nholders; i++) {
		const struct gen_holder *h = &o->holders[i];
		json_t *jh = json_object();

		json_object_set_new(jh, "pid", json_integer(h->pid));
		if (h->fd >= 0)
			json_object_set_new(jh, "fd", json_integer(h->fd));
		json_object_set_new(jh, "access", json_string(h->access));
		json_object_set_new(jh, "role", json_string(h->role));
		json_array_append_new(holders, jh);
	}
	json_object_set_new(j, "holders", holders);
	return j;
}

static json_t *json_ctx(const struct gen_ctx *ctx)
{
	json_t *j = json_object(), *checks = json_array(), *objs = json_array();

	json_object_set_new(j, "mechanism", json_string(ctx->gen->name));
	json_object_set_new(j, "verified", json_boolean(ctx->verified));
	if (ctx->error[0])
		json_object_set_new(j, "error", json_string(ctx->error));
	json_object_set_new(j, "messages", json_integer((json_int_t)ctx->messages));
	json_object_set_new(j, "bytes", json_integer((json_int_t)ctx->bytes));
	json_object_set_new(j, "create_ns", json_integer(ctx->create_ns));
	json_object_set_new(j, "exercise_ns", json_integer(ctx->exercise_ns));
	for (size_t i = 0; i < ctx->nchecks; i++)
		json_array_append_new(checks, json_string(ctx->checks[i]));
	json_object_set_new(j, "checks", checks);
	for (size_t i = 0; i < ctx->nobjs; i++)
		json_array_append_new(objs, json_object_of(ctx->objs[i]));
	json_object_set_new(j, "objects", objs);
	return j;
}

static void print_json(const struct gen_opts *o, struct gen_ctx *ctxs, size_t n)
{
	json_t *doc = json_object(), *params = json_object(), *mechs = json_array();
	const struct gen_params *p = &o->p;

	json_object_set_new(doc, "schema", json_string(GEN_SCHEMA_ID));
	json_object_set_new(doc, "pid", json_integer(getpid()));
	if (gen_tmpdir_made())
		json_object_set_new(doc, "tmpdir", json_string(gen_tmpdir_made()));
	json_object_set_new(doc, "hold", p->hold >= 0 ? json_integer(p->hold) : json_null());
	json_object_set_new(doc, "leak", json_boolean(p->leak));
	json_object_set_new(params, "count", json_integer(p->count));
	json_object_set_new(params, "size", json_integer((json_int_t)p->size));
	json_object_set_new(params, "messages", json_integer(p->messages));
	json_object_set_new(params, "fill", p->fill >= 0 ? json_integer(p->fill) : json_null());
	json_object_set_new(params, "nsems", json_integer(p->nsems));
	if (p->ftok_path)
		json_object_set_new(params, "ftok", json_string(p->ftok_path));
	json_object_set_new(doc, "params", params);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(mechs, json_ctx(&ctxs[i]));
	json_object_set_new(doc, "mechanisms", mechs);
	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(doc);
}

/* Hold: one second at a time, with the slow traffic (or none, holding a fill still). */
static int hold(struct gen_ctx *ctxs, size_t n, int seconds)
{
	for (int s = 0; s < seconds; s++) {
		int rc = gen_sleep_ms(1000);

		if (rc < 0)
			return rc;
		for (size_t i = 0; i < n; i++)
			if ((rc = gen_tick(&ctxs[i])) < 0)
				return rc;
	}
	return 0;
}

static void print_leaks(const struct gen_ctx *ctxs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < ctxs[i].nobjs; k++)
			if (ctxs[i].objs[k]->leaked) {
				fputs("leaked ", stdout);
				print_object(stdout, ctxs[i].gen->name, ctxs[i].objs[k]);
			}
}

/* The errors nobody has printed yet (JSON mode, or failures while holding). */
static void print_new_errors(const struct gen_ctx *ctxs, size_t n, const bool *seen)
{
	for (size_t i = 0; i < n; i++)
		if (ctxs[i].error[0] && !(seen && seen[i]))
			fprintf(stderr, "ipcscope: gen: %s: %s\n", ctxs[i].gen->name, ctxs[i].error);
}

int cmd_gen(int argc, char **argv)
{
	struct gen_opts o;
	struct gen_ctx *ctxs = NULL;
	bool *seen = NULL;
	size_t started = 0;
	bool done, failed = false, holding, json_done = false;
	int rc, ret = 0;

	memset(&o, 0, sizeof(o));
	ret = parse_opts(argc, argv, &o, &done);
	if (ret || done)
		goto out_opts;
	holding = o.p.hold >= 0;
	rc = gen_run_init(o.p.leak);
	if (rc < 0) {
		ret = error("gen: cannot set up the run: %s", strerror(-rc));
		goto out_opts;
	}
	ctxs = xcalloc(o.nmechs, sizeof(*ctxs));
	seen = xcalloc(o.nmechs, sizeof(*seen));
	for (size_t i = 0; i < o.nmechs; i++) {
		gen_ctx_init(&ctxs[i], o.mechs[i], &o.p);
		if (holding && !o.json)
			ctxs[i].on_object = on_object;
		if (gen_check_params(&ctxs[i]) < 0) {
			fprintf(stderr, "ipcscope: gen: %s: %s\n", o.mechs[i]->name, ctxs[i].error);
			ret = ctxs[i].usage ? EXIT_USAGE : EXIT_RUNTIME;
		}
	}
	if (ret)
		goto out;

	for (; started < o.nmechs; started++) {
		struct gen_ctx *ctx = &ctxs[started];

		if (gen_start(ctx) < 0)
			failed = true;
		if (ctx->usage)
			ret = EXIT_USAGE;
		if (!holding) {
			gen_finish(ctx);
			gen_run_clear_abort();
		}
		if (!o.json) {
			print_summary(ctx, !holding);
			seen[started] = true;
		}
		fflush(stdout);
		if (gen_stop_signal() || gen_check() == -ECHILD) {
			started++;
			break;
		}
	}
	if (holding && !failed && !gen_stop_signal() && gen_check() == 0) {
		if (o.json) {
			print_json(&o, ctxs, started);
			json_done = true;
		} else {
			printf("holding %zu mechanism%s for %d s (pid %d); SIGINT or SIGTERM ends it\n",
			       started, started == 1 ? "" : "s", o.p.hold, (int)getpid());
			fflush(stdout);
		}
		for (size_t i = 0; i < started; i++)
			seen[i] = seen[i] || !ctxs[i].error[0];
		if (hold(ctxs, started, o.p.hold) < 0 && !gen_stop_signal())
			failed = true;
	}
	if (holding)
		for (size_t i = started; i-- > 0;)
			gen_finish(&ctxs[i]);
	if (o.json && !json_done && !gen_stop_signal())
		print_json(&o, ctxs, started);
	if (o.p.leak && !o.json)
		print_leaks(ctxs, started);
	fflush(stdout);
	print_new_errors(ctxs, started, o.json ? NULL : seen);
	if (gen_check() == -ECHILD && !gen_stop_signal()) {
		fprintf(stderr, "ipcscope: gen: %s; everything removed\n", gen_run_abort());
		failed = true;
	}
	if (gen_stop_signal()) {
		fprintf(stderr, "ipcscope: gen: stopped by signal %d (%s); %s\n", gen_stop_signal(),
			strsignal(gen_stop_signal()),
			o.p.leak ? "named objects left behind (--leak)" : "everything removed");
		ret = 128 + gen_stop_signal();
	} else if (!ret && failed) {
		ret = EXIT_RUNTIME;
	}
out:
	for (size_t i = 0; i < o.nmechs && ctxs; i++)
		gen_ctx_release(&ctxs[i]);
	free(ctxs);
	free(seen);
	gen_run_release();
	gen_limits_release();
out_opts:
	free(o.mechs);
	return ret;
}
