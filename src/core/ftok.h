/* ftok.h - what a System V key made by ftok(3) carries, and back.
 *
 * glibc's ftok(path, proj) stats path (following symlinks) and returns
 *     (proj & 0xff) << 24 | (st_dev & 0xff) << 16 | (st_ino & 0xffff)
 * where st_dev is glibc's dev_t, whose low byte is the low byte of the minor number (a
 * unit test checks this against ftok(3) itself). The formula reaches every 32-bit value, so
 * no key is impossible; but two values are no ftok key in practice: 0 is IPC_PRIVATE, and
 * 0xffffffff is (key_t)-1, what ftok returns when it fails (a program that did not check
 * made its object with the error). A key whose top byte is 0 has proj_id 0, which ftok(3)
 * says must not be: such keys are chosen by hand (1234, 0x5d), not made by ftok. */
#ifndef IPCSCOPE_FTOK_H
#define IPCSCOPE_FTOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ftok_class {
	FTOK_PRIVATE,    /* 0: IPC_PRIVATE */
	FTOK_HAND,       /* proj byte 0: not ftok's (proj_id must be nonzero) */
	FTOK_FAILED,     /* 0xffffffff: ftok's error return */
	FTOK_SPLIT,      /* ftok could have made it: parts filled */
};

struct ftok_parts {
	unsigned proj;      /* proj_id & 0xff, 1..255 */
	unsigned dev_bits;  /* st_dev & 0xff */
	unsigned ino_bits;  /* st_ino & 0xffff */
};

/* What key is; parts (may be NULL) is filled for FTOK_SPLIT only. */
enum ftok_class ftok_split(uint32_t key, struct ftok_parts *parts);
/* The key ftok(3) gives for a file of this st_dev and st_ino with proj. */
uint32_t ftok_key(uint64_t dev, uint64_t ino, unsigned proj);
/* A file of this st_dev and st_ino gives key with key's own proj byte. */
bool ftok_file_matches(uint32_t key, uint64_t dev, uint64_t ino);
/* proj as C writes it: 'A' when printable ASCII (not ' or \), else the number. */
const char *ftok_proj_text(unsigned proj, char *buf, size_t len);

#endif
