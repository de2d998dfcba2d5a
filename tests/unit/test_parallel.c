/* test_parallel.c - par_for (collectors/parallel.c): every index exactly once, on as many
 * threads as asked and no more, and the IPCSCOPE_SCAN_THREADS override. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/parallel.h"

#define N 20000

struct visit {
	atomic_int hits[N];
	pthread_t tids[PAR_MAX_THREADS + 1];
	atomic_int ntids;
	pthread_mutex_t lock;
};

static void visit_one(size_t i, void *arg)
{
	struct visit *v = arg;
	pthread_t me = pthread_self();
	int n;

	atomic_fetch_add(&v->hits[i], 1);
	pthread_mutex_lock(&v->lock);
	n = atomic_load(&v->ntids);
	for (int k = 0; k < n; k++)
		if (pthread_equal(v->tids[k], me))
			goto out;
	if (n < PAR_MAX_THREADS + 1)
		v->tids[atomic_fetch_add(&v->ntids, 1)] = me;
out:
	pthread_mutex_unlock(&v->lock);
}

static struct visit *run(size_t n, size_t min_per_thread)
{
	struct visit *v = calloc(1, sizeof(*v));

	pthread_mutex_init(&v->lock, NULL);
	par_for(n, min_per_thread, visit_one, v);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(atomic_load(&v->hits[i]), i < n ? 1 : 0);
	return v;
}

static void done(struct visit *v)
{
	pthread_mutex_destroy(&v->lock);
	free(v);
}

static void each_index_once(void **state)
{
	struct visit *v;

	(void)state;
	setenv("IPCSCOPE_SCAN_THREADS", "4", 1);
	assert_int_equal(par_threads(), 4);
	v = run(N, 256);
	/* The caller and three workers; a thread that got no chunk is not counted. */
	assert_true(atomic_load(&v->ntids) >= 1 && atomic_load(&v->ntids) <= 4);
	done(v);
	v = run(N - 7, 1);
	done(v);
	v = run(0, 256);
	assert_int_equal(atomic_load(&v->ntids), 0);
	done(v);
	unsetenv("IPCSCOPE_SCAN_THREADS");
}

static void one_thread_when_asked_or_small(void **state)
{
	struct visit *v;

	(void)state;
	setenv("IPCSCOPE_SCAN_THREADS", "1", 1);
	assert_int_equal(par_threads(), 1);
	v = run(N, 1);
	assert_int_equal(atomic_load(&v->ntids), 1);
	assert_true(pthread_equal(v->tids[0], pthread_self()));
	done(v);
	/* Fewer items than one thread's share: the caller alone, whatever is allowed. */
	setenv("IPCSCOPE_SCAN_THREADS", "8", 1);
	v = run(100, 256);
	assert_int_equal(atomic_load(&v->ntids), 1);
	assert_true(pthread_equal(v->tids[0], pthread_self()));
	done(v);
	unsetenv("IPCSCOPE_SCAN_THREADS");
}

static void bounded(void **state)
{
	(void)state;
	setenv("IPCSCOPE_SCAN_THREADS", "1000", 1);
	assert_int_equal(par_threads(), PAR_MAX_THREADS);
	setenv("IPCSCOPE_SCAN_THREADS", "0", 1); /* not a count: the CPUs decide */
	assert_true(par_threads() >= 1 && par_threads() <= PAR_MAX_THREADS);
	setenv("IPCSCOPE_SCAN_THREADS", "x", 1);
	assert_true(par_threads() >= 1 && par_threads() <= PAR_MAX_THREADS);
	unsetenv("IPCSCOPE_SCAN_THREADS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_index_once),
		cmocka_unit_test(one_thread_when_asked_or_small),
		cmocka_unit_test(bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
