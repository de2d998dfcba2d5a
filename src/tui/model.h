/* model.h - what `ipcscope top` shows, apart from how it is drawn: the rows of one scan,
 * what changed since the scan before, which rows pass the search, kind and expression
 * filters, their order, the selection, and the text of the detail and holder views.
 *
 * The scan thread builds a `top_rows` from each snapshot (cells as text, stale and
 * deadlock marks, a signature of what counts as a change); the UI thread swaps it into the
 * model, which owns it and its snapshot from then on. Nothing here touches the terminal. */
#ifndef IPCSCOPE_TUI_MODEL_H
#define IPCSCOPE_TUI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "act/stale.h"
#include "core/snapshot.h"

enum top_col_id {
	TC_KIND,
	TC_OBJECT,  /* SysV id, else name, socket address or the identity's tail */
	TC_KEY,
	TC_OWNER,
	TC_SIZE,
	TC_USED,
	TC_USE,     /* USE%, the default order: fullest first */
	TC_MSGS,
	TC_HOLD,    /* holders */
	TC_WAIT,    /* threads asleep waiting on it */
	TC_STATUS,  /* stale, then the STATUS column's words */
	TC_HOLDERS, /* pid/command of each holder */
	TC__COUNT
};

struct top_col {
	const char *name;  /* header, and what -s takes */
	bool right;        /* right-aligned (numbers) */
	bool numeric;      /* sorts by value, largest first unless reversed */
	int min, max;      /* width in cells; max 0: takes what is left */
	int keep;          /* on a narrow screen, lower keep is dropped first */
};
extern const struct top_col top_cols[TC__COUNT];
/* The column called name (case-insensitive), or -1. */
int top_col_find(const char *name);

enum top_change { TOP_SAME, TOP_NEW, TOP_CHANGED, TOP_GONE };

struct top_cell {
	const char *text;  /* clean for the terminal (tui/text.h), in the row's buf; "-" absent */
	bool present;
	bool has_num;
	double num;        /* the value numbers sort by */
};

struct top_row {
	char *identity;           /* owned */
	enum ipc_kind kind;
	struct ipc_object *obj;   /* borrowed from the model's snapshot; NULL once gone */
	struct top_cell cells[TC__COUNT];
	uint64_t sig;             /* hash of every field whose change is shown */
	bool stale;               /* stale under clean's rule for its kind */
	bool deadlock;            /* on a cycle of the wait-for graph */
	enum top_change change;   /* against the scan before */
	bool expr_ok;             /* the last verdict of the filter expression */
	char *buf;                /* the cells' text, one allocation per row; owned */
};

/* One scan's rows. */
struct top_rows {
	struct snapshot *snap;    /* owned (heap); NULL when empty */
	struct top_row *rows;     /* owned */
	size_t n;
};

/* Rows for every object of snap, which rows takes (it was allocated with malloc and
 * initialised). sc gives --older-than and friends; its now and holders_complete are
 * taken from the snapshot. */
void top_rows_build(struct top_rows *rows, struct snapshot *snap, const struct stale_ctx *sc);
void top_rows_release(struct top_rows *rows);

/* The filter expression, as a predicate on an object (the expression language lives in
 * core/expr.h; the model only calls it). */
typedef bool (*top_match_fn)(const struct ipc_object *o, void *arg);

struct top_model {
	struct top_rows cur;      /* the latest scan's rows, then those gone since the one before */
	unsigned scans;           /* rows swapped in so far */
	size_t *view;             /* indices into cur.rows that pass the filters, in order */
	size_t nview, view_cap;
	int sort;                 /* enum top_col_id */
	bool desc;                /* the sort's direction */
	char search[128];         /* case-insensitive text; "" none */
	unsigned kinds;           /* KIND_BIT mask; 0 every kind */
	top_match_fn match;       /* NULL: no expression */
	void *match_arg;
	char *selected;           /* identity of the selected row; owned; NULL none */
	size_t sel;               /* its place in view */
	size_t first;             /* first view row on screen */
	size_t counts[4];         /* rows of each top_change */
};

void top_model_init(struct top_model *m);
void top_model_release(struct top_model *m);
/* Take next's rows and snapshot (next is left empty): a row is new, changed (another
 * signature) or the same against the scan before; rows of that scan missing from next
 * stay until the following swap, marked gone. The first swap marks nothing. */
void top_model_swap(struct top_model *m, struct top_rows *next);
/* Evaluate the expression again on every row still present (after it changed). */
void top_model_rematch(struct top_model *m);
/* Rebuild the view after the rows, the order or a filter changed. The selection stays on
 * the same object while it is shown, else at the same place. */
void top_model_update_view(struct top_model *m);
/* Sort by col; desc < 0: the column's natural direction (numbers largest first). */
void top_model_set_sort(struct top_model *m, int col, int desc);
/* Move the selection by delta rows (clamped), and keep it inside a window of height rows. */
void top_model_move(struct top_model *m, long delta, size_t height);
/* The selected row, or NULL when the view is empty. */
const struct top_row *top_model_selected(const struct top_model *m);
/* Does row r pass the search text? */
bool top_row_matches(const struct top_row *r, const char *search);

/* A short name for o: its SysV id, name, socket address, or the tail of its identity. */
const char *top_object_label(const struct ipc_object *o, char *buf, size_t len);

/* Lines of the detail and holder views. prefix holds only ' ', '|', '+', '`' and '-' (the
 * drawing turns them into line-drawing characters); text is clean. */
enum top_style { TL_PLAIN, TL_HEAD, TL_WARN, TL_BAD, TL_DIM };
struct top_line {
	char *prefix;             /* owned; "" none */
	char *text;               /* owned */
	enum top_style style;
};
struct top_lines {
	struct top_line *v;       /* owned */
	size_t n, cap;
};
void top_lines_release(struct top_lines *l);

/* Everything about o: identity, stale verdict (under sc), fill, the fields `show` prints for
 * its kind (in as many columns as width cells hold), holders, waiters, semaphore values,
 * blocked lock requests, deadlock cycles. */
void top_detail(struct top_lines *out, const struct ipc_object *o, const struct snapshot *s,
		const struct stale_ctx *sc, int width);
/* Who talks to whom through o: o, each process that holds it, is recorded on it or waits
 * on it, and under each the other objects that process shares with other processes. */
void top_tree(struct top_lines *out, const struct ipc_object *o, const struct snapshot *s);
/* The scan's errors, "SOURCE: MESSAGE" each. */
void top_errors(struct top_lines *out, const struct snapshot *s);

#endif
