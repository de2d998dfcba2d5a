/* backup.h - what kinds' backup and restore functions share: files in a backup directory
 * and the record files queues are saved in. */
#ifndef IPCSCOPE_BACKUP_H
#define IPCSCOPE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer. */
struct bytes {
	unsigned char *data; /* owned */
	size_t len, cap;
};

void bytes_release(struct bytes *b);
void bytes_put(struct bytes *b, const void *p, size_t n);
/* A record: 8-byte little-endian tag (mtype or priority), 8-byte length, the bytes. */
void bytes_put_record(struct bytes *b, int64_t tag, const void *p, size_t n);
/* Walk records: *off advances; 1 when a record was read, 0 at the end, -EINVAL if broken. */
int bytes_next_record(const unsigned char *data, size_t len, size_t *off, int64_t *tag,
		      const unsigned char **p, size_t *n);

/* Create name in dirfd (never overwriting) with mode 0600 and write all of p. 0 or -errno. */
int write_file_at(int dirfd, const char *name, const void *p, size_t n);

#endif
