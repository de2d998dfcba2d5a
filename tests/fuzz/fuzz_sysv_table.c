/* fuzz_sysv_table.c - /proc/sysvipc/{msg,shm,sem} as collectors/sysv_common.c reads them:
 * the header line locating the columns, then one object per line (sysv_msg.c, sysv_shm.c,
 * sysv_sem.c). The collectors read files under the scan root, so the input is written to
 * the tree once and the three table paths are symlinks to it: every collector parses the
 * same text, and the header decides which of them finds its id column. */
#include <stdbool.h>
#include <unistd.h>

#include "core/snapshot.h"
#include "fuzz.h"

extern const struct collector sysv_msg_collector, sysv_shm_collector, sysv_sem_collector;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct collector *const cs[] = {&sysv_msg_collector, &sysv_shm_collector,
						     &sysv_sem_collector};
	static bool linked;
	struct scan_ctx ctx;
	struct snapshot snap;

	fuzz_tree_put("proc/sysvipc/input", data, size);
	fuzz_tree_ctx(&ctx, KINDS_ALL);
	if (!linked) {
		symlinkat("input", ctx.rootfd, "proc/sysvipc/msg");
		symlinkat("input", ctx.rootfd, "proc/sysvipc/shm");
		symlinkat("input", ctx.rootfd, "proc/sysvipc/sem");
		linked = true;
	}
	snapshot_init(&snap);
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
		cs[i]->collect(&ctx, &snap);
	snapshot_release(&snap);
	return 0;
}
