/* bench.c - ping-pong latency and one-way throughput between two pinned processes, over
 * any mechanism's bench_ops, and the machine facts printed beside the figures.
 *
 * The measured loops call only the transport's send and recv; nothing is checked inside
 * them. The first and the last message of each phase are checked afterwards against the
 * frame format, so a transport that delivers garbage cannot produce a figure. */
#include "gen/bench.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

int bench_attach_fds(struct bench_chan *c, int side)
{
	/* The peer was forked keeping only its own ends; the parent drops the peer's. */
	if (side == 0) {
		for (int i = 2; i < 4; i++) {
			if (c->fd[i] >= 0 && c->fd[i] != c->fd[0] && c->fd[i] != c->fd[1] &&
			    (i == 2 || c->fd[i] != c->fd[2]))
				close(c->fd[i]);
			c->fd[i] = -1;
		}
	}
	return 0;
}

int bench_stream_send(struct bench_chan *c, int side, const void *buf, size_t len)
{
	return gen_write_all(c->fd[side ? 3 : 0], buf, len);
}

int bench_stream_recv(struct bench_chan *c, int side, void *buf, size_t len)
{
	return gen_read_all(c->fd[side ? 2 : 1], buf, len);
}

int bench_dgram_send(struct bench_chan *c, int side, const void *buf, size_t len)
{
	for (;;) {
		ssize_t n = send(c->fd[side ? 3 : 0], buf, len, 0);
		int rc;

		if (n == (ssize_t)len)
			return 0;
		if (n >= 0)
			return -EMSGSIZE;
		if (errno != EINTR)
			return -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
}

int bench_dgram_recv(struct bench_chan *c, int side, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = recv(c->fd[side ? 2 : 1], buf, len, 0);
		int rc;

		if (n == (ssize_t)len)
			return 0;
		if (n >= 0)
			return n == 0 ? -EPIPE : -EMSGSIZE;
		if (errno != EINTR)
			return -errno;
		if ((rc = gen_check()) < 0)
			return rc;
	}
}

static void first_line_value(const char *text, const char *key, char *out, size_t len)
{
	const char *p = strstr(text, key);

	out[0] = '\0';
	if (!p || !(p = strchr(p, ':')))
		return;
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	snprintf(out, len, "%.*s", (int)strcspn(p, "\n"), p);
}

/* systemd-detect-virt knows the most hypervisors and containers; without it the cpuinfo
 * flag and /sys/hypervisor still tell a VM from bare metal. */
static void probe_virt(struct bench_machine *m, const char *cpuinfo)
{
	struct stat st;
	char *buf = NULL;
	const char *flags = strstr(cpuinfo, "\nflags");

	if (flags) {
		size_t n = strcspn(flags + 1, "\n");
		char *line = xasprintf("%.*s ", (int)n, flags + 1);

		m->hypervisor_flag = strstr(line, " hypervisor ") != NULL;
		free(line);
	}
	if (stat("/usr/bin/systemd-detect-virt", &st) == 0 || stat("/bin/systemd-detect-virt", &st) == 0) {
		FILE *f = popen("systemd-detect-virt --vm 2>/dev/null", "r");

		if (f) {
			if (fgets(m->virt, sizeof(m->virt), f))
				m->virt[strcspn(m->virt, "\n")] = '\0';
			pclose(f);
		}
		f = popen("systemd-detect-virt --container 2>/dev/null", "r");
		if (f) {
			if (fgets(m->container, sizeof(m->container), f))
				m->container[strcspn(m->container, "\n")] = '\0';
			pclose(f);
		}
		if (m->virt[0])
			snprintf(m->virt_source, sizeof(m->virt_source), "systemd-detect-virt");
	}
	if (!m->virt[0] && read_file_at(AT_FDCWD, "/sys/hypervisor/type", 256, &buf, NULL) == 0) {
		snprintf(m->virt, sizeof(m->virt), "%.*s", (int)strcspn(buf, "\n"), buf);
		snprintf(m->virt_source, sizeof(m->virt_source), "/sys/hypervisor/type");
	}
	free(buf);
	if (!m->virt[0]) {
		snprintf(m->virt, sizeof(m->virt), "%s", m->hypervisor_flag ? "yes" : "none");
		snprintf(m->virt_source, sizeof(m->virt_source), "/proc/cpuinfo hypervisor flag");
	}
}

static double clock_cost(void)
{
	struct timespec ts;
	int64_t t0 = gen_now_ns();
	const int n = 20000;

	for (int i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)(gen_now_ns() - t0) / n;
}

