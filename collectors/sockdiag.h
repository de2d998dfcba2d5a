/* sockdiag.h - unix, TCP and UDP sockets of the scanner's network namespace, from one
 * NETLINK_SOCK_DIAG dump per family, or from /proc/net/{unix,tcp,tcp6,udp,udp6} when the
 * dump cannot be had (no sock_diag in the kernel, or a --root fixture tree).
 *
 * The parsers are exported for the unit tests, which feed them crafted netlink replies and
 * broken /proc/net text. */
#ifndef IPCSCOPE_SOCKDIAG_H
#define IPCSCOPE_SOCKDIAG_H

#include <stddef.h>

#include "collector.h"

/* Parse one reply buffer of a sock_diag dump of family (AF_UNIX, AF_INET, AF_INET6) and
 * protocol (IPPROTO_TCP, IPPROTO_UDP; 0 for unix) into objects added to snap.
 * buf is 4-byte aligned (as a malloc'd receive buffer is); nothing outside its len bytes is
 * read, whatever the lengths inside claim. Returns 1 when the buffer ends the dump
 * (NLMSG_DONE), 0 when more is to come, and -errno for an NLMSG_ERROR reply or a message
 * that is cut, longer than the buffer or shorter than its header (the dump cannot be
 * trusted; the whole messages before it are kept). */
int sockdiag_parse(struct scan_ctx *ctx, struct snapshot *snap, int family, int protocol,
		   const void *buf, size_t len);

/* Parse the text of /proc/net/unix, or of /proc/net/{tcp,tcp6,udp,udp6} (kind KIND_TCP or
 * KIND_UDP, family AF_INET or AF_INET6). Bad lines are recorded in snap under source and
 * skipped. Returns 0, or -EINVAL when the header is not the expected one. */
int sockdiag_parse_proc_unix(struct scan_ctx *ctx, struct snapshot *snap, const char *source,
			     char *text);
int sockdiag_parse_proc_inet(struct scan_ctx *ctx, struct snapshot *snap, const char *source,
			     char *text, int kind, int family);

/* After the unix table is read: each connected unix socket's peer path is its peer's
 * local path (an accepted socket carries its listener's). */
void sockdiag_link_peers(struct snapshot *snap);

/* The words the kinds table shows: "stream", "dgram", "seqpacket"; NULL when unknown. */
const char *sockdiag_type_name(unsigned type);

#endif
