/* outopts.h - the output options every table-printing command shares, util-linux's words:
 * -w/--width N, --notruncate, --color[=WHEN], --time-format short|full|iso. Each command
 * puts OUTOPTS_LONG in its option table, OUTOPTS_SHORT in its short options, and hands
 * what getopt returns to outopts_handle first. */
#ifndef IPCSCOPE_OUTOPTS_H
#define IPCSCOPE_OUTOPTS_H

#include <getopt.h>

/* Far above every command's own enum of long options (256...). */
enum { OUTOPT_NOTRUNC = 0x1000, OUTOPT_COLOR, OUTOPT_TIMEFMT };

#define OUTOPTS_SHORT "w:"
#define OUTOPTS_LONG \
	{"width", required_argument, NULL, 'w'}, {"notruncate", no_argument, NULL, OUTOPT_NOTRUNC}, \
	{"color", optional_argument, NULL, OUTOPT_COLOR}, \
	{"time-format", required_argument, NULL, OUTOPT_TIMEFMT}

/* Help lines for them, 80 columns wide. */
#define OUTOPTS_HELP \
	"  -w, --width N           fit tables to N columns (default: the terminal's)\n" \
	"      --notruncate        never cut a cell nor leave a column out\n" \
	"      --color[=WHEN]      colour rows: auto (not with NO_COLOR), always, never\n" \
	"      --time-format FMT   times as short, full or iso (default iso)\n"

/* The same, aligned for clean's wider option column. */
#define OUTOPTS_HELP_CLEAN \
	"  -w, --width N              fit tables to N columns (default: the terminal's)\n" \
	"      --notruncate           never cut a cell nor leave a column out\n" \
	"      --color[=WHEN]         colour rows: auto (not with NO_COLOR), always,\n" \
	"                             never\n" \
	"      --time-format FMT      times as short, full or iso (default iso)\n"

/* c is what getopt_long returned, arg its optarg. 1: handled; 0: not one of these; a usage
 * error (EXIT_USAGE, already printed): negated, -2. */
int outopts_handle(const char *cmd, int c, const char *arg);

#endif
