/* head.h - what MHD does not check in a request head: NUL bytes the client sent, and the
 * number of query parameters. */
#ifndef IPCSCOPE_HTTP_HEAD_H
#define IPCSCOPE_HTTP_HEAD_H

#include <microhttpd.h>

/* Query parameters a request may carry; past them it is answered 414. Our routes take four. */
#define HEAD_PARAMS_MAX 32

/* MHD_OPTION_URI_LOG_CALLBACK (cls is the server): notes the raw request target. */
void *head_log_cb(void *cls, const char *uri, struct MHD_Connection *c);
/* On the first call of the access handler: 0 when the head is sound, or the status to
 * answer (400 for a NUL in the request line or a header, 414 for too many parameters),
 * with *msg saying why. */
unsigned head_check(struct MHD_Connection *c, const char *method, const char *url,
		    const char *version, const char **msg);

#endif
