/* show.c - `ipcscope show KIND ID|KEY|NAME`: every field of one object, as `ipcs -i` and
 * `lsipc -i` show it, with each semaphore and each holder in a table of its own. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "collectors/ftok.h"
#include "cmd/outopts.h"
#include "core/coltext.h"
#include "core/columns.h"
#include "core/filter.h"
#include "core/ftok.h"
#include "core/kinds.h"
#include "core/util.h"
#include "render/json.h"
#include "render/table.h"

static void help(void)
{
	printf("Usage: ipcscope show KIND ID|KEY|NAME|INODE [OPTIONS]\n"
	       "       ipcscope show IDENTITY [OPTIONS]\n\n"
	       "Every field of one object. KEY is written 0x...; IDENTITY is what\n"
	       "list -o IDENTITY prints (sysv-shm:4026531839:7). A KEY or ID that names several\n"
	       "objects (IPC_PRIVATE segments share key 0) is refused: give the identity.\n\n"
	       "Options:\n"
	       "  -b, --bytes             sizes in bytes\n"
	       "  -J, --json              one JSON document (schema ipcscope/1)\n"
	       OUTOPTS_HELP
	       "  -N, --namespace WHAT    look only in the namespaces of WHAT (see list --help)\n"
	       "      --key-path DIR      also look under DIR for the file a SysV key was made\n"
	       "                          from by ftok (repeatable)\n"
	       "      --root DIR          read /proc and friends under DIR\n"
	       "  -h, --help              this help\n");
}

static void print_fields(const struct ipc_object *o, bool bytes)
{
	const struct kind_info *ki = kind_info(o->kind);
	const struct column **cols = NULL;
	const char *bad;
	size_t n = 0;

	if (columns_parse(ki->columns, "", &cols, &n, &bad) < 0)
		return; /* the kinds table names only real columns; a test checks it */
	for (size_t i = 0; i < n; i++) {
		struct col_value v;
		char buf[96], *whole = column_long_text(cols[i], o), *fit;
		size_t width = table_width(stdout);

		column_value(cols[i], o, &v);
		/* A value longer than the terminal is cut there, as a table's cell is. */
		fit = table_fit_text(whole ? whole : column_text(cols[i], &v, bytes, buf, sizeof(buf)),
				     width > 11 ? width - 11 : width);
		printf("%-10s %s\n", cols[i]->name, fit);
		free(fit);
		free(whole);
	}
	free(cols);
	if (o->partial)
		printf("%-10s %s\n", "PARTIAL", o->partial);
}

/* What the SysV key says of ftok(3), and the file it was probably made from. */
static void print_ftok(const struct ipc_object *o)
{
	struct ftok_parts p;
	char proj[16];
	const char *via;

	if (!o->has_key)
		return;
	switch (ftok_split(o->key, &p)) {
	case FTOK_PRIVATE:
		return;
	case FTOK_HAND:
		printf("%-10s not made by ftok: proj byte 0 (ftok's proj_id must be nonzero), a key chosen by hand\n", "FTOK");
		return;
	case FTOK_FAILED:
		printf("%-10s 0xffffffff is (key_t)-1, what ftok returns when it fails: the creator used a failed ftok's result\n", "FTOK");
		return;
	case FTOK_SPLIT:
		break;
	}
	printf("%-10s proj %s (%u), device bits 0x%02x, inode bits 0x%04x\n", "FTOK",
	       ftok_proj_text(p.proj, proj, sizeof(proj)), p.proj, p.dev_bits, p.ino_bits);
	if (!obj_keyfile(o)->searched)
		return;
	if (!obj_keyfile(o)->file && !obj_keyfile(o)->checked) {
		printf("%-10s no probable source: nothing to compare (no live process is recorded for "
		       "it; --key-path DIR searches a directory)\n", "KEYFILE");
		return;
	}
	if (!obj_keyfile(o)->file) {
		printf("%-10s no probable source: none of the %u files compared gives this key\n", "KEYFILE",
		       obj_keyfile(o)->checked);
		return;
	}
	via = !strcmp(obj_keyfile(o)->via, "fd") ? "an open file" :
	      !strcmp(obj_keyfile(o)->via, "cwd") ? "the working directory" :
	      !strcmp(obj_keyfile(o)->via, "cwd-entry") ? "in the working directory" :
	      !strcmp(obj_keyfile(o)->via, "exe") ? "the executable" : "under --key-path";
	printf("%-10s probable source: ftok(\"%s\", %s)", "KEYFILE", obj_keyfile(o)->file, proj);
	if (obj_keyfile(o)->pid > 0)
		printf(" (%s of pid %d)", via, (int)obj_keyfile(o)->pid);
	else
		printf(" (%s)", via);
	if (obj_keyfile(o)->matches > 1)
		printf("; %u files give this key", obj_keyfile(o)->matches);
	printf("\n");
}

