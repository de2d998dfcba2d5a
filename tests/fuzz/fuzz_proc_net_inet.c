/* fuzz_proc_net_inet.c - /proc/net/{tcp,tcp6,udp,udp6}: sockdiag_parse_proc_inet of
 * collectors/sockdiag.c, the same text read as each of the four tables (the parser cuts
 * the text in place, so each reads a fresh copy). */
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "collectors/sockdiag.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		int kind, family;
		const char *source;
	} tables[] = {
		{KIND_TCP, AF_INET, "/proc/net/tcp"},
		{KIND_TCP, AF_INET6, "/proc/net/tcp6"},
		{KIND_UDP, AF_INET, "/proc/net/udp"},
		{KIND_UDP, AF_INET6, "/proc/net/udp6"},
	};
	struct scan_ctx ctx;
	struct snapshot snap;

	fuzz_ctx(&ctx, KINDS_ALL);
	snapshot_init(&snap);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char *text = fuzz_cstr(data, size);

		sockdiag_parse_proc_inet(&ctx, &snap, tables[i].source, text, tables[i].kind,
					 tables[i].family);
		free(text);
	}
	snapshot_release(&snap);
	return 0;
}
