/* fuzz_cgroup.c - the text of /proc/PID/cgroup and /proc/PID/status: container_from_cgroup
 * and nspid_parse of collectors/container.c (which container, which pid inside). */
#include <stdlib.h>
#include <string.h>

#include "collectors/container.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct container c;
	pid_t inner = 0;
	int levels = 0, rc;

	/* Raw bytes, not a C string: the parsers take a length and must not read past it. */
	rc = container_from_cgroup((const char *)data, size, &c);
	if (rc == 1 && (!c.runtime[0] || !c.id[0] || memchr(c.id, '\0', sizeof(c.id)) == NULL))
		abort(); /* a container found has a runtime and an id, NUL-terminated */
	if (rc != 1 && (c.runtime[0] || c.id[0]))
		abort();
	if (nspid_parse((const char *)data, size, &inner, &levels) == 0 && (inner <= 0 || levels < 1))
		abort();
	return 0;
}
