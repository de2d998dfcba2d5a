/* test_top_model.c - the model behind `ipcscope top`, without a terminal: rows built from a
 * snapshot, what is new, changed and gone between two scans, the order and its reversal,
 * search, kind and expression filters, the selection following its object, the detail and
 * holder-tree text, and the cleaning of hostile names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tui/model.h"
#include "tui/text.h"

#define NOW 1800000000LL
#define HOUR 3600

static struct snapshot *snap_new(void)
{
	struct snapshot *s = xmalloc(sizeof(*s));

	snapshot_init(s);
	s->time = NOW;
	s->holders_complete = true;
	snprintf(s->host, sizeof(s->host), "testhost");
	return s;
}

static struct pid_ref pref(pid_t pid, const char *comm, bool gone)
{
	struct pid_ref r = {.pid = pid, .gone = gone};

	snprintf(r.comm, sizeof(r.comm), "%s", comm);
	return r;
}

/* A SysV queue: msgs messages of 64 bytes in 1000 bytes; its sender alive or gone. */
static struct ipc_object *msgq(struct snapshot *s, int id, int64_t msgs, bool sender_gone)
{
	char ident[64];
	struct ipc_object *o;

	snprintf(ident, sizeof(ident), "sysv-msg:1:%d", id);
	o = object_new(KIND_SYSV_MSG, ident);
	o->id = id;
	o->has_key = true;
	o->key = 0x1000u + (unsigned)id;
	o->has_owner = true;
	o->size = 1000;
	obj_ipc_mut(o)->messages = msgs;
	o->used_bytes = msgs * 64;
	o->ctime = NOW - 3 * HOUR;
	obj_ipc_mut(o)->stime = NOW - 2 * HOUR;
	obj_ipc_mut(o)->rtime = NOW - 2 * HOUR;
	obj_ipc_mut(o)->lspid = pref(100 + id, "sender", sender_gone);
	obj_ipc_mut(o)->lrpid = pref(200 + id, "receiver", sender_gone);
	snapshot_add(s, o);
	return o;
}

static struct ipc_object *pipe_obj(struct snapshot *s, uint64_t ino, pid_t a, pid_t b)
{
	char ident[64];
	struct ipc_object *o;

	snprintf(ident, sizeof(ident), "pipe:%llu", (unsigned long long)ino);
	o = object_new(KIND_PIPE, ident);
	o->inode = ino;
	object_add_holder(o, a, "writer", 4, ACC_W, NULL);
	if (b)
		object_add_holder(o, b, "reader", 3, ACC_R, NULL);
	snapshot_add(s, o);
	return o;
}

static void rows_of(struct top_rows *r, struct snapshot *s)
{
	struct stale_ctx sc;

	stale_ctx_init(&sc, 0);
	top_rows_build(r, s, &sc);
}

static const struct top_row *row_by_id(const struct top_model *m, const char *identity)
{
	for (size_t i = 0; i < m->cur.n; i++)
		if (!strcmp(m->cur.rows[i].identity, identity))
			return &m->cur.rows[i];
	return NULL;
}

/* The identities of the view, in order, space separated. */
static const char *view_ids(const struct top_model *m)
{
	static char buf[1024];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->nview && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", m->cur.rows[m->view[i]].identity);
	return buf;
}

static void rows_cells(void **state)
{
	struct snapshot *s = snap_new();
	struct top_rows r;
	struct ipc_object *o;

	(void)state;
	msgq(s, 5, 5, true);  /* 320 of 1000 bytes, its processes gone: stale */
	msgq(s, 6, 1, false); /* a live sender: in use */
	o = pipe_obj(s, 77, 10, 11);
	o->flags |= OBJ_DEADLOCK;
	rows_of(&r, s);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.rows[0].cells[TC_KIND].text, "sysv-msg");
	assert_string_equal(r.rows[0].cells[TC_OBJECT].text, "5");
	assert_true(r.rows[0].cells[TC_OBJECT].has_num);
	assert_string_equal(r.rows[0].cells[TC_USE].text, "32.0%");
	assert_string_equal(r.rows[0].cells[TC_MSGS].text, "5");
	assert_string_equal(r.rows[0].cells[TC_KEY].text, "0x00001005");
	assert_true(r.rows[0].stale);
	assert_string_equal(r.rows[0].cells[TC_STATUS].text, "stale");
	assert_false(r.rows[1].stale);
	assert_false(r.rows[1].cells[TC_STATUS].present);
	assert_string_equal(r.rows[1].cells[TC_STATUS].text, "-");
	/* A pipe: no fill, two holders, on a deadlock cycle. */
	assert_string_equal(r.rows[2].cells[TC_OBJECT].text, "77");
	assert_false(r.rows[2].cells[TC_USE].present);
	assert_string_equal(r.rows[2].cells[TC_HOLD].text, "2");
	assert_true(r.rows[2].deadlock);
	assert_string_equal(r.rows[2].cells[TC_STATUS].text, "deadlock");
	assert_string_equal(r.rows[2].cells[TC_HOLDERS].text, "10/writer:4:w 11/reader:3:r");
	top_rows_release(&r);
}

