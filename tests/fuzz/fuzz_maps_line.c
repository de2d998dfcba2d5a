/* fuzz_maps_line.c - /proc/PID/maps, line by line as procmaps_read cuts it:
 * procmaps_parse_line, and procmaps_sysv_key for the path of each mapping (both of
 * collectors/procmaps.c), and mmapshare_backing (collectors/mmapshare.c). */
#include <stdlib.h>
#include <string.h>

#include "collectors/procfd.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *line, *next;

	for (line = text; line && *line; line = next) {
		struct maps_line m;
		uint32_t key;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (procmaps_parse_line(line, &m) < 0)
			continue;
		if (m.end < m.start)
			abort();
		if (m.path)
			procmaps_sysv_key(m.path, &key);
		if (mmapshare_backing(&m) && (!m.shared || !m.path))
			abort();
	}
	free(text);
	return 0;
}
