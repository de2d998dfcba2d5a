/* bench.c - `ipcscope bench`: round-trip latency and one-way throughput of each mechanism
 * between two pinned processes, with the machine and the CPU placement printed beside the
 * figures (as lmbench and ipc-bench report them), and the classic comparison table of the
 * mechanisms with this run's figures in it. How the figures are timed is printed too. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "core/util.h"
#include "gen/bench.h"
#include "gen/gen.h"

#define BENCH_SCHEMA_ID "ipcscope-bench/1"
#define MAX_SIZES 16

struct bench_opts {
	struct bench_params bp;
	size_t sizes[MAX_SIZES];
	size_t nsizes;
	bool json;
	const struct generator **mechs;
	size_t nmechs;
};

static const char timing_mean[] =
	"mean: one clock read before and one after a loop of round trips that does only the IPC "
	"(a 200 ms watchdog timer may interrupt a wait, 5 times a second, to notice a dead peer)";
static const char timing_pct[] =
	"p50/p99/min/max: a second loop reading the clock around each round trip "
	"(one read's cost is reported, not subtracted)";
static const char timing_tput[] =
	"throughput: count messages sent back to back, ended by the peer's acknowledgement of "
	"the last (udp: one acknowledgement every 4, as it drops rather than blocks); "
	"eventfd carries counts, not bytes: one count per message, measured once at the "
	"counter's 8 bytes";

static void usage_text(FILE *out)
{
	fprintf(out,
		"Usage: ipcscope bench [MECH...] [OPTIONS]\n\n"
		"Round-trip latency (mean, p50, p99) and one-way throughput of each mechanism between\n"
		"two processes pinned to CPUs, after a warm-up that is not counted.\n\n"
		"Options:\n"
		"  -s, --size LIST      message sizes in bytes, comma separated (default 64,1024,65536)\n"
		"  -c, --count N        round trips per latency loop, messages for throughput (default 10000)\n"
		"      --cpu same|split both processes on one CPU, or on two (default split)\n"
		"  -J, --json           one JSON document\n"
		"  -h, --help           this text\n\n"
		"Mechanisms (default: every one that carries a payload):\n");
	for (size_t i = 0; generators[i]; i++)
		if (generators[i]->bench)
			fprintf(out, "  %-15s %s\n", generators[i]->name, generators[i]->medium);
	fprintf(out, "\nExit status: 0 measured (or skipped: a size the mechanism cannot carry), "
		     "1 a measurement failed, 2 usage error.\n");
}

static int parse_sizes(const char *arg, struct bench_opts *o)
{
	char *copy = xstrdup(arg), *save = NULL;
	int rc = 0;

	o->nsizes = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint64_t v, mult = 1;
		size_t n = strlen(t);

		if (n && (t[n - 1] == 'K' || t[n - 1] == 'k'))
			mult = 1024, t[n - 1] = '\0';
		else if (n && (t[n - 1] == 'M' || t[n - 1] == 'm'))
			mult = 1024 * 1024, t[n - 1] = '\0';
		if (o->nsizes >= MAX_SIZES || parse_u64(t, &v) < 0 || v * mult < GEN_FRAME_HDR ||
		    v * mult > (16u << 20)) {
			rc = -EINVAL;
			break;
		}
		o->sizes[o->nsizes++] = (size_t)(v * mult);
	}
	free(copy);
	return rc < 0 || o->nsizes == 0 ? -EINVAL : 0;
}

static int parse_opts(int argc, char **argv, struct bench_opts *o, bool *done)
{
	static const struct option longopts[] = {
		{"size", required_argument, NULL, 's'},
		{"count", required_argument, NULL, 'c'},
		{"cpu", required_argument, NULL, 'C'},
		{"json", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	o->bp.count = 10000;
	o->bp.cpu = BENCH_CPU_SPLIT;
	o->sizes[0] = 64;
	o->sizes[1] = 1024;
	o->sizes[2] = 65536;
	o->nsizes = 3;
	*done = false;
	optind = 1;
	opterr = 0;  /* our own one-line message instead of getopt's */
	while ((c = getopt_long(argc, argv, "s:c:Jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_sizes(optarg, o) < 0)
				return usage_error("bench", "--size '%s': expected up to %d sizes of %d "
						   "bytes to 16M, comma separated", optarg, MAX_SIZES,
						   GEN_FRAME_HDR);
			break;
		case 'c':
			if (parse_u64(optarg, &v) < 0 || v < 1 || v > 100000000)
				return usage_error("bench", "--count '%s': expected 1..100000000", optarg);
			o->bp.count = (unsigned)v;
			break;
		case 'C':
			if (!strcmp(optarg, "same"))
				o->bp.cpu = BENCH_CPU_SAME;
			else if (!strcmp(optarg, "split"))
				o->bp.cpu = BENCH_CPU_SPLIT;
			else
				return usage_error("bench", "--cpu '%s': expected same or split", optarg);
			break;
		case 'J':
			o->json = true;
			break;
		case 'h':
			fputs_help_of(stdout, usage_text);
			*done = true;
			return 0;
		default:
			return usage_error("bench", "unknown option '%s'", argv[optind - 1]);
		}
	}
	for (int i = optind; i < argc; i++) {
		const struct generator *g = gen_find(argv[i]);

		if (!g && strcmp(argv[i], "all"))
			return usage_error("bench", "unknown mechanism '%s'", argv[i]);
		for (size_t k = 0; generators[k]; k++) {
			if (g ? generators[k] != g : !generators[k]->bench)
				continue;
			o->mechs = xrealloc(o->mechs, (o->nmechs + 1) * sizeof(*o->mechs));
			o->mechs[o->nmechs++] = generators[k];
		}
	}
	if (!o->nmechs)
		for (size_t k = 0; generators[k]; k++)
			if (generators[k]->bench) {
				o->mechs = xrealloc(o->mechs, (o->nmechs + 1) * sizeof(*o->mechs));
				o->mechs[o->nmechs++] = generators[k];
			}
	return 0;
}

