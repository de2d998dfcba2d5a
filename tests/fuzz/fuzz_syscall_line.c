/* fuzz_syscall_line.c - the text of /proc/PID/task/TID/syscall, stat and sched:
 * waiters_parse_syscall, waiters_decode, waiters_parse_stat and waiters_parse_exec_start of
 * collectors/waiters.c (what a sleeping thread waits on). */
#include <stdlib.h>
#include <string.h>

#include "collectors/waiters.h"
#include "core/object.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), comm[COMM_LEN], state = 0;
	struct syscall_line l;
	struct wait_req r;
	int64_t ns;

	if (waiters_parse_syscall(text, &l) == 0 && l.state == SYSCALL_IN && waiters_decode(&l, &r) == 0 &&
	    (!r.what || (r.join == WJ_FD && r.fd < 0)))
		abort(); /* a decoded wait names what it waits for and, by fd, a valid fd */
	if (waiters_parse_stat(text, &state, comm, sizeof(comm)) == 0 && strlen(comm) >= sizeof(comm))
		abort();
	waiters_parse_exec_start(text, &ns);
	free(text);
	return 0;
}
