/* digest.h - a 64-bit digest of everything an object's JSON is made of, so that the
 * server renders again only the objects whose inputs changed since the last scan and
 * reuses the previous bytes of the others.
 *
 * Two objects with equal digests render to the same JSON; the converse need not hold (a
 * digest may differ for bytes the JSON never shows, which costs a rendering, nothing
 * else). The digest covers the object's inline fields byte for byte and, by content, what
 * its pointers lead to: strings, holders, waiters, semaphores, blocked processes and the
 * containers of the object and its holders. */
#ifndef IPCSCOPE_HTTP_DIGEST_H
#define IPCSCOPE_HTTP_DIGEST_H

#include <stdint.h>

#include "core/object.h"

uint64_t http_object_digest(const struct ipc_object *o);

#endif