static const char *placement(enum bench_cpu c)
{
	return c == BENCH_CPU_SAME ? "same" : "split";
}

static void print_header(const struct bench_opts *o, const struct bench_machine *m)
{
	printf("machine: %d CPUs online (%d allowed), %s, %s\n", m->cpus_online, m->cpus_allowed,
	       m->model[0] ? m->model : "unknown CPU", m->kernel);
	printf("virtualised: %s (%s); container: %s; cpuinfo hypervisor flag: %s\n",
	       m->virt[0] ? m->virt : "unknown", m->virt_source, m->container[0] ? m->container : "unknown",
	       m->hypervisor_flag ? "yes" : "no");
	printf("placement: %s: parent pinned to CPU %d, peer to CPU %d\n", placement(o->bp.cpu),
	       m->cpu_parent, m->cpu_child);
	printf("timing: CLOCK_MONOTONIC (one read costs %.1f ns); %u round trips per loop after "
	       "a warm-up of %u\n  %s\n  %s\n  %s\n\n", m->clock_ns, o->bp.count,
	       o->bp.count / 10 < 1 ? 1 : o->bp.count / 10 > 1000 ? 1000 : o->bp.count / 10,
	       timing_mean, timing_pct, timing_tput);
	printf("%-15s %7s %10s %10s %10s %12s %10s %5s\n", "MECHANISM", "SIZE", "MEAN-RTT",
	       "P50-RTT", "P99-RTT", "MSG/S", "MB/S", "CPUS");
	fflush(stdout);
}

static void us(char *buf, size_t len, double ns)
{
	snprintf(buf, len, "%.2fus", ns / 1000.0);
}

static void print_result(const struct bench_result *r)
{
	char a[32], b[32], c[32];

	if (r->skipped || r->err) {
		printf("%-15s %7zu %s: %s\n", r->mech, r->size, r->skipped ? "skipped" : "FAILED", r->why);
		fflush(stdout);
		return;
	}
	us(a, sizeof(a), r->mean_ns);
	us(b, sizeof(b), r->p50_ns);
	us(c, sizeof(c), r->p99_ns);
	printf("%-15s %7zu %10s %10s %10s %12.0f %10.1f %2d/%-2d\n", r->mech, r->size, a, b, c,
	       r->msgs_per_s, r->mb_per_s, r->cpu_parent, r->cpu_child);
	fflush(stdout);
}

