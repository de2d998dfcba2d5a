/* web.c - the dashboard's files, embedded or from --web-root. Embedded files get a cached
 * response each (with a strong ETag and gzip on demand); files on disk are read per request,
 * since serving them is for someone editing them. */
#include "http/web.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "http/assets.h"
#include "http/reply.h"

#define WEB_FILE_MAX (8u << 20)

static const struct {
	const char *ext, *type;
} types[] = {
	{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
	{".json", "application/json"},         {".png", "image/png"},
	{".ico", "image/x-icon"},              {".txt", "text/plain; charset=utf-8"},
};

static const char *type_of(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		size_t e = strlen(types[i].ext);

		if (n > e && !strcmp(name + n - e, types[i].ext))
			return types[i].type;
	}
	return "application/octet-stream";
}

static void strong_etag(char etag[24], const void *data, size_t len)
{
	snprintf(etag, 24, "\"%016" PRIx64 "\"", http_hash(HASH_INIT, data, len));
}

int web_init(struct web_assets *w, const char *web_root)
{
	memset(w, 0, sizeof(*w));
	w->dirfd = -1;
	if (web_root) {
		w->dirfd = open(web_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return w->dirfd < 0 ? -errno : 0;
	}
	while (web_assets[w->n].path)
		w->n++;
	w->bodies = xcalloc(w->n ? w->n : 1, sizeof(*w->bodies));
	for (size_t i = 0; i < w->n; i++) {
		const struct web_asset *a = &web_assets[i];
		struct http_body *b = &w->bodies[i];
		char etag[24], *copy = xmalloc(a->len ? a->len : 1);
		int rc;

		memcpy(copy, a->data, a->len);
		strong_etag(etag, a->data, a->len);
		pthread_mutex_init(&b->gz_lock, NULL);
		rc = reply_body_init(b, copy, a->len, a->type, etag);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void web_release(struct web_assets *w)
{
	for (size_t i = 0; i < w->n; i++) {
		reply_body_release(&w->bodies[i]);
		pthread_mutex_destroy(&w->bodies[i].gz_lock);
	}
	free(w->bodies);
	if (w->dirfd >= 0)
		close(w->dirfd);
	memset(w, 0, sizeof(*w));
	w->dirfd = -1;
}

bool web_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64 || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Read dirfd/name: a regular file, no symlink followed, at most WEB_FILE_MAX bytes. */
static int read_web_file(int dirfd, const char *name, char **out, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, rc = 0;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)WEB_FILE_MAX) {
		rc = -ENOENT;
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0) {
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*out = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

enum MHD_Result web_handle(struct web_assets *w, struct MHD_Connection *c, const char *path)
{
	const char *name = strcmp(path, "/") ? path + 1 : "index.html";
	struct MHD_Response *r;
	char etag[24], *buf = NULL;
	size_t len = 0;

	if (path[0] != '/' || !web_name_ok(name))
		return reply_error(c, MHD_HTTP_NOT_FOUND, false, "not found");
	if (w->dirfd < 0) {
		for (size_t i = 0; i < w->n; i++)
			if (!strcmp(web_assets[i].path + 1, name))
				return reply_body(c, &w->bodies[i], web_assets[i].type);
		return reply_error(c, MHD_HTTP_NOT_FOUND, false, "not found");
	}
	if (read_web_file(w->dirfd, name, &buf, &len) < 0)
		return reply_error(c, MHD_HTTP_NOT_FOUND, false, "not found");
	strong_etag(etag, buf, len);
	r = reply_new(buf, len, type_of(name), etag);
	if (!r)
		return MHD_NO;
	return reply_fresh(c, r, buf, len, type_of(name), etag);
}