static void print_sems(const struct ipc_object *o)
{
	static const char *heads[] = {"SEMNUM", "VALUE", "NCOUNT", "ZCOUNT", "PID", "COMMAND"};
	static const bool right[] = {true, true, true, true, true, false};
	struct text_table t;

	text_table_init(&t, 6, heads, right);
	for (int64_t i = 0; i < obj_ipc(o)->nsems; i++) {
		const struct sem_elem *e = &obj_ipc(o)->sems[i];
		char num[24], val[24], nc[24], zc[24], pid[24];
		const char *row[6] = {num, val, nc, zc, pid, e->pid.gone ? "(gone)" : e->pid.zombie ? "(zombie)" : e->pid.comm};

		snprintf(num, sizeof(num), "%lld", (long long)i);
		snprintf(val, sizeof(val), "%d", e->value);
		snprintf(nc, sizeof(nc), "%d", e->ncount);
		snprintf(zc, sizeof(zc), "%d", e->zcount);
		snprintf(pid, sizeof(pid), "%d", (int)e->pid.pid);
		if (e->pid.pid <= 0)
			row[5] = "-";
		text_table_add(&t, row);
	}
	printf("\n");
	text_table_print(stdout, &t, 0);
	text_table_release(&t);
}

static void print_holders(const struct ipc_object *o)
{
	static const char *heads[] = {"PID", "COMMAND", "FD", "ACCESS", "MAP"};
	static const bool right[] = {true, false, true, false, false};
	struct text_table t;

	text_table_init(&t, 5, heads, right);
	text_table_set_trunc(&t, 1);
	text_table_set_trunc(&t, 4);
	for (size_t i = 0; i < o->nholders; i++) {
		const struct ipc_holder *h = &o->holders[i];
		char pid[24], fd[24];
		const char *row[5] = {pid, h->comm, fd, access_str(h->access), h->map};

		snprintf(pid, sizeof(pid), "%d", (int)h->pid);
		snprintf(fd, sizeof(fd), "%d", h->fd);
		if (h->fd < 0)
			row[2] = "-";
		text_table_add(&t, row);
	}
	printf("\nHOLDERS\n");
	text_table_print(stdout, &t, 0);
	text_table_release(&t);
}

/* The threads asleep waiting on it: what for, through which fd, since when. */
static void print_waiters(const struct ipc_object *o)
{
	static const char *heads[] = {"PID", "TID", "COMMAND", "WAITS", "SYSCALL", "FD", "DETAIL", "SINCE"};
	static const bool right[] = {true, true, false, false, false, true, false, false};
	struct text_table t;

	text_table_init(&t, 8, heads, right);
	text_table_set_trunc(&t, 2);
	text_table_set_trunc(&t, 6);
	for (size_t i = 0; i < o->nwaiters; i++) {
		const struct ipc_waiter *w = &o->waiters[i];
		char pid[24], tid[24], fd[24], detail[96], since[40];
		const char *row[8] = {pid, tid, w->comm, w->what, w->syscall, fd, detail, since};

		snprintf(pid, sizeof(pid), "%d", (int)w->pid);
		snprintf(tid, sizeof(tid), "%d", (int)w->tid);
		snprintf(fd, sizeof(fd), "%d", w->fd);
		if (w->fd < 0)
			row[5] = "-";
		waiter_detail(w, true, detail, sizeof(detail));
		if (!detail[0])
			row[6] = "-";
		if (w->since > 0) {
			struct col_value v = {.present = true, .i = w->since};
			char tbuf[40];

			/* Local time, as every time of the table. */
			snprintf(since, sizeof(since), "%s",
				 column_text(column_find("CTIME"), &v, false, tbuf, sizeof(tbuf)));
		} else {
			row[7] = "-";
		}
		text_table_add(&t, row);
	}
	printf("\nWAITERS\n");
	text_table_print(stdout, &t, 0);
	text_table_release(&t);
}

