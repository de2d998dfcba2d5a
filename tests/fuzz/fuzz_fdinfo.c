/* fuzz_fdinfo.c - the text of /proc/PID/fdinfo/N: procfd_parse_fdinfo_flags of
 * collectors/procfd.c, which finds the "flags:" line and makes an access mode of it. */
#include <stdlib.h>

#include "collectors/procfd.h"
#include "core/object.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	unsigned access = ~0u;

	if (procfd_parse_fdinfo_flags(text, &access) == 0 && (access & ~(unsigned)(ACC_R | ACC_W)))
		abort(); /* an access is at most read and write */
	free(text);
	return 0;
}
