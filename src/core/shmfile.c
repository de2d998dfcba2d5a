/* shmfile.c - files of /dev/shm opened and read so that their owner cannot hurt the reader
 * (see shmfile.h). */
#include "core/shmfile.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"

int shmfile_open(int dirfd, const char *name, const struct stat *want, struct stat *st)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	if (!S_ISREG(st->st_mode) || (want && (st->st_dev != want->st_dev || st->st_ino != want->st_ino))) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int shmfile_sem_value(int fd, int *value, bool *waiters)
{
	unsigned char buf[sizeof(sem_t)];
	ssize_t n;

	do
		n = pread(fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(buf))
		return -ENODATA;
#if UINTPTR_MAX > 0xffffffffu
	{
		/* glibc with 64-bit atomics: one 64-bit word, value below, waiters above. */
		uint64_t data;

		memcpy(&data, buf, sizeof(data));
		*value = (int)(uint32_t)data;
		*waiters = (data >> 32) != 0;
	}
#else
	{
		/* 32-bit: the value shifted left by one, bit 0 "has waiters"; nwaiters at 8. */
		uint32_t v, nw;

		memcpy(&v, buf, sizeof(v));
		memcpy(&nw, buf + 8, sizeof(nw));
		*value = (int)(v >> 1);
		*waiters = (v & 1) || nw;
	}
#endif
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int shmfile_copy(int fd, off_t size, int dirfd, const char *name)
{
	const size_t chunk = 1u << 20;
	char *buf = xmalloc(chunk);
	struct stat st;
	off_t off = 0;
	int out, rc = 0;

	out = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = -errno;
		goto done;
	}
	while (off < size && !rc) {
		size_t want = size - off < (off_t)chunk ? (size_t)(size - off) : chunk;
		ssize_t n = pread(fd, buf, want, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = -errno;
		else if (n == 0)
			rc = -ESTALE; /* it shrank */
		else if (!(rc = write_all(out, buf, (size_t)n)))
			off += n;
	}
	/* It grew, or shrank behind what was already read. */
	if (!rc && (fstat(fd, &st) < 0 || st.st_size != size))
		rc = -ESTALE;
	if (!rc && fsync(out) < 0)
		rc = -errno;
	if (close(out) < 0 && !rc)
		rc = -errno;
done:
	free(buf);
	return rc;
}
