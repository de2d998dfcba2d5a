/* util.c - allocation that cannot fail, whole-file reads relative to a root, strict numbers. */
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void oom(void)
{
	static const char msg[] = "ipcscope: out of memory\n";
	ssize_t r = write(2, msg, sizeof(msg) - 1);
	(void)r;
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		oom();
	return d;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	return s;
}

void xgrow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 8;

	if (need <= *cap)
		return;
	while (n < need)
		n *= 2;
	*p = xrealloc(*p, n * elem);
	*cap = n;
}

int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL;
	int fd, rc = 0;

	/* Only regular files are read (everything of /proc is one): a FIFO or a device put in
	 * the place of a file must neither block the reader nor act on being opened. */
	fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	{
		struct stat st;

		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			return -EINVAL;
		}
	}
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			if (cap > max) {
				rc = -EFBIG;
				goto out;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		rc = -EFBIG;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

/* The common case, a short run of plain digits (every number of /proc's tables), without
 * strtoull's locale and base machinery: true with *out set when s is 1 to 18 digits of
 * base (2 to 10), which no uint64_t overflows; false to leave the rest to strtoull, which
 * gives such a string the same value. */
static bool plain_digits(const char *s, unsigned base, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 18; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d >= base)
			break;
		v = v * base + d;
	}
	if (i == 0 || s[i])
		return false;
	*out = v;
	return true;
}

int parse_u64_base(const char *s, int base, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	if (base >= 2 && base <= 10 && plain_digits(s, (unsigned)base, out))
		return 0;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	return parse_u64_base(s, 10, out);
}

int parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	uint64_t u;

	if (!s || !*s || *s == ' ' || *s == '+')
		return -EINVAL;
	if (plain_digits(s + (*s == '-'), 10, &u)) { /* 18 digits: within int64_t */
		*out = *s == '-' ? -(int64_t)u : (int64_t)u;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

const char *human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	unsigned u = 0;
	uint64_t whole = bytes, frac = 0;

	while (whole >= 1024 && u < sizeof(units) - 2) {
		frac = whole % 1024;
		whole /= 1024;
		u++;
	}
	if (u == 0) {
		snprintf(buf, len, "%" PRIu64 "B", bytes);
		return buf;
	}
	/* one decimal, rounded, dropped when it is zero (as util-linux prints sizes) */
	frac = (frac * 10 + 512) / 1024;
	if (frac >= 10) {
		whole++;
		frac = 0;
	}
	if (frac)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%c", whole, frac, units[u]);
	else
		snprintf(buf, len, "%" PRIu64 "%c", whole, units[u]);
	return buf;
}

/* The hook runs with var=value in its own environment only: a setenv here would race with
 * the getenv of other threads (a SysV table's hook runs on the thread reading it,
 * collectors/sysv_common.c). One hook at a time. */
extern char **environ;

void test_hook(const char *hook, const char *var, const char *value)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	const char *cmd = getenv(hook);
	char sh[] = "sh", c[] = "-c", *argv[] = {sh, c, (char *)cmd, NULL};
	size_t n = 0;
	char **envp, *pair;
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;
	int status;

	if (!cmd || !*cmd)
		return;
	while (environ[n])
		n++;
	envp = xcalloc(n + 2, sizeof(*envp));
	if (asprintf(&pair, "%s=%s", var, value) < 0)
		oom();
	envp[0] = pair;
	for (size_t i = 0, k = 1; i < n; i++)
		if (strncmp(environ[i], var, strlen(var)) || environ[i][strlen(var)] != '=')
			envp[k++] = environ[i];
	/* A worker thread blocks every signal: the hook gets none blocked. */
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	pthread_mutex_lock(&lock);
	/* The hook's own failure shows in the test that set it. */
	if (posix_spawn(&pid, "/bin/sh", NULL, &attr, argv, envp) == 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	pthread_mutex_unlock(&lock);
	posix_spawnattr_destroy(&attr);
	free(pair);
	free(envp);
}
