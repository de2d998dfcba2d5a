/* nsenter.c - a thread that enters one namespace and runs one function (see nsenter.h). */
#include "nsenter.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

struct ns_job {
	int fd;
	int flag;
	int (*fn)(void *);
	void *arg;
	int rc;
};

static void *ns_thread(void *p)
{
	struct ns_job *j = p;

	/* setns changes only this thread; it ends with the function. A mount namespace can
	 * be entered only by a thread that shares no file system attributes (root, cwd) with
	 * others, which threads do until they unshare them. */
	if (j->flag == CLONE_NEWNS && unshare(CLONE_FS) < 0)
		j->rc = -errno;
	else if (setns(j->fd, j->flag) < 0)
		j->rc = errno == EINVAL || errno == EPERM ? -EPERM : -errno;
	else
		j->rc = j->fn(j->arg);
	return NULL;
}

int ns_run_in(pid_t pid, enum ns_type t, uint64_t ino, int (*fn)(void *), void *arg)
{
	struct ns_job j = {.flag = ns_clone_flag(t), .fn = fn, .arg = arg};
	char path[64];
	pthread_t th;
	struct stat st;
	int rc;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_type_name(t));
	j.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (j.fd < 0)
		return errno == ENOENT || errno == ESRCH ? -ESRCH : -errno;
	/* The pid may have been reused since it was read: the fd must be the namespace. */
	if (fstat(j.fd, &st) < 0 || (uint64_t)st.st_ino != ino) {
		close(j.fd);
		return -ESRCH;
	}
	rc = pthread_create(&th, NULL, ns_thread, &j);
	if (rc == 0)
		pthread_join(th, NULL);
	close(j.fd);
	return rc ? -rc : j.rc;
}