static void swap_marks_changes(void **state)
{
	struct top_model m;
	struct top_rows r;
	struct snapshot *s;
	const struct top_row *g;

	(void)state;
	top_model_init(&m);
	s = snap_new();
	msgq(s, 1, 1, false);
	msgq(s, 2, 2, false);
	msgq(s, 3, 3, false);
	rows_of(&r, s);
	top_model_swap(&m, &r);
	assert_null(r.rows);
	/* The first scan has nothing to compare with. */
	for (size_t i = 0; i < m.cur.n; i++)
		assert_int_equal(m.cur.rows[i].change, TOP_SAME);

	s = snap_new();
	msgq(s, 1, 1, false); /* the same */
	msgq(s, 2, 4, false); /* two more messages */
	msgq(s, 4, 1, false); /* new; 3 is gone */
	rows_of(&r, s);
	top_model_swap(&m, &r);
	assert_int_equal(m.cur.n, 4);
	assert_int_equal(row_by_id(&m, "sysv-msg:1:1")->change, TOP_SAME);
	assert_int_equal(row_by_id(&m, "sysv-msg:1:2")->change, TOP_CHANGED);
	assert_int_equal(row_by_id(&m, "sysv-msg:1:4")->change, TOP_NEW);
	g = row_by_id(&m, "sysv-msg:1:3");
	assert_non_null(g);
	assert_int_equal(g->change, TOP_GONE);
	assert_null(g->obj);
	assert_string_equal(g->cells[TC_MSGS].text, "3"); /* what it was */
	assert_int_equal(m.counts[TOP_SAME], 1);
	assert_int_equal(m.counts[TOP_CHANGED], 1);
	assert_int_equal(m.counts[TOP_NEW], 1);
	assert_int_equal(m.counts[TOP_GONE], 1);
	assert_int_equal(m.nview, 4);

	/* A gone row is shown one scan, then dropped; what came back is new again. */
	s = snap_new();
	msgq(s, 1, 1, false);
	msgq(s, 2, 4, false);
	msgq(s, 4, 1, false);
	rows_of(&r, s);
	top_model_swap(&m, &r);
	assert_int_equal(m.cur.n, 3);
	assert_null(row_by_id(&m, "sysv-msg:1:3"));
	assert_int_equal(row_by_id(&m, "sysv-msg:1:2")->change, TOP_SAME);
	assert_int_equal(row_by_id(&m, "sysv-msg:1:4")->change, TOP_SAME);
	top_model_release(&m);
}

static void sort_and_reverse(void **state)
{
	struct top_model m;
	struct top_rows r;
	struct snapshot *s = snap_new();

	(void)state;
	top_model_init(&m);
	msgq(s, 10, 2, false);
	msgq(s, 2, 5, false);
	msgq(s, 7, 0, false);
	pipe_obj(s, 50, 1, 2); /* no fill at all */
	rows_of(&r, s);
	top_model_swap(&m, &r);
	/* Fullest first, the pipe without a fill last. */
	assert_string_equal(view_ids(&m), "sysv-msg:1:2 sysv-msg:1:10 sysv-msg:1:7 pipe:50");
	top_model_set_sort(&m, m.sort, !m.desc);
	/* Reversed, and what has no value still last. */
	assert_string_equal(view_ids(&m), "sysv-msg:1:7 sysv-msg:1:10 sysv-msg:1:2 pipe:50");
	/* Ids and inodes sort as numbers (2 < 7 < 10), in the column's natural direction for
	 * words. */
	top_model_set_sort(&m, TC_OBJECT, -1);
	assert_false(m.desc);
	assert_string_equal(view_ids(&m), "sysv-msg:1:2 sysv-msg:1:7 sysv-msg:1:10 pipe:50");
	top_model_set_sort(&m, TC_HOLD, -1);
	assert_true(m.desc);
	assert_string_equal(m.cur.rows[m.view[0]].identity, "pipe:50");
	assert_int_equal(top_col_find("use%"), TC_USE);
	assert_int_equal(top_col_find("nope"), -1);
	top_model_release(&m);
}

