/* fuzz_proc_pid.c - what collectors/scan.c reads of a process and of the host: the btime
 * line of /proc/stat (scan_ctx_init), and /proc/PID/comm and the start time in field 22 of
 * /proc/PID/stat (scan_resolve_pid). All three are the input, through symlinks. */
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/snapshot.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool linked;
	struct scan_ctx tree, ctx;
	struct snapshot snap;
	struct pid_ref ref = {.pid = 4100};

	fuzz_tree_put("proc/input", data, size);
	fuzz_tree_ctx(&tree, KINDS_ALL);
	if (!linked) {
		mkdirat(tree.rootfd, "proc/4100", 0700);
		symlinkat("input", tree.rootfd, "proc/stat");
		symlinkat("../input", tree.rootfd, "proc/4100/stat");
		symlinkat("../input", tree.rootfd, "proc/4100/comm");
		linked = true;
	}
	/* scan_ctx_init is the function that reads btime; it opens the root by its path. */
	if (scan_ctx_init(&ctx, tree.root, KINDS_ALL) < 0)
		abort();
	if (!ctx.boot_time)
		ctx.boot_time = 1; /* start times are read only with a boot time */
	snapshot_init(&snap);
	scan_resolve_pid(&ctx, &snap, &ref);
	snapshot_release(&snap);
	scan_ctx_release(&ctx);
	return 0;
}
