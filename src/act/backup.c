/* backup.c - byte buffers and record files for saving objects before removal. */
#include "act/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"

void bytes_release(struct bytes *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void bytes_put(struct bytes *b, const void *p, size_t n)
{
	xgrow((void **)&b->data, &b->cap, b->len + n, 1);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void put_le64(struct bytes *b, uint64_t v)
{
	unsigned char le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)(v >> (8 * i));
	bytes_put(b, le, 8);
}

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void bytes_put_record(struct bytes *b, int64_t tag, const void *p, size_t n)
{
	put_le64(b, (uint64_t)tag);
	put_le64(b, (uint64_t)n);
	bytes_put(b, p, n);
}

int bytes_next_record(const unsigned char *data, size_t len, size_t *off, int64_t *tag,
		      const unsigned char **p, size_t *n)
{
	uint64_t l;

	if (*off == len)
		return 0;
	if (len - *off < 16)
		return -EINVAL;
	*tag = (int64_t)get_le64(data + *off);
	l = get_le64(data + *off + 8);
	if (l > len - *off - 16)
		return -EINVAL;
	*p = data + *off + 16;
	*n = (size_t)l;
	*off += 16 + (size_t)l;
	return 1;
}

int write_file_at(int dirfd, const char *name, const void *p, size_t n)
{
	const unsigned char *c = p;
	int fd, rc = 0;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		c += w;
		n -= (size_t)w;
	}
	if (fsync(fd) < 0)
		rc = -errno;
out:
	if (close(fd) < 0 && !rc)
		rc = -errno;
	return rc;
}
