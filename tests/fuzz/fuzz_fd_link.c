/* fuzz_fd_link.c - the text of an fd's link in /proc/PID/fd ("pipe:[ino]", "socket:[ino]",
 * a path): procfd_classify_link of collectors/procfd.c. */
#include <stdlib.h>

#include "collectors/procfd.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	uint64_t ino = 0;
	int cls = procfd_classify_link(text, &ino);

	/* A pipe or a socket is known by a non-zero inode. */
	if (cls != 0 && cls != 'p' && cls != 's' && cls != 'f')
		abort();
	if ((cls == 'p' || cls == 's') && ino == 0)
		abort();
	free(text);
	return 0;
}
