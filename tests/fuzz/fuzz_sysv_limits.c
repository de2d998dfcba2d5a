/* fuzz_sysv_limits.c - the files of /proc/sys/kernel that collectors/sysv_limits.c reads
 * (msgmni, msgmax, msgmnb, shmmni, shmall, shmmax, and "sem" with its four fields). Every
 * one of them is a symlink to the input, so each limit is parsed from the same text. */
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "core/snapshot.h"
#include "fuzz.h"

extern const struct collector sysv_limits_collector;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const files[] = {"msgmni", "msgmax", "msgmnb", "shmmni",
					    "shmall", "shmmax", "sem"};
	static bool linked;
	struct scan_ctx ctx;
	struct snapshot snap;

	fuzz_tree_put("proc/sys/kernel/input", data, size);
	fuzz_tree_ctx(&ctx, KINDS_ALL);
	ctx.want_limits = true;
	if (!linked) {
		char path[64];

		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path), "proc/sys/kernel/%s", files[i]);
			symlinkat("input", ctx.rootfd, path);
		}
		linked = true;
	}
	snapshot_init(&snap);
	sysv_limits_collector.collect(&ctx, &snap);
	snapshot_release(&snap);
	return 0;
}
