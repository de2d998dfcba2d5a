/* web.h - the dashboard's files: the ones embedded at build time (assets.h), or, for
 * development, the files of a directory given with --web-root.
 *
 * Only flat names are served ("/app.js"): a request naming anything else, however it is
 * encoded, is refused before the file system is asked. */
#ifndef IPCSCOPE_HTTP_WEB_H
#define IPCSCOPE_HTTP_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "http/state.h"

struct web_assets {
	int dirfd;                     /* --web-root directory, -1 when embedded */
	struct http_body *bodies;      /* one per embedded asset; owned */
	size_t n;
};

/* web_root NULL: serve the embedded assets. 0 or -errno (directory cannot be opened). */
int web_init(struct web_assets *w, const char *web_root);
void web_release(struct web_assets *w);

/* Is name a file name we would serve: letters, digits, '.', '_' and '-', not starting with
 * a dot, at most 64 bytes? */
bool web_name_ok(const char *name);

/* Answer GET path ("/" or "/name"). Queues 404 when there is no such file. */
enum MHD_Result web_handle(struct web_assets *w, struct MHD_Connection *c, const char *path);

#endif
