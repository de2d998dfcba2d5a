/* outopts.c - the shared output options: they set how render/table.c writes, for the run. */
#include "cmd/outopts.h"

#include <string.h>

#include "cmd/cmd.h"
#include "core/coltext.h"
#include "core/util.h"
#include "render/table.h"

int outopts_handle(const char *cmd, int c, const char *arg)
{
	uint64_t v;
	int f;

	switch (c) {
	case 'w':
		if (parse_u64(arg, &v) < 0 || v == 0 || v > 100000)
			return -usage_error(cmd, "bad width '%s'", arg);
		table_set_width((size_t)v);
		return 1;
	case OUTOPT_NOTRUNC:
		table_set_notruncate(true);
		return 1;
	case OUTOPT_COLOR:
		if (!arg || !strcmp(arg, "auto"))
			table_set_color(COLOR_AUTO);
		else if (!strcmp(arg, "always"))
			table_set_color(COLOR_ALWAYS);
		else if (!strcmp(arg, "never"))
			table_set_color(COLOR_NEVER);
		else
			return -usage_error(cmd, "bad --color '%s' (auto, always or never)", arg);
		return 1;
	case OUTOPT_TIMEFMT:
		f = time_format_parse(arg);
		if (f < 0)
			return -usage_error(cmd, "bad --time-format '%s' (short, full or iso)", arg);
		columns_set_time_format((enum time_format)f);
		return 1;
	}
	return 0;
}
