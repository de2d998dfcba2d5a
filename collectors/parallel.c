/* parallel.c - a bounded pool of threads over an index range (see parallel.h). */
#include "parallel.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/util.h"

/* Items are handed out in chunks: few enough atomic operations, small enough that the
 * threads end together. A task of few items (json.c's eight blocks of objects to render)
 * goes an item at a time, or the first thread to ask would take them all. */
#define PAR_CHUNK 32
#define PAR_CHUNKS_PER_THREAD 8
/* The workers only make system calls and touch their items. */
#define PAR_STACK (256u << 10)

unsigned par_threads(void)
{
	const char *env = getenv("IPCSCOPE_SCAN_THREADS");
	cpu_set_t set;
	uint64_t v;
	long n = 0;

	if (env && parse_u64(env, &v) == 0 && v >= 1)
		return v > PAR_MAX_THREADS ? PAR_MAX_THREADS : (unsigned)v;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	return n > PAR_MAX_THREADS ? PAR_MAX_THREADS : (unsigned)n;
}

struct par_task {
	size_t n;
	atomic_size_t next;
	size_t chunk;
	void (*fn)(size_t i, void *arg);
	void *arg;
	pthread_t th[PAR_MAX_THREADS];
	unsigned started;
};

static void par_run(struct par_task *t)
{
	for (;;) {
		size_t start = atomic_fetch_add(&t->next, t->chunk), end;

		if (start >= t->n)
			return;
		end = start + t->chunk < t->n ? start + t->chunk : t->n;
		for (size_t i = start; i < end; i++)
			t->fn(i, t->arg);
	}
}

static void *par_worker(void *p)
{
	par_run(p);
	return NULL;
}

/* A task of n items on want threads, of which the caller is one when caller_works. */
static struct par_task *task_start(size_t n, unsigned want, bool caller_works,
				   void (*fn)(size_t i, void *arg), void *arg)
{
	struct par_task *t = xcalloc(1, sizeof(*t));
	unsigned workers = caller_works ? want - 1 : want;
	sigset_t all, old;
	pthread_attr_t attr;

	t->n = n;
	t->chunk = n / ((size_t)(want ? want : 1) * PAR_CHUNKS_PER_THREAD);
	if (t->chunk > PAR_CHUNK)
		t->chunk = PAR_CHUNK;
	if (t->chunk < 1)
		t->chunk = 1;
	t->fn = fn;
	t->arg = arg;
	atomic_init(&t->next, 0);
	if (workers > 0 && pthread_attr_init(&attr) == 0) {
		/* Signals stay with the threads that expect them (serve's). */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		pthread_attr_setstacksize(&attr, PAR_STACK);
		/* A thread that cannot be made leaves its share to the others. */
		for (unsigned i = 0; i < workers; i++)
			if (pthread_create(&t->th[t->started], &attr, par_worker, t) == 0)
				t->started++;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&attr);
	}
	return t;
}

struct par_task *par_start(size_t n, size_t min_per_thread, void (*fn)(size_t i, void *arg),
			   void *arg)
{
	unsigned want = par_threads();

	if (min_per_thread == 0)
		min_per_thread = 1;
	if (n / min_per_thread < want)
		want = n / min_per_thread ? (unsigned)(n / min_per_thread) : 1;
	return task_start(n, want, true, fn, arg);
}

struct par_task *par_background(size_t n, void (*fn)(size_t i, void *arg), void *arg)
{
	unsigned want = par_threads();

	/* On one CPU (or IPCSCOPE_SCAN_THREADS=1) nothing runs until par_wait. */
	if (want < 2)
		return task_start(n, 1, true, fn, arg);
	return task_start(n, n < want ? (unsigned)n : want, false, fn, arg);
}

void par_wait(struct par_task *t)
{
	if (!t)
		return;
	par_run(t);
	for (unsigned i = 0; i < t->started; i++)
		pthread_join(t->th[i], NULL);
	free(t);
}

void par_for(size_t n, size_t min_per_thread, void (*fn)(size_t i, void *arg), void *arg)
{
	par_wait(par_start(n, min_per_thread, fn, arg));
}
