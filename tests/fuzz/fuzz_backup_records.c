/* fuzz_backup_records.c - the record files of a backup (messages.bin: 8-byte tag, 8-byte
 * length, bytes), walked with bytes_next_record of src/core/backup.c as restore walks them.
 * Differential: the records read, written again with bytes_put_record, must give back the
 * bytes they were read from. */
#include <stdlib.h>
#include <string.h>

#include "act/backup.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bytes again = {0};
	size_t off = 0;
	int r;

	for (;;) {
		const unsigned char *p;
		size_t n, before = off;
		int64_t tag;

		r = bytes_next_record(data, size, &off, &tag, &p, &n);
		if (r <= 0)
			break;
		if (off <= before || off > size || p != data + before + 16 || n != off - before - 16)
			abort();
		bytes_put_record(&again, tag, p, n);
	}
	if (r == 0 && off != size)
		abort(); /* the end is reported only at the end */
	if (again.len != off || (off && memcmp(again.data, data, off)))
		abort();
	bytes_release(&again);
	return 0;
}
