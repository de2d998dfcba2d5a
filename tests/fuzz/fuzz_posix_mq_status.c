/* fuzz_posix_mq_status.c - the one line the kernel prints for a file of an mqueue mount
 * ("QSIZE:%lu NOTIFY:%d SIGNO:%d NOTIFY_PID:%d"), posix_mq_parse_status of
 * collectors/posix_mq.c, which procfd.c also uses for queues met through an fd. */
#include <stdlib.h>

#include "collectors/posix.h"
#include "core/object.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct ipc_object *o = object_new(KIND_POSIX_MQ, "posix-mq:1:/fuzz");

	posix_mq_parse_status(text, o);
	/* What parsed is stored: the values must be what the kernel can print. */
	if (o->used_bytes < -1 || obj_ipc(o)->notify_pid.pid < -1)
		abort();
	object_free(o);
	free(text);
	return 0;
}