int bench_machine_probe(struct bench_machine *m, enum bench_cpu cpu)
{
	struct utsname u;
	cpu_set_t set;
	char *cpuinfo = NULL;
	int found = 0, rc = 0;

	memset(m, 0, sizeof(*m));
	m->cpu_parent = m->cpu_child = -1;
	m->cpus_online = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof(m->kernel), "%s %s %s %s", u.sysname, u.release, u.version,
			 u.machine);
	if (read_file_at(AT_FDCWD, "/proc/cpuinfo", 1 << 20, &cpuinfo, NULL) == 0) {
		first_line_value(cpuinfo, "model name", m->model, sizeof(m->model));
		probe_virt(m, cpuinfo);
	}
	free(cpuinfo);
	m->clock_ns = clock_cost();
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	m->cpus_allowed = CPU_COUNT(&set);
	for (int c = 0; c < CPU_SETSIZE && found < 2; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		if (found++ == 0)
			m->cpu_parent = m->cpu_child = c;
		else if (cpu == BENCH_CPU_SPLIT)
			m->cpu_child = c;
	}
	if (cpu == BENCH_CPU_SPLIT && found < 2)
		rc = -EINVAL;
	return rc;
}

static int pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

struct run {
	struct bench_chan *c;
	const struct bench_ops *ops;
	unsigned count, warmup;
	int cpu;
};

/* The peer: answer every round trip of the three latency phases, then take count messages
 * and acknowledge them (every window messages, and the last). */
