/* parallel.h - independent kernel calls spread over threads, one per CPU.
 *
 * The kernel has no bulk form of semctl or msgctl, and the calls for different ids do not
 * depend on each other, so a scan of thousands of SysV objects makes them from several
 * threads at once. The workers are created by the calling thread and so share its
 * namespaces: clone(2) without CLONE_NEW* copies the nsproxy of the thread that creates,
 * so a worker started from a thread that entered an IPC namespace with setns (nsenter.c)
 * is inside it too (tests/integration/test_sysv_parallel.sh checks this). */
#ifndef IPCSCOPE_PARALLEL_H
#define IPCSCOPE_PARALLEL_H

#include <stddef.h>

/* Never more threads than this, whatever the machine. */
#define PAR_MAX_THREADS 16

/* How many threads a parallel pass may use: the CPUs this process may run on
 * (sched_getaffinity, else sysconf), at most PAR_MAX_THREADS. IPCSCOPE_SCAN_THREADS=N in
 * the environment overrides it (1: everything in the calling thread, as the tests compare). */
unsigned par_threads(void);

/* fn(i, arg) for every i in [0, n), each exactly once, in any order and from any thread.
 * The calling thread works too; a pass of fewer than min_per_thread items per thread uses
 * fewer threads, one when n is small. Returns when every call has returned. fn must touch
 * only what item i owns. */
void par_for(size_t n, size_t min_per_thread, void (*fn)(size_t i, void *arg), void *arg);

/* par_for in two halves, so that the calling thread can do other work while the workers
 * run: par_start starts the workers (one fewer than par_for would use: the caller is the
 * last) and returns at once; par_wait makes the caller work through what is left, joins
 * the workers and frees the task. Every started task must be waited for, before anything
 * fn touches is used. par_wait(NULL) does nothing. */
struct par_task;
struct par_task *par_start(size_t n, size_t min_per_thread, void (*fn)(size_t i, void *arg),
			   void *arg);
void par_wait(struct par_task *t);
/* par_start with every item left to workers, up to one per item: the caller does not take
 * part until par_wait (which then works through whatever no worker took). On one CPU, or
 * with IPCSCOPE_SCAN_THREADS=1, no worker is started and everything runs in par_wait. */
struct par_task *par_background(size_t n, void (*fn)(size_t i, void *arg), void *arg);

#endif
