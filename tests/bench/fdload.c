/* fdload.c - a loaded host for bench_fds.sh: PROCS processes, each holding N pipes, N unix
 * socketpairs and N loopback TCP connections (both ends, and the listener), with FILL bytes
 * left in every pipe and socketpair, so that a scanner meets about PROCS * (6N + 1) fds and
 * real fill levels. Not a generator of IPC traffic (that is `ipcscope gen`): it only holds.
 *
 * usage: fdload PROCS N FILL
 * Prints "ready <pids>" on stdout once every process holds its fds, then waits for stdin to
 * close (or SIGTERM) and kills and reaps its children. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "fdload: %s: %s\n", what, strerror(errno));
	return 1;
}

static int fill(int fd, size_t n)
{
	char buf[4096];

	memset(buf, 'x', sizeof(buf));
	while (n) {
		ssize_t w = write(fd, buf, n < sizeof(buf) ? n : sizeof(buf));
		if (w <= 0)
			return -1;
		n -= (size_t)w;
	}
	return 0;
}

/* One loaded process. Returns only on failure. */
static int child(int n, size_t bytes, int ready)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int lst, fds[2];

	for (int i = 0; i < n; i++) {
		if (pipe(fds) < 0)
			return die("pipe");
		if (fill(fds[1], bytes) < 0)
			return die("filling a pipe");
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
			return die("socketpair");
		if (fill(fds[0], bytes) < 0)
			return die("filling a socketpair");
	}
	lst = socket(AF_INET, SOCK_STREAM, 0);
	if (lst < 0 || bind(lst, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lst, n + 1) < 0 ||
	    getsockname(lst, (struct sockaddr *)&sa, &len) < 0)
		return die("listening on loopback");
	for (int i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);

		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return die("connecting on loopback");
		if (accept(lst, NULL, NULL) < 0)
			return die("accept");
	}
	if (write(ready, "r", 1) != 1)
		return die("reporting ready");
	close(ready);
	for (;;)
		pause();
}

static void on_term(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	int procs, n, rp[2];
	size_t bytes;
	pid_t *pids;
	struct rlimit rl;
	char c;

	if (argc != 4 || (procs = atoi(argv[1])) <= 0 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: fdload PROCS N FILL\n");
		return 2;
	}
	bytes = (size_t)atol(argv[3]);
	rl.rlim_cur = rl.rlim_max = (rlim_t)(6 * n + 64);
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)(6 * n + 64))
		return die("raising the fd limit");
	pids = calloc((size_t)procs, sizeof(*pids));
	if (!pids || pipe(rp) < 0)
		return die("setting up");
	for (int i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return die("fork");
		if (pids[i] == 0) {
			close(rp[0]);
			_exit(child(n, bytes, rp[1]));
		}
	}
	close(rp[1]);
	for (int i = 0; i < procs; i++) {
		if (read(rp[0], &c, 1) != 1) {
			fprintf(stderr, "fdload: a child failed before it was ready\n");
			for (int j = 0; j < procs; j++)
				kill(pids[j], SIGKILL);
			return 1;
		}
	}
	printf("ready");
	for (int i = 0; i < procs; i++)
		printf(" %d", (int)pids[i]);
	printf("\n");
	fflush(stdout);
	/* SIGTERM interrupts the read (no SA_RESTART), and the children go with us. */
	sigaction(SIGTERM, &(struct sigaction){.sa_handler = on_term}, NULL);
	while (read(0, &c, 1) > 0)
		;
	for (int i = 0; i < procs; i++)
		kill(pids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
