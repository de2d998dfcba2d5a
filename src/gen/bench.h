/* bench.h - round-trip latency and one-way throughput of one mechanism between two pinned
 * processes, and the facts about the machine that make such figures comparable.
 *
 * Every mechanism that can carry a payload offers a bench_ops transport next to its
 * generator. The harness (bench.c) forks the peer through gen_spawn, so a benchmark is
 * cleaned up on SIGINT like any generator run. How it times:
 *   - warm-up round trips first, not counted;
 *   - the mean round trip from one clock read before and one after a loop of round trips
 *     that does nothing but the IPC;
 *   - p50/p99 from a second loop that reads the clock around each round trip (the cost of
 *     a clock read pair is measured and reported, not subtracted);
 *   - throughput: the parent sends count messages back to back, the peer acknowledges the
 *     last one; elapsed from the first send to the acknowledgement. */
#ifndef IPCSCOPE_BENCH_H
#define IPCSCOPE_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen/gen.h"

struct bench_chan {
	size_t size;          /* bytes per message */
	/* [0] parent sends, [1] parent receives, [2] peer receives, [3] peer sends; the same
	 * fd may appear twice (a socket); -1 unused */
	int fd[4];
	int id;               /* SysV id; -1 none */
	char name[2][128];    /* POSIX names or paths; "" none */
	void *mem;            /* shared region; NULL none */
	size_t memlen;
	size_t headroom;      /* bytes the harness leaves writable before each buffer (mtype) */
	uint64_t counter[2];  /* this process's messages sent and received (ring slots) */
	struct gen_ctx *ctx;  /* for registering what open() makes */
};

struct bench_ops {
	/* Parent, before the fork. 0, -errno, or -EMSGSIZE with why filled when this size
	 * cannot be carried by the mechanism (that size is skipped, not failed). */
	int (*open)(struct bench_chan *c, char *why, size_t whylen);
	/* Each process after the fork, side 0 the parent, 1 the peer: drop the other side's
	 * ends, attach what it needs. NULL: bench_attach_fds. */
	int (*attach)(struct bench_chan *c, int side);
	int (*send)(struct bench_chan *c, int side, const void *buf, size_t len);
	int (*recv)(struct bench_chan *c, int side, void *buf, size_t len);
	/* Parent, after the peer is gone: release the rest. NULL: close the fds. (Named
	 * objects are registered with gen_res_add and removed by the harness.) */
	void (*close)(struct bench_chan *c);
	/* > 0: in the throughput phase the peer acknowledges every window messages, for a
	 * mechanism that drops rather than blocks when the receiver falls behind (UDP). */
	unsigned window;
	/* > 0: the mechanism carries counts, not bytes (eventfd): a message is one count, this
	 * many bytes wide in the kernel, and it is measured once at that size whatever --size
	 * says. No frame can be checked: recv checks each count it takes, and verify (parent,
	 * after the last phase) that every count sent was taken, none left over. */
	size_t count_size;
	int (*verify)(struct bench_chan *c, char *why, size_t whylen);
};

/* Helpers for descriptor transports. */
int bench_attach_fds(struct bench_chan *c, int side);
int bench_stream_send(struct bench_chan *c, int side, const void *buf, size_t len);
int bench_stream_recv(struct bench_chan *c, int side, void *buf, size_t len);
int bench_dgram_send(struct bench_chan *c, int side, const void *buf, size_t len);
int bench_dgram_recv(struct bench_chan *c, int side, void *buf, size_t len);

enum bench_cpu { BENCH_CPU_SPLIT, BENCH_CPU_SAME };

struct bench_params {
	unsigned count;       /* round trips per latency loop; messages for throughput */
	enum bench_cpu cpu;
};

struct bench_machine {
	int cpus_online;
	int cpus_allowed;     /* in this process's affinity mask */
	char model[128];      /* /proc/cpuinfo "model name" */
	char kernel[300];     /* uname -srvm */
	char virt[64];        /* "kvm", "none" ...; "" unknown */
	char container[64];   /* "docker", "none" ...; "" unknown */
	char virt_source[96]; /* how virt was found */
	bool hypervisor_flag; /* /proc/cpuinfo flags carry "hypervisor" */
	double clock_ns;      /* cost of one clock_gettime pair */
	int cpu_parent, cpu_child; /* CPUs chosen by --cpu; -1 none */
};

struct bench_result {
	const char *mech;     /* static */
	size_t size;
	unsigned count, warmup;
	bool skipped;
	bool counts_only;     /* a count per message, no bytes (bench_ops.count_size) */
	char why[256];        /* why skipped or failed; "" */
	int err;              /* 0, or -errno when it failed */
	int cpu_parent, cpu_child; /* where each side ran (sched_getcpu) */
	double mean_ns, p50_ns, p99_ns, min_ns, max_ns; /* round trip */
	double msgs_per_s, mb_per_s;                    /* one way, MB = 10^6 bytes */
};

/* Fill m; picks the CPUs for cpu (split needs two allowed CPUs: -EINVAL). */
int bench_machine_probe(struct bench_machine *m, enum bench_cpu cpu);
/* Measure g at size (a counts-only transport: at its count_size, whatever size is). A size
 * the mechanism cannot carry gives r->skipped. 0 or -errno (r->why says why). Call between
 * gen_run_init and gen_run_release. */
int bench_run(const struct generator *g, const struct bench_params *bp,
	      const struct bench_machine *m, size_t size, struct bench_result *r);

#endif
