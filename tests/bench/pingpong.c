/* pingpong.c - the reference figure for `ipcscope bench`: the smallest honest 64-byte
 * ping-pong over a pipe pair or a socketpair, or of one count over two eventfds in
 * semaphore mode (as the bench's eventfd transport), written by hand with nothing in the
 * loop but write and read. Pinned like the bench (parent on the first allowed CPU, child on the
 * same one or the next), warmed up the same way, and timed the same way: one clock read
 * before and one after the loop.
 *
 * Usage: pingpong pipe|socketpair|eventfd [COUNT] [same|split]
 * Prints: "<mech> <64|8> <same|split> mean_ns=<round trip>" */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIZE 64

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		perror("sched_setaffinity");
		exit(1);
	}
}

static int efd; /* eventfd: one count per message */

static int xfer(int fd, char *buf, int out)
{
	size_t done = 0;
	uint64_t v = 1;

	if (efd)
		return (out ? write(fd, &v, 8) : read(fd, &v, 8)) == 8 && v == 1 ? 0 : -1;

	while (done < SIZE) {
		ssize_t n = out ? write(fd, buf + done, SIZE - done) : read(fd, buf + done, SIZE - done);

		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mech = argc > 1 ? argv[1] : "pipe";
	long count = argc > 2 ? atol(argv[2]) : 100000;
	int split = argc > 3 && !strcmp(argv[3], "split");
	long warmup = count / 10 < 1 ? 1 : count / 10 > 1000 ? 1000 : count / 10;
	int to_child[2], to_parent[2], cpus[2] = {-1, -1}, found = 0, st;
	char buf[SIZE];
	cpu_set_t allowed;
	double t0, t1;
	pid_t pid;

	if (count < 1 || (strcmp(mech, "pipe") && strcmp(mech, "socketpair") && strcmp(mech, "eventfd"))) {
		fprintf(stderr, "usage: pingpong pipe|socketpair|eventfd [COUNT] [same|split]\n");
		return 2;
	}
	sched_getaffinity(0, sizeof(allowed), &allowed);
	for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
		if (CPU_ISSET(c, &allowed))
			cpus[found++] = c;
	if (split && found < 2) {
		fprintf(stderr, "pingpong: split needs two CPUs\n");
		return 2;
	}
	if (!strcmp(mech, "pipe")) {
		if (pipe(to_child) < 0 || pipe(to_parent) < 0)
			return 1;
	} else if (!strcmp(mech, "eventfd")) {
		efd = 1;
		to_child[0] = to_child[1] = eventfd(0, EFD_SEMAPHORE);
		to_parent[0] = to_parent[1] = eventfd(0, EFD_SEMAPHORE);
		if (to_child[0] < 0 || to_parent[0] < 0)
			return 1;
	} else {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			return 1;
		to_child[0] = to_parent[1] = sv[1];
		to_child[1] = to_parent[0] = sv[0];
	}
	memset(buf, 'x', sizeof(buf));
	pin(cpus[0]);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pin(split ? cpus[1] : cpus[0]);
		for (;;)
			if (xfer(to_child[0], buf, 0) < 0 || xfer(to_parent[1], buf, 1) < 0)
				_exit(0);
	}
	for (long i = 0; i < warmup; i++)
		if (xfer(to_child[1], buf, 1) < 0 || xfer(to_parent[0], buf, 0) < 0)
			return 1;
	t0 = now_ns();
	for (long i = 0; i < count; i++)
		if (xfer(to_child[1], buf, 1) < 0 || xfer(to_parent[0], buf, 0) < 0)
			return 1;
	t1 = now_ns();
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	printf("%s %d %s mean_ns=%.1f\n", mech, efd ? 8 : SIZE, split ? "split" : "same", (t1 - t0) / count);
	return 0;
}