static bool only_ten(const struct ipc_object *o, void *arg)
{
	(void)arg;
	return o->id == 10;
}

static void filters_and_selection(void **state)
{
	struct top_model m;
	struct top_rows r;
	struct snapshot *s = snap_new();

	(void)state;
	top_model_init(&m);
	msgq(s, 10, 2, false);
	msgq(s, 2, 5, false);
	pipe_obj(s, 50, 1, 2);
	rows_of(&r, s);
	top_model_swap(&m, &r);

	/* The selection follows its object through a new order. */
	top_model_move(&m, 1, 10);
	assert_string_equal(top_model_selected(&m)->identity, "sysv-msg:1:10");
	top_model_set_sort(&m, TC_OBJECT, 1);
	assert_string_equal(view_ids(&m), "pipe:50 sysv-msg:1:10 sysv-msg:1:2");
	assert_string_equal(top_model_selected(&m)->identity, "sysv-msg:1:10");
	assert_int_equal(m.sel, 1);

	/* Search: case-insensitive, in the cells and the holders' commands. */
	snprintf(m.search, sizeof(m.search), "READER");
	top_model_update_view(&m);
	assert_string_equal(view_ids(&m), "pipe:50");
	assert_string_equal(top_model_selected(&m)->identity, "pipe:50");
	snprintf(m.search, sizeof(m.search), "0x0000100a");
	top_model_update_view(&m);
	assert_string_equal(view_ids(&m), "sysv-msg:1:10");
	snprintf(m.search, sizeof(m.search), "no such thing");
	top_model_update_view(&m);
	assert_int_equal(m.nview, 0);
	assert_null(top_model_selected(&m));
	m.search[0] = '\0';

	/* Kinds. */
	m.kinds = KIND_BIT(KIND_PIPE);
	top_model_update_view(&m);
	assert_string_equal(view_ids(&m), "pipe:50");
	m.kinds = 0;

	/* The expression; a gone row keeps its last verdict. */
	m.match = only_ten;
	top_model_rematch(&m);
	top_model_update_view(&m);
	assert_string_equal(view_ids(&m), "sysv-msg:1:10");
	s = snap_new();
	msgq(s, 2, 5, false);
	rows_of(&r, s);
	top_model_swap(&m, &r);
	assert_string_equal(view_ids(&m), "sysv-msg:1:10");
	assert_int_equal(top_model_selected(&m)->change, TOP_GONE);
	m.match = NULL;
	top_model_rematch(&m);
	top_model_update_view(&m);
	assert_int_equal(m.nview, 3);
	top_model_release(&m);
}

static void moving(void **state)
{
	struct top_model m;
	struct top_rows r;
	struct snapshot *s = snap_new();

	(void)state;
	top_model_init(&m);
	for (int i = 0; i < 30; i++)
		msgq(s, i, 0, false);
	rows_of(&r, s);
	top_model_swap(&m, &r);
	top_model_set_sort(&m, TC_OBJECT, 0);
	top_model_move(&m, 12, 10);
	assert_int_equal(m.sel, 12);
	assert_int_equal(m.first, 3); /* the selection is the window's last row */
	top_model_move(&m, -100, 10);
	assert_int_equal(m.sel, 0);
	assert_int_equal(m.first, 0);
	top_model_move(&m, 1000, 10);
	assert_int_equal(m.sel, 29);
	assert_int_equal(m.first, 20);
	/* A taller window shows more and never scrolls past the end. */
	top_model_move(&m, 0, 25);
	assert_int_equal(m.first, 5);
	top_model_release(&m);
}

static bool has_line(const struct top_lines *l, const char *needle)
{
	for (size_t i = 0; i < l->n; i++)
		if (strstr(l->v[i].text, needle))
			return true;
	return false;
}

