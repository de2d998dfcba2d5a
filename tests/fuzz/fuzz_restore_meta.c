/* fuzz_restore_meta.c - a backup's meta.json as `restore` reads it: restore_meta_parse of
 * src/core/clean.c (the JSON, the kind it names, the saved identity). What each kind's
 * restore then does with it creates real objects, so it is not run here. */
#include <stdlib.h>
#include <string.h>

#include "act/ops.h"
#include "act/clean.h"
#include "core/kinds.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	const struct kind_info *ki = NULL;
	const char *kind = NULL, *identity = NULL;
	json_t *meta = NULL;

	if (restore_meta_parse(text, &meta, &ki, &kind, &identity) == 0) {
		/* The kind is one that can be restored, and named as the kinds table names it. */
		if (!meta || !ki || !ki->removable || !kind_ops_of(ki->kind)->restore || strcmp(ki->name, kind) || !identity)
			abort();
	} else if (meta) {
		abort();
	}
	json_decref(meta);
	free(text);
	return 0;
}
