/* clean.h - POST /api/v1/clean: the only route that changes the host.
 *
 * It exists only when the server was started with --allow-clean (404 otherwise). A request
 * must come from the dashboard's own origin (Origin / Sec-Fetch-Site; 403 otherwise) and
 * carry the bearer token of --token-file (401 otherwise, compared in constant time). The
 * body is a small JSON object; a clean is a dry run unless it says "dry_run": false. */
#ifndef IPCSCOPE_HTTP_CLEAN_H
#define IPCSCOPE_HTTP_CLEAN_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#define CLEAN_BODY_MAX 4096

struct http_server;
struct MHD_Connection;

/* First call for the route: refuse, or set *con_cls to read the body. */
enum MHD_Result clean_start(struct http_server *s, struct MHD_Connection *c, const char *method,
			    void **con_cls);
/* Later calls: collect the body, then answer. */
enum MHD_Result clean_continue(struct http_server *s, struct MHD_Connection *c, const char *upload,
			       size_t *upload_size, void **con_cls);
void clean_done(void **con_cls);

/* Constant-time comparison of a presented token with the secret: the time taken depends
 * only on the secret's length. */
bool clean_token_equal(const char *given, size_t glen, const char *secret, size_t slen);

#endif