/* The figure of mech at the smallest and at the largest measured size. */
static const struct bench_result *pick(const struct bench_result *res, size_t n, const char *mech,
				       bool largest)
{
	const struct bench_result *best = NULL;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(res[i].mech, mech) || res[i].skipped || res[i].err)
			continue;
		if (!best || (largest ? res[i].size > best->size : res[i].size < best->size))
			best = &res[i];
	}
	return best;
}

static void print_comparison(const struct bench_opts *o, const struct bench_result *res, size_t n)
{
	printf("\n%-15s %-30s %-22s %-20s %-33s %12s %12s\n", "MECHANISM", "MEDIUM", "UNIT",
	       "DIRECTION", "SCOPE", "RTT(small)", "MB/S(large)");
	for (size_t i = 0; i < o->nmechs; i++) {
		const struct generator *g = o->mechs[i];
		const struct bench_result *s = pick(res, n, g->name, false), *l = pick(res, n, g->name, true);
		char rtt[32] = "-", mbs[32] = "-";

		if (s)
			snprintf(rtt, sizeof(rtt), "%.2fus@%zu", s->mean_ns / 1000.0, s->size);
		if (l)
			snprintf(mbs, sizeof(mbs), "%.0f@%zu", l->mb_per_s, l->size);
		printf("%-15s %-30s %-22s %-20s %-33s %12s %12s\n", g->name, g->medium, g->unit,
		       g->direction, g->scope, rtt, mbs);
	}
}

static json_t *json_machine(const struct bench_machine *m)
{
	json_t *j = json_object();

	json_object_set_new(j, "cpus_online", json_integer(m->cpus_online));
	json_object_set_new(j, "cpus_allowed", json_integer(m->cpus_allowed));
	json_object_set_new(j, "cpu_model", json_string(m->model));
	json_object_set_new(j, "kernel", json_string(m->kernel));
	json_object_set_new(j, "virtualization", json_string(m->virt));
	json_object_set_new(j, "virtualization_source", json_string(m->virt_source));
	json_object_set_new(j, "container", json_string(m->container));
	json_object_set_new(j, "hypervisor_flag", json_boolean(m->hypervisor_flag));
	return j;
}

static json_t *json_result(const struct bench_result *r, const struct generator *g)
{
	json_t *j = json_object();

	json_object_set_new(j, "mechanism", json_string(r->mech));
	json_object_set_new(j, "size", json_integer((json_int_t)r->size));
	json_object_set_new(j, "count", json_integer(r->count));
	json_object_set_new(j, "warmup", json_integer(r->warmup));
	json_object_set_new(j, "skipped", json_boolean(r->skipped));
	if (r->counts_only)
		json_object_set_new(j, "counts_only", json_true());
	if (r->why[0])
		json_object_set_new(j, r->skipped ? "reason" : "error", json_string(r->why));
	if (r->skipped || r->err)
		return j;
	json_object_set_new(j, "cpu_parent", json_integer(r->cpu_parent));
	json_object_set_new(j, "cpu_peer", json_integer(r->cpu_child));
	json_object_set_new(j, "latency_ns", json_pack("{s:f, s:f, s:f, s:f, s:f}", "mean", r->mean_ns,
						       "p50", r->p50_ns, "p99", r->p99_ns,
						       "min", r->min_ns, "max", r->max_ns));
	json_object_set_new(j, "throughput", json_pack("{s:f, s:f}", "msgs_per_s", r->msgs_per_s,
						       "mb_per_s", r->mb_per_s));
	if (g->bench && g->bench->window)
		json_object_set_new(j, "ack_window", json_integer(g->bench->window));
	return j;
}

