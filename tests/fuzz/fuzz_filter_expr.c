/* fuzz_filter_expr.c - the filter language of -Q and ?q= (src/core/expr.c): the input is an
 * expression; one that parses is evaluated on a few objects of different kinds (absent
 * columns, holders, semaphores, a lock) and freed, one that does not must say where and why
 * in printable ASCII, with its caret lines inside their buffer. The text of ?q= comes from
 * any client of `serve`, so a hang (a costly regular expression) is a finding too. */
#include <stdlib.h>
#include <string.h>

#include "core/expr.h"
#include "core/util.h"
#include "fuzz.h"

static struct ipc_object *objs[5];

static void make_objects(void)
{
	struct ipc_object *o;

	if (objs[0])
		return;
	o = objs[0] = object_new(KIND_SYSV_MSG, "sysv-msg:4026531839:3");
	o->id = 3;
	o->has_key = true;
	o->key = 0x5a002327;
	o->has_owner = obj_ipc_mut(o)->has_creator_ids = o->has_mode = true;
	o->mode = 0640;
	o->size = 16384;
	o->used_bytes = 320;
	obj_ipc_mut(o)->messages = 5;
	obj_ipc_mut(o)->stime = 1795331814;
	obj_ipc_mut(o)->lspid.pid = 42;
	o = objs[1] = object_new(KIND_POSIX_MQ, "posix-mq:4026531839:/q");
	o->name = xstrdup("/q\xff\xfe");
	obj_ipc_mut(o)->messages = 9;
	obj_ipc_mut(o)->max_messages = 10;
	obj_ipc_mut(o)->mtime = (int64_t)1 << 62; /* a time no calendar shows */
	object_add_holder(o, 31337, "postgres", 3, ACC_R, NULL);
	object_add_holder(o, 31338, "reader", -1, ACC_R | ACC_W, "7f00-7f10");
	o = objs[2] = object_new(KIND_SYSV_SEM, "sysv-sem:4026531839:2");
	obj_ipc_mut(o)->nsems = 2;
	obj_ipc_mut(o)->sems = xcalloc(2, sizeof(*obj_ipc_mut(o)->sems));
	obj_ipc(o)->sems[1].value = 7;
	obj_ipc(o)->sems[1].pid.pid = 9;
	o = objs[3] = object_new(KIND_LOCK, "lock:posix:8:12:0-eof:77");
	obj_lock_mut(o)->type = "posix";
	obj_lock_mut(o)->mode = "write";
	obj_lock_mut(o)->start = 0;
	obj_lock_mut(o)->pid.pid = 77;
	obj_lock_mut(o)->pid.gone = true;
	o = objs[4] = object_new(KIND_UNIX, "unix:646");
	o->inode = 646;
	o->sock_type = (char *)"stream"; /* static strings, as sockdiag sets them */
	o->state = (char *)"listen";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), caret[64];
	struct expr_error err;
	struct expr *e = NULL;
	size_t len = strlen(text);

	make_objects();
	if (expr_parse(text, &e, &err) == 0) {
		if (!e || strcmp(expr_text(e), text))
			abort();
		for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
			expr_eval(e, objs[i]);
		expr_free(e);
	} else {
		if (e || !err.msg[0] || err.column < 1 || err.column > err.offset + 1 ||
		    err.offset > (len < EXPR_MAX_LEN ? len : EXPR_MAX_LEN))
			abort();
		for (const char *p = err.msg; *p; p++)
			if (*p < 0x20 || *p > 0x7e)
				abort(); /* the message goes into JSON and onto terminals */
		expr_error_caret(text, &err, "  ", caret, sizeof(caret));
		if (strlen(caret) >= sizeof(caret))
			abort();
	}
	free(text);
	return 0;
}
