/* coltext.h - what the terminal table needs of a column beyond its value: whether a cell may
 * be cut to fit the width, for which kinds it is a default column, the whole text of the
 * list columns (HOLDERS, PROCS, WAITERS, BLOCKED, SEMVALS: col_value holds at most 95
 * bytes, and a list is cut there), and a type name for --list-columns. Kept apart from the
 * column table so that the table stays one line per column. */
#ifndef IPCSCOPE_COLTEXT_H
#define IPCSCOPE_COLTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/columns.h"

/* A text column whose cells may be cut (with a marker) when the table is wider than the
 * terminal: names, paths, lists. Numbers, keys, modes and states are never cut. */
bool column_truncates(const struct column *c);

/* The whole text of c for o, allocated (the caller frees it), for the list columns; NULL
 * for every other column, or when c does not apply to o's kind or o has no such list. */
char *column_long_text(const struct column *c, const struct ipc_object *o);

/* "<string>", "<integer>", "<size>", "<time>", "<percent>", "<boolean>" (lsfd -H style). */
const char *column_type_name(const struct column *c);

/* Every default column in order, as one comma-separated text (for --help and the man page). */
extern const char columns_default_text[];
/* The default columns for a list of objects of the kinds in mask (KIND_BIT bits; 0: every
 * kind): each one that is a default of some kind there. *out is allocated. */
void columns_default(unsigned kinds, const struct column ***out, size_t *n);

/* How a table shows times (--time-format, lsipc's words): iso "2026-12-01T21:38:14+00:00"
 * (the default: it says the zone), full "Tue Dec  1 21:38:14 2026", short "21:38" today,
 * "Dec01" this year, "2025-Dec01" before. All in local time (TZ). JSON stays UTC. */
enum time_format { TIME_ISO, TIME_FULL, TIME_SHORT };
void columns_set_time_format(enum time_format f);
/* -1 for an unknown word. */
int time_format_parse(const char *word);
/* t as the table shows it; a time the calendar cannot show is "@SECONDS". */
const char *table_time_text(int64_t t, char *buf, size_t len);

#endif
