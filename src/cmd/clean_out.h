/* clean_out.h - how rm and clean print a clean report. */
#ifndef IPCSCOPE_CLEAN_OUT_H
#define IPCSCOPE_CLEAN_OUT_H

#include <stdio.h>

#include "act/clean.h"

/* STATUS KIND IDENTITY OWNER EVIDENCE/REASON, one row per item. */
void print_clean_table(FILE *out, const struct clean_report *r);
/* One JSON line per item that was acted on (not a dry-run candidate). 0 or -EIO. */
int print_clean_lines(FILE *out, const struct clean_report *r, int64_t now);
/* The report as one document: the frame of r's snapshot with "clean". 0 or -EIO. */
int print_clean_json(FILE *out, const struct clean_report *r, const struct clean_opts *o);
/* rm's document: the items under "rm" (no older_than, which rm has not), and under "clean"
 * as before, for compatibility. */
int print_rm_json(FILE *out, const struct clean_report *r, const struct clean_opts *o);
/* Counts per status. */
void count_clean(const struct clean_report *r, size_t counts[CLEAN__COUNT]);

#endif
