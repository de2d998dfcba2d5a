/* fuzz_proc_locks.c - one line of /proc/locks (or of an fdinfo "lock:" line):
 * locks_parse_line of collectors/locks.c, given the bytes as they are (no NUL added). */
#include <stdlib.h>
#include <string.h>

#include "collectors/locks.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lock_line l;
	const char *why = NULL;
	/* A copy of exactly size bytes, so a read past the end is ASan's to see. */
	char *line = malloc(size ? size : 1);

	memcpy(line, data, size);
	if (locks_parse_line(line, size, &l, &why) == 0) {
		if (!l.type || !l.mode || l.start < 0 || (l.end >= 0 && l.end < l.start) || l.pid < -1 || why)
			abort();
	} else if (!why) {
		abort(); /* a refusal always says why */
	}
	free(line);
	return 0;
}
