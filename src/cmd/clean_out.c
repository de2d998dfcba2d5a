/* clean_out.c - the table and the JSON lines rm and clean print. */
#include "cmd/clean_out.h"

#include <stdlib.h>
#include <string.h>

#include "core/columns.h"
#include "core/kinds.h"
#include "core/names.h"
#include "core/util.h"
#include "render/json.h"
#include "render/table.h"

void print_clean_table(FILE *out, const struct clean_report *r)
{
	static const char *heads[] = {"STATUS", "KIND", "IDENTITY", "OWNER", "WHY", "FAMILY"};
	struct text_table t;
	bool families = false;

	/* The family column only when some object has one: members go, or stay, together. */
	for (size_t i = 0; i < r->n; i++)
		families |= r->items[i].family != NULL;
	text_table_init(&t, families ? 6 : 5, heads, NULL);
	/* On a narrow terminal the evidence and the family are cut, never the identity that
	 * rm takes. */
	text_table_set_trunc(&t, 4);
	text_table_set_trunc(&t, 5);
	for (size_t i = 0; i < r->n; i++) {
		const struct clean_item *it = &r->items[i];
		const char *owner = it->obj->has_owner ? user_name(it->obj->uid) : NULL;
		char *why = NULL;
		const char *row[6] = {clean_status_name(it->status), kind_name(it->obj->kind),
				      it->obj->identity, owner, NULL, it->family};

		if (it->reason && it->evidence)
			why = xasprintf("%s [%s]", it->reason, it->evidence);
		row[4] = why ? why : it->reason ? it->reason : it->evidence;
		text_table_add(&t, row);
		free(why);
	}
	if (r->n)
		text_table_print(out, &t, 0);
	text_table_release(&t);
}

int print_clean_lines(FILE *out, const struct clean_report *r, int64_t now)
{
	char ts[40];

	format_time_utc(now, ts, sizeof(ts));
	for (size_t i = 0; i < r->n; i++) {
		json_t *j;
		int rc;

		if (r->items[i].status == CLEAN_CANDIDATE)
			continue;
		j = clean_item_json(&r->items[i]);
		json_object_set_new(j, "time", json_string(ts));
		rc = json_dumpf(j, out, JSON_OUT_COMPACT);
		json_decref(j);
		if (rc < 0 || fputc('\n', out) == EOF)
			return -1;
	}
	return fflush(out) == 0 ? 0 : -1;
}

int print_clean_json(FILE *out, const struct clean_report *r, const struct clean_opts *o)
{
	json_t *doc = json_document(&r->snap);
	int rc;

	json_object_set_new(doc, "clean", clean_report_json(r, o));
	rc = json_print(out, doc);
	json_decref(doc);
	return rc;
}

int print_rm_json(FILE *out, const struct clean_report *r, const struct clean_opts *o)
{
	json_t *doc = json_document(&r->snap), *items = json_array();
	int rc;

	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(items, clean_item_json(&r->items[i]));
	json_object_set_new(doc, "rm", json_pack("{s:b, s:o}", "holders_complete",
						  r->snap.holders_complete, "items", items));
	/* What rm -J wrote before "rm" existed, kept for the readers of it (see JSON in the
	 * man page); its older_than means nothing to rm. */
	json_object_set_new(doc, "clean", clean_report_json(r, o));
	rc = json_print(out, doc);
	json_decref(doc);
	return rc;
}

void count_clean(const struct clean_report *r, size_t counts[CLEAN__COUNT])
{
	memset(counts, 0, CLEAN__COUNT * sizeof(*counts));
	for (size_t i = 0; i < r->n; i++)
		counts[r->items[i].status]++;
}