static int peer(struct gen_ctx *ctx, int ctl, void *arg)
{
	struct run *r = arg;
	const struct bench_ops *ops = r->ops;
	struct bench_chan *c = r->c;
	size_t size = c->size;
	char *base = xmalloc(c->headroom + size), *buf = base + c->headroom;
	unsigned trips = r->warmup + 2 * r->count;
	int rc;

	(void)ctx;
	if ((rc = pin(r->cpu)) < 0) {
		gen_report(ctl, rc, 0, 0, "cannot pin to CPU %d: %s", r->cpu, strerror(-rc));
		goto out;
	}
	rc = ops->attach ? ops->attach(c, 1) : bench_attach_fds(c, 1);
	if (rc < 0) {
		gen_report(ctl, rc, 0, 0, "attach: %s", strerror(-rc));
		goto out;
	}
	gen_ready(ctl, sched_getcpu(), 0);
	for (unsigned i = 0; i < trips; i++) {
		if ((rc = ops->recv(c, 1, buf, size)) < 0 || (rc = ops->send(c, 1, buf, size)) < 0) {
			gen_report(ctl, rc, i, 0, "round trip %u: %s", i, strerror(-rc));
			goto out;
		}
	}
	for (unsigned i = 0; i < r->count; i++) {
		if ((rc = ops->recv(c, 1, buf, size)) < 0) {
			gen_report(ctl, rc, i, 0, "throughput message %u: %s", i, strerror(-rc));
			goto out;
		}
		if (ops->window && (i + 1) % ops->window == 0 && i + 1 < r->count &&
		    (rc = ops->send(c, 1, buf, size)) < 0)
			break;
	}
	if (rc == 0)
		rc = ops->send(c, 1, buf, size);
	gen_report(ctl, rc, r->count, 0, rc < 0 ? "final acknowledgement failed" : NULL);
out:
	free(base);
	return rc;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* A counts-only transport has no frame: its recv checks each count instead. */
static int check_frame(struct bench_result *res, const void *buf, size_t size, uint32_t seq)
{
	int rc;

	if (res->counts_only)
		return 0;
	rc = gen_frame_check(buf, size, seq, res->why, sizeof(res->why));

	return rc < 0 ? (res->err = rc) : 0;
}

/* The three phases, parent side. Runs between attach and the peer's report. */
static int measure(struct run *r, struct bench_result *res, int64_t *lat, char *out, char *in)
{
	const struct bench_ops *ops = r->ops;
	struct bench_chan *c = r->c;
	size_t size = c->size;
	int64_t t0, t1;
	unsigned n = r->count;
	int rc = 0;

	if (!res->counts_only)
		gen_frame_fill(out, size, 1);
	for (unsigned i = 0; i < r->warmup && rc == 0; i++)
		if ((rc = ops->send(c, 0, out, size)) == 0)
			rc = ops->recv(c, 0, in, size);
	if (rc < 0 || (rc = check_frame(res, in, size, 1)) < 0)
		goto out;

	t0 = gen_now_ns();
	for (unsigned i = 0; i < n && rc == 0; i++)
		if ((rc = ops->send(c, 0, out, size)) == 0)
			rc = ops->recv(c, 0, in, size);
	t1 = gen_now_ns();
	if (rc < 0 || (rc = check_frame(res, in, size, 1)) < 0)
		goto out;
	res->mean_ns = (double)(t1 - t0) / n;

	for (unsigned i = 0; i < n && rc == 0; i++) {
		t0 = gen_now_ns();
		if ((rc = ops->send(c, 0, out, size)) == 0)
			rc = ops->recv(c, 0, in, size);
		lat[i] = gen_now_ns() - t0;
	}
	if (rc < 0 || (rc = check_frame(res, in, size, 1)) < 0)
		goto out;
	qsort(lat, n, sizeof(*lat), cmp_i64);
	res->min_ns = (double)lat[0];
	res->p50_ns = (double)lat[(n - 1) / 2];
	res->p99_ns = (double)lat[((uint64_t)n * 99 + 99) / 100 - 1];
	res->max_ns = (double)lat[n - 1];

	if (!res->counts_only)
		gen_frame_fill(out, size, 2);
	t0 = gen_now_ns();
	for (unsigned i = 0; i < n && rc == 0; i++) {
		rc = ops->send(c, 0, out, size);
		if (rc == 0 && ops->window && (i + 1) % ops->window == 0 && i + 1 < n)
			rc = ops->recv(c, 0, in, size);
	}
	if (rc == 0)
		rc = ops->recv(c, 0, in, size);
	t1 = gen_now_ns();
	if (rc < 0 || (rc = check_frame(res, in, size, 2)) < 0)
		goto out;
	res->msgs_per_s = (double)n * 1e9 / (double)(t1 - t0);
	res->mb_per_s = res->msgs_per_s * (double)size / 1e6;
	if (ops->verify && (rc = ops->verify(c, res->why, sizeof(res->why))) < 0)
		res->err = rc;
out:
	if (rc < 0 && !res->why[0])
		snprintf(res->why, sizeof(res->why), "%s", strerror(-rc));
	return rc;
}

int bench_run(const struct generator *g, const struct bench_params *bp,
	      const struct bench_machine *m, size_t size, struct bench_result *res)
{
	const struct bench_ops *ops = g->bench;
	struct gen_params p = {.count = 1, .size = size, .hold = -1, .fill = -1, .nsems = 1};
	struct bench_chan c = {.fd = {-1, -1, -1, -1}, .id = -1};
	struct gen_ctx ctx;
	struct gen_peer *pp;
	struct gen_msg msg;
	struct run r;
	int64_t *lat = NULL;
	char *out = NULL, *in = NULL;
	int keep[2], nkeep = 0, rc;

	memset(res, 0, sizeof(*res));
	res->mech = g->name;
	if (ops && ops->count_size) {
		size = ops->count_size;
		res->counts_only = true;
	}
	res->size = size;
	res->count = bp->count;
	res->warmup = bp->count / 10 < 1 ? 1 : bp->count / 10 > 1000 ? 1000 : bp->count / 10;
	res->cpu_parent = res->cpu_child = -1;
	if (!ops) {
		res->skipped = true;
		snprintf(res->why, sizeof(res->why), "no payload to time (see 'gen %s')", g->name);
		return 0;
	}
	if ((size < GEN_FRAME_HDR && !res->counts_only) || bp->count < 1) {
		snprintf(res->why, sizeof(res->why), "size below %d bytes or no messages", GEN_FRAME_HDR);
		return res->err = -EINVAL;
	}
	p.size = c.size = size;
	gen_ctx_init(&ctx, g, &p);
	c.ctx = &ctx;
	rc = ops->open(&c, res->why, sizeof(res->why));
	if (rc == -EMSGSIZE) {
		res->skipped = true;
		rc = 0;
		goto out;
	}
	if (rc < 0) {
		if (!res->why[0])
			snprintf(res->why, sizeof(res->why), "%s", ctx.error[0] ? ctx.error : strerror(-rc));
		goto out;
	}
	r.c = &c;
	r.ops = ops;
	r.count = bp->count;
	r.warmup = res->warmup;
	r.cpu = m->cpu_child;
	if ((rc = pin(m->cpu_parent)) < 0) {
		snprintf(res->why, sizeof(res->why), "cannot pin to CPU %d", m->cpu_parent);
		goto out;
	}
	for (int i = 2; i < 4; i++)
		if (c.fd[i] >= 0 && (i == 2 || c.fd[3] != c.fd[2]))
			keep[nkeep++] = c.fd[i];
	rc = gen_spawn(&ctx, "bench peer", keep, (size_t)nkeep, peer, &r, &pp);
	if (rc == 0)
		rc = ops->attach ? ops->attach(&c, 0) : bench_attach_fds(&c, 0);
	if (rc == 0)
		rc = gen_peer_expect(&ctx, pp, GEN_MSG_READY, &msg);
	if (rc < 0) {
		snprintf(res->why, sizeof(res->why), "%s", ctx.error[0] ? ctx.error : strerror(-rc));
		goto out;
	}
	res->cpu_parent = sched_getcpu();
	res->cpu_child = (int)msg.a;
	lat = xmalloc(bp->count * sizeof(*lat));
	out = xmalloc(c.headroom + size);
	in = xmalloc(c.headroom + size);
	rc = measure(&r, res, lat, out + c.headroom, in + c.headroom);
	if (rc == 0 && gen_peer_expect(&ctx, pp, GEN_MSG_REPORT, &msg) < 0) {
		rc = -EIO;
		snprintf(res->why, sizeof(res->why), "%s", ctx.error);
	}
	if (rc < 0 && ctx.error[0])
		snprintf(res->why, sizeof(res->why), "%s", ctx.error);
out:
	gen_stop_peers(&ctx);
	if (ops->close)
		ops->close(&c);
	for (int i = 0; i < 4; i++) {
		bool dup = false;

		for (int k = 0; k < i; k++)
			dup = dup || c.fd[k] == c.fd[i];
		if (c.fd[i] >= 0 && !dup)
			close(c.fd[i]);
	}
	gen_res_release(&ctx);
	gen_ctx_release(&ctx);
	free(lat);
	free(out);
	free(in);
	if (rc < 0)
		res->err = rc;
	return rc;
}
