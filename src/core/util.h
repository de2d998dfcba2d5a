/* util.h - allocation, file reading relative to a root fd, number parsing.
 *
 * Allocation failures abort: there is nothing useful a scanner can do without memory.
 * Everything else returns 0 or -errno. */
#ifndef IPCSCOPE_UTIL_H
#define IPCSCOPE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Grow *p (of *cap elements of size elem) so that it holds at least need elements. */
void xgrow(void **p, size_t *cap, size_t need, size_t elem);

/* Read a whole file at dirfd/path into a NUL-terminated buffer the caller frees.
 * Refuses files larger than max bytes with -EFBIG, and anything but a regular file with
 * -EINVAL (opened without blocking, so a FIFO in its place cannot hang the reader). */
int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len);

/* Parse the whole of s (no trailing garbage) as a decimal integer. -EINVAL or -ERANGE. */
int parse_i64(const char *s, int64_t *out);
int parse_u64(const char *s, uint64_t *out);
/* Parse a number in base 8, 10 or 16 as strtoull with base 0 would, whole string only. */
int parse_u64_base(const char *s, int base, uint64_t *out);

/* "16K", "1.5M" (util-linux style, base 1024) into buf. */
const char *human_size(uint64_t bytes, char *buf, size_t len);

/* Tests only: when the environment variable hook names a shell command, run it with var
 * set to value, so a test can act in exactly the window the caller is about to guard. */
void test_hook(const char *hook, const char *var, const char *value);

#endif