static void print_json(const struct bench_opts *o, const struct bench_machine *m,
		       const struct bench_result *res, size_t n)
{
	json_t *doc = json_object(), *results = json_array(), *cmp = json_array(), *sizes = json_array();

	json_object_set_new(doc, "schema", json_string(BENCH_SCHEMA_ID));
	json_object_set_new(doc, "machine", json_machine(m));
	json_object_set_new(doc, "placement", json_pack("{s:s, s:i, s:i}", "mode",
							placement(o->bp.cpu), "cpu_parent",
							m->cpu_parent, "cpu_peer", m->cpu_child));
	json_object_set_new(doc, "timing", json_pack("{s:s, s:f, s:s, s:s, s:s}", "clock",
						     "CLOCK_MONOTONIC", "clock_read_ns", m->clock_ns,
						     "mean", timing_mean, "percentiles", timing_pct,
						     "throughput", timing_tput));
	for (size_t i = 0; i < o->nsizes; i++)
		json_array_append_new(sizes, json_integer((json_int_t)o->sizes[i]));
	json_object_set_new(doc, "params", json_pack("{s:i, s:o}", "count", o->bp.count, "sizes", sizes));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(results, json_result(&res[i], gen_find(res[i].mech)));
	json_object_set_new(doc, "results", results);
	for (size_t i = 0; i < o->nmechs; i++) {
		const struct generator *g = o->mechs[i];
		const struct bench_result *s = pick(res, n, g->name, false), *l = pick(res, n, g->name, true);
		json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s}", "mechanism", g->name, "medium",
					g->medium, "unit", g->unit, "direction", g->direction,
					"scope", g->scope);

		if (s) {
			json_object_set_new(row, "rtt_mean_ns", json_real(s->mean_ns));
			json_object_set_new(row, "rtt_size", json_integer((json_int_t)s->size));
		}
		if (l) {
			json_object_set_new(row, "mb_per_s", json_real(l->mb_per_s));
			json_object_set_new(row, "mb_per_s_size", json_integer((json_int_t)l->size));
		}
		json_array_append_new(cmp, row);
	}
	json_object_set_new(doc, "comparison", cmp);
	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(doc);
}

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_machine m;
	struct bench_result *res = NULL;
	size_t n = 0;
	bool done, failed = false;
	int rc, ret = 0;

	memset(&o, 0, sizeof(o));
	ret = parse_opts(argc, argv, &o, &done);
	if (ret || done)
		goto out;
	rc = bench_machine_probe(&m, o.bp.cpu);
	if (rc == -EINVAL) {
		ret = usage_error("bench", "--cpu split needs two CPUs; %d allowed here (use --cpu same)",
				  m.cpus_allowed);
		goto out;
	}
	if (rc < 0) {
		ret = error("bench: cannot read the CPU affinity: %s", strerror(-rc));
		goto out;
	}
	if ((rc = gen_run_init(false)) < 0) {
		ret = error("bench: cannot set up the run: %s", strerror(-rc));
		goto out;
	}
	res = xcalloc(o.nmechs * o.nsizes, sizeof(*res));
	if (!o.json)
		print_header(&o, &m);
	for (size_t i = 0; i < o.nmechs && !gen_stop_signal(); i++) {
		for (size_t s = 0; s < o.nsizes && !gen_stop_signal(); s++) {
			struct bench_result *r = &res[n++];

			if (bench_run(o.mechs[i], &o.bp, &m, o.sizes[s], r) < 0)
				failed = true;
			gen_run_clear_abort();
			if (!o.json)
				print_result(r);
			if (r->counts_only)
				break; /* one size only: its count's */
		}
	}
	if (gen_stop_signal()) {
		fprintf(stderr, "ipcscope: bench: stopped by signal %d; everything removed\n",
			gen_stop_signal());
		ret = 128 + gen_stop_signal();
	} else {
		if (o.json)
			print_json(&o, &m, res, n);
		else
			print_comparison(&o, res, n);
		ret = failed ? EXIT_RUNTIME : 0;
	}
	gen_run_release();
	gen_limits_release();
out:
	free(res);
	free(o.mechs);
	return ret;
}
