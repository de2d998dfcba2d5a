/* fuzz_sockdiag_nl.c - one reply buffer of a NETLINK_SOCK_DIAG dump: sockdiag_parse of
 * collectors/sockdiag.c, read as a unix dump, a TCP/IPv4 and a UDP/IPv6 one. The kernel
 * hands netlink buffers 4-byte aligned, and so does this harness (a malloc'd copy of the
 * exact size, so that a read past the end is seen). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "collectors/sockdiag.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int dumps[][2] = {{AF_UNIX, 0}, {AF_INET, IPPROTO_TCP}, {AF_INET6, IPPROTO_UDP}};
	struct scan_ctx ctx;
	struct snapshot snap;
	void *buf = malloc(size ? size : 1);

	if (size)
		memcpy(buf, data, size);
	fuzz_ctx(&ctx, KINDS_ALL);
	snapshot_init(&snap);
	for (size_t i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++)
		sockdiag_parse(&ctx, &snap, dumps[i][0], dumps[i][1], buf, size);
	sockdiag_link_peers(&snap);
	snapshot_release(&snap);
	free(buf);
	return 0;
}