int cmd_show(int argc, char **argv)
{
	enum { OPT_ROOT = 256, OPT_KEYPATH };
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'J'},  {"bytes", no_argument, NULL, 'b'},
		{"root", required_argument, NULL, OPT_ROOT}, {"help", no_argument, NULL, 'h'},
		{"namespace", required_argument, NULL, 'N'},
		{"key-path", required_argument, NULL, OPT_KEYPATH},
		OUTOPTS_LONG,
		{NULL, 0, NULL, 0},
	};
	const char *root = NULL, *ref, *key_paths[FTOK_MAX_KEY_PATHS];
	size_t nkey_paths = 0;
	struct ipc_object *found = NULL;
	struct snapshot snap;
	unsigned kinds = KINDS_ALL;
	size_t nfound = 0;
	bool json = false, bytes = false;
	int c, rc, k;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":JbN:h" OUTOPTS_SHORT, opts, NULL)) != -1) {
		int h = outopts_handle("show", c, optarg);

		if (h < 0)
			return -h;
		if (h)
			continue;
		switch (c) {
		case 'J':
			json = true;
			break;
		case 'b':
			bytes = true;
			break;
		case OPT_ROOT:
			root = optarg;
			break;
		case 'N':
			scan_select_namespace(optarg);
			break;
		case OPT_KEYPATH:
			if (nkey_paths >= FTOK_MAX_KEY_PATHS)
				return usage_error("show", "at most %d --key-path", FTOK_MAX_KEY_PATHS);
			key_paths[nkey_paths++] = optarg;
			break;
		case 'h':
			help();
			return 0;
		case ':':
			return usage_error("show", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("show", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind == 2) {
		k = kind_by_name(argv[optind]);
		if (k < 0)
			return usage_error("show", "unknown kind '%s'", argv[optind]);
		kinds = KIND_BIT(k);
		ref = argv[optind + 1];
	} else if (argc - optind == 1 && strchr(argv[optind], ':')) {
		char word[32];
		size_t n = strcspn(argv[optind], ":");

		snprintf(word, sizeof(word), "%.*s", (int)(n < 31 ? n : 31), argv[optind]);
		k = kind_by_name(word);
		if (k < 0)
			return usage_error("show", "unknown kind '%s' in identity '%s'", word, argv[optind]);
		kinds = KIND_BIT(k);
		ref = argv[optind];
	} else {
		return usage_error("show", "expected KIND and ID|KEY|NAME, or an IDENTITY");
	}

	rc = scan_snapshot(root, kinds, SCAN_ALL_NS, &snap);
	if (rc)
		goto out;
	/* A key or id may name several objects (IPC_PRIVATE segments share key 0, and every IPC
	 * namespace numbers its ids from 0): show, like rm, refuses to pick one. */
	for (size_t i = 0; i < snap.nobjs; i++)
		if ((kinds & KIND_BIT(snap.objs[i]->kind)) && object_matches_ref(snap.objs[i], ref)) {
			if (!found)
				found = snap.objs[i];
			nfound++;
		}
	if (nfound != 1) {
		print_scan_errors(&snap);
		if (nfound)
			rc = error("'%s' names %zu %s objects; give the id or identity", ref, nfound,
				   kind_name((enum ipc_kind)__builtin_ctz(kinds)));
		else
			rc = error("no %s object '%s'", kind_name((enum ipc_kind)__builtin_ctz(kinds)), ref);
		goto out;
	}
	ftok_find_sources(&snap, root, &found, 1, key_paths, nkey_paths);
	if (json) {
		json_t *doc = json_document(&snap);

		rc = json_print_objects(stdout, doc, &found, 1) < 0 ? write_failed() : 0;
		json_decref(doc);
	} else {
		print_fields(found, bytes);
		print_ftok(found);
		if (obj_ipc(found)->sems && found->kind == KIND_SYSV_SEM)
			print_sems(found);
		if (found->nholders)
			print_holders(found);
		if (found->nwaiters)
			print_waiters(found);
		if (found->flags & OBJ_DEADLOCK) {
			printf("\nDEADLOCK\n");
			print_deadlocks(stdout, "cycle:", &snap, found);
		}
	}
	print_scan_errors(&snap);
out:
	snapshot_release(&snap);
	return rc;
}