static void detail_text(void **state)
{
	struct snapshot *s = snap_new();
	struct top_lines l = {0};
	struct stale_ctx sc;
	struct ipc_object *q, *sem;

	(void)state;
	stale_ctx_init(&sc, 0);
	q = msgq(s, 5, 5, true);
	top_detail(&l, q, s, &sc, 80);
	assert_string_equal(l.v[0].text, "sysv-msg 5");
	assert_int_equal(l.v[0].style, TL_HEAD);
	assert_true(has_line(&l, "sysv-msg:1:5"));
	assert_true(has_line(&l, "STALE"));
	assert_true(has_line(&l, "5 messages, 320B of 1000B"));
	assert_true(has_line(&l, "HOLDERS (0)"));
	assert_true(has_line(&l, "LSPID"));
	{
		/* Fields are packed side by side as the width allows. */
		size_t wide = l.n;

		top_lines_release(&l);
		top_detail(&l, q, s, &sc, 20);
		assert_true(l.n > wide + 4);
	}
	top_lines_release(&l);

	sem = object_new(KIND_SYSV_SEM, "sysv-sem:1:9");
	sem->id = 9;
	obj_ipc_mut(sem)->nsems = 2;
	obj_ipc_mut(sem)->sems = xcalloc(2, sizeof(*obj_ipc_mut(sem)->sems));
	obj_ipc(sem)->sems[0].value = 3;
	obj_ipc(sem)->sems[1].value = 0;
	obj_ipc(sem)->sems[1].ncount = 1;
	obj_ipc(sem)->sems[1].pid = pref(321, "semop-er", false);
	{
		struct ipc_waiter w = {.pid = 400, .tid = 401, .what = "decrement", .syscall = "semop",
				       .fd = -1, .semnum = 1, .semop = -1};

		snprintf(w.comm, sizeof(w.comm), "waiter");
		object_add_waiter(sem, &w);
	}
	snapshot_add(s, sem);
	top_detail(&l, sem, s, &sc, 80);
	assert_true(has_line(&l, "SEMAPHORES (2)"));
	assert_true(has_line(&l, "321  semop-er"));
	assert_true(has_line(&l, "WAITERS (1)"));
	assert_true(has_line(&l, "semnum=1 semop=-1"));
	assert_true(has_line(&l, "IN USE"));
	top_lines_release(&l);
	snapshot_release(s);
	free(s);
}

static void tree_text(void **state)
{
	struct snapshot *s = snap_new();
	struct top_lines l = {0};
	struct ipc_object *q, *p;

	(void)state;
	q = msgq(s, 5, 1, false);
	object_add_holder(q, 101, "sender", 7, ACC_R | ACC_W, NULL); /* as if */
	p = pipe_obj(s, 77, 105, 300);
	(void)p;
	pipe_obj(s, 78, 105, 0); /* held by the sender alone */
	top_tree(&l, q, s);
	assert_string_equal(l.v[0].text, "sysv-msg 5");
	assert_string_equal(l.v[1].prefix, "+- ");
	assert_string_equal(l.v[1].text, "101 sender: holds rw fd 7");
	/* The sender of 5 (pid 105) talks to 300 through pipe 77; pipe 78 it keeps alone. */
	assert_string_equal(l.v[2].text, "105 sender: last send");
	assert_string_equal(l.v[3].prefix, "|  +- ");
	assert_string_equal(l.v[3].text, "pipe 77 with 300 reader");
	assert_string_equal(l.v[4].prefix, "|  `- ");
	assert_string_equal(l.v[4].text, "pipe 78");
	assert_int_equal(l.v[4].style, TL_DIM);
	assert_string_equal(l.v[5].prefix, "`- ");
	assert_string_equal(l.v[5].text, "205 receiver: last receive");
	assert_int_equal(l.n, 6);
	top_lines_release(&l);
	snapshot_release(s);
	free(s);
}

static void hostile_text(void **state)
{
	char *c;
	int used;

	(void)state;
	tui_utf8 = false;
	c = tui_clean("a\033[2Jb\nc\xff");
	assert_string_equal(c, "a?[2Jb?c?");
	free(c);
	c = tui_clean("caf\xc3\xa9");
	assert_string_equal(c, "caf?"); /* no UTF-8 terminal: one '?' per character */
	free(c);
	c = tui_clean(NULL);
	assert_string_equal(c, "-");
	free(c);

	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		return; /* wide characters need a UTF-8 locale to be measured */
	tui_utf8 = true;
	c = tui_clean("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xc2\x9b \xed\xa0\x80");
	/* Kept: é and the two CJK characters; replaced: a C1 control, a surrogate. */
	assert_string_equal(c, "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac ? ???");
	assert_int_equal(tui_width("\xe6\x97\xa5\xe6\x9c\xac"), 4);
	/* A cut never splits a character, nor half of a wide one. */
	assert_int_equal(tui_fit("\xe6\x97\xa5\xe6\x9c\xac", 3, &used), 3);
	assert_int_equal(used, 2);
	assert_int_equal(tui_fit("caf\xc3\xa9", 4, &used), 5);
	assert_int_equal(used, 4);
	free(c);
	tui_utf8 = false;
	setlocale(LC_CTYPE, "C");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows_cells),       cmocka_unit_test(swap_marks_changes),
		cmocka_unit_test(sort_and_reverse), cmocka_unit_test(filters_and_selection),
		cmocka_unit_test(moving),           cmocka_unit_test(detail_text),
		cmocka_unit_test(tree_text),        cmocka_unit_test(hostile_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
