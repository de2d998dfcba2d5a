/* fuzz_proc_net_unix.c - /proc/net/unix, the text sockdiag.c reads when no sock_diag dump
 * can be had: sockdiag_parse_proc_unix, then sockdiag_link_peers over what it made. */
#include <stdlib.h>

#include "collectors/sockdiag.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct scan_ctx ctx;
	struct snapshot snap;

	fuzz_ctx(&ctx, KINDS_ALL);
	snapshot_init(&snap);
	sockdiag_parse_proc_unix(&ctx, &snap, "/proc/net/unix", text);
	sockdiag_link_peers(&snap);
	snapshot_release(&snap);
	free(text);
	return 0;
}
