/* json_check.h - what the JSON emitter's differential tests share (tests/unit/test_jsonw.c
 * and tests/fuzz/fuzz_json_emitter.c): objects made from arbitrary bytes, and the check
 * that the streaming writer prints for an object exactly what jansson prints for the tree
 * json_of_object builds, and that jansson reads that text back as the same document.
 *
 * Header-only (static functions) so that both the cmocka program and the harness include
 * it without another library. */
#ifndef IPCSCOPE_JSON_CHECK_H
#define IPCSCOPE_JSON_CHECK_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/ns.h"
#include "core/object.h"
#include "core/util.h"
#include "render/json.h"
#include "render/json_emit.h"

/* The flags every output uses: the CLI's two and the server's (no real precision). */
static const size_t json_check_flags[] = {
	JSON_OUT_PRETTY,
	JSON_OUT_COMPACT,
	JSON_COMPACT | JSON_PRESERVE_ORDER,
	JSON_INDENT(3) | JSON_PRESERVE_ORDER,
	JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4),
};
#define JSON_CHECK_NFLAGS (sizeof(json_check_flags) / sizeof(json_check_flags[0]))

/* Bytes read one at a time; zeros once they run out, so any input makes an object. */
struct byte_src {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t src_u8(struct byte_src *b)
{
	if (!b->n)
		return 0;
	b->n--;
	return *b->p++;
}

static inline uint64_t src_u64(struct byte_src *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | src_u8(b);
	return v;
}

/* A number as the object's fields hold them, biased to the edges: absent (-1), zero,
 * small, the int64 limits, and anything. */
static inline int64_t src_num(struct byte_src *b)
{
	switch (src_u8(b) & 7) {
	case 0: return -1;
	case 1: return 0;
	case 2: return src_u8(b);
	case 3: return INT64_MAX;
	case 4: return INT64_MIN;
	case 5: return (int64_t)(src_u64(b) >> (src_u8(b) & 63));
	default: return (int64_t)src_u64(b);
	}
}

/* Text of up to max bytes (NUL-terminated into buf): any bytes but NUL, or valid UTF-8 of
 * one to four bytes per character, or one of a few words. */
static inline void src_text(struct byte_src *b, char *buf, size_t max)
{
	size_t len = src_u8(b) % (max + 1), i = 0;
	uint8_t mode = src_u8(b) & 3;

	while (i < len) {
		uint8_t c = src_u8(b);

		if (mode == 1 && c >= 0x80) {
			/* A valid sequence: U+0080..U+10FFFF, no surrogates. */
			uint32_t cp = (uint32_t)(src_u64(b) % 0x10ff80) + 0x80;

			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			if (cp < 0x800 && i + 2 <= len) {
				buf[i++] = (char)(0xc0 | cp >> 6);
				buf[i++] = (char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000 && i + 3 <= len) {
				buf[i++] = (char)(0xe0 | cp >> 12);
				buf[i++] = (char)(0x80 | (cp >> 6 & 0x3f));
				buf[i++] = (char)(0x80 | (cp & 0x3f));
			} else if (i + 4 <= len) {
				buf[i++] = (char)(0xf0 | cp >> 18);
				buf[i++] = (char)(0x80 | (cp >> 12 & 0x3f));
				buf[i++] = (char)(0x80 | (cp >> 6 & 0x3f));
				buf[i++] = (char)(0x80 | (cp & 0x3f));
			} else {
				buf[i++] = 'x';
			}
		} else if (mode == 2) {
			buf[i++] = (char)(0x20 + c % 0x5f); /* printable ASCII, '"' '\\' '/' too */
		} else {
			buf[i++] = c ? (char)c : '\x01';
		}
	}
	buf[i] = '\0';
}

static inline char *src_str(struct byte_src *b, size_t max)
{
	char buf[256];

	src_text(b, buf, max < sizeof(buf) - 1 ? max : sizeof(buf) - 1);
	return xstrdup(buf);
}

/* A string a collector points to and does not own (static in ipcscope). */
static inline const char *src_static(struct byte_src *b)
{
	static const char *const words[] = {NULL, "stream", "listen", "posix", "read",
					    "\xff" "bad", "a\"b\\c/d\n", "", "\xc3\xa9t\xc3\xa9"};

	return words[src_u8(b) % (sizeof(words) / sizeof(words[0]))];
}

static inline void src_pid(struct byte_src *b, struct pid_ref *p)
{
	uint8_t f = src_u8(b);

	p->pid = f & 1 ? (pid_t)src_num(b) : (pid_t)(f >> 4);
	src_text(b, p->comm, COMM_LEN - 1);
	p->gone = f & 2;
	p->zombie = f & 4;
	p->nspid = f & 8 ? (pid_t)src_num(b) : 0;
}

/* Containers objects and holders point to; freed with the objects by the caller. */
struct json_check_pool {
	struct container c[4];
};

static inline void src_containers(struct byte_src *b, struct json_check_pool *pool)
{
	for (size_t i = 0; i < 4; i++) {
		struct container *c = &pool->c[i];

		src_text(b, c->runtime, sizeof(c->runtime) - 1);
		src_text(b, c->id, 40);
		src_text(b, c->pod, sizeof(c->pod) - 1);
		src_text(b, c->name, 40);
	}
}

static inline const struct container *src_cont(struct byte_src *b,
					       const struct json_check_pool *pool)
{
	uint8_t c = src_u8(b) % 6;

	return c < 4 ? &pool->c[c] : NULL;
}

/* One object, every field of it from the bytes, whatever its kind. */
static inline struct ipc_object *src_object(struct byte_src *b, const struct json_check_pool *pool)
{
	static const uid_t uids[] = {0, 1, 65534, 4294967295u, 12345};
	struct ipc_object *o;
	char ident[128];
	uint8_t f;
	size_t n;

	src_text(b, ident, sizeof(ident) - 1);
	o = object_new((enum ipc_kind)(src_u8(b) % KIND__COUNT), ident);
	o->ns = src_u8(b) & 1 ? (uint64_t)src_u64(b) : 0;
	o->cont = src_cont(b, pool);
	o->dev = src_u8(b) & 1 ? src_u64(b) : 0;
	o->id = src_num(b);
	f = src_u8(b);
	o->has_key = f & 1;
	o->key = (uint32_t)src_u64(b);
	if (f & 2)
		o->name = src_str(b, 80);
	o->inode = f & 4 ? src_u64(b) : 0;
	o->has_owner = f & 8;
	o->uid = uids[src_u8(b) % 5];
	o->gid = uids[src_u8(b) % 5];
	o->owner_uid_only = f & 16;
	obj_ipc_mut(o)->has_creator_ids = f & 32;
	obj_ipc_mut(o)->cuid = uids[src_u8(b) % 5];
	obj_ipc_mut(o)->cgid = uids[src_u8(b) % 5];
	o->has_mode = f & 64;
	o->mode = (uint32_t)src_u64(b);
	o->flags = src_u8(b);
	if (f & 128)
		o->partial = src_str(b, 60);
	o->size = src_num(b);
	o->used_bytes = src_num(b);
	obj_ipc_mut(o)->messages = src_num(b);
	obj_ipc_mut(o)->max_messages = src_num(b);
	obj_ipc_mut(o)->msgsize = src_num(b);
	obj_ipc_mut(o)->nattch = src_num(b);
	obj_ipc_mut(o)->rss = src_num(b);
	obj_ipc_mut(o)->swap = src_num(b);
	obj_ipc_mut(o)->blocks = src_num(b);
	obj_ipc_mut(o)->seals = src_num(b);
	o->ctime = src_num(b);
	obj_ipc_mut(o)->atime = src_num(b);
	obj_ipc_mut(o)->dtime = src_num(b);
	obj_ipc_mut(o)->mtime = src_num(b);
	obj_ipc_mut(o)->stime = src_num(b);
	obj_ipc_mut(o)->rtime = src_num(b);
	obj_ipc_mut(o)->otime = src_num(b);
	src_pid(b, &obj_ipc_mut(o)->cpid);
	src_pid(b, &obj_ipc_mut(o)->lpid);
	src_pid(b, &obj_ipc_mut(o)->lspid);
	src_pid(b, &obj_ipc_mut(o)->lrpid);
	n = src_u8(b) % 6;
	if (n) {
		obj_ipc_mut(o)->sems = xcalloc(n, sizeof(*obj_ipc_mut(o)->sems));
		obj_ipc_mut(o)->nsems = (int64_t)n;
		for (size_t i = 0; i < n; i++) {
			obj_ipc(o)->sems[i].value = (int)src_num(b);
			obj_ipc(o)->sems[i].ncount = (int)src_num(b);
			obj_ipc(o)->sems[i].zcount = (int)src_num(b);
			src_pid(b, &obj_ipc(o)->sems[i].pid);
		}
	} else if (src_u8(b) & 1) {
		obj_ipc_mut(o)->nsems = 0;
	}
	obj_ipc_mut(o)->notify = src_num(b);
	obj_ipc_mut(o)->signo = src_num(b);
	src_pid(b, &obj_ipc_mut(o)->notify_pid);
	o->sock_type = (char *)src_static(b);
	o->state = (char *)src_static(b);
	f = src_u8(b);
	if (f & 1)
		o->local = src_str(b, 100);
	if (f & 2)
		o->peer = src_str(b, 100);
	o->peer_inode = f & 4 ? src_u64(b) : 0;
	o->rqueue = src_num(b);
	o->wqueue = src_num(b);
	o->pending = src_num(b);
	o->backlog = src_num(b);
	obj_lock_mut(o)->type = src_static(b);
	obj_lock_mut(o)->mode = src_static(b);
	obj_lock_mut(o)->mandatory = f & 8;
	obj_lock_mut(o)->state = src_static(b);
	obj_lock_mut(o)->start = src_num(b);
	obj_lock_mut(o)->end = src_num(b);
	src_pid(b, &obj_lock_mut(o)->pid);
	n = src_u8(b) % 4;
	if (n) {
		obj_lock_mut(o)->blocked = xcalloc(n, sizeof(*obj_lock_mut(o)->blocked));
		obj_lock_mut(o)->nblocked = n;
		for (size_t i = 0; i < n; i++)
			src_pid(b, &obj_lock(o)->blocked[i]);
	}
	obj_lock_mut(o)->nwaiting = src_num(b);
	f = src_u8(b);
	obj_fdk_mut(o)->has_id = f & 1;
	obj_fdk_mut(o)->id = src_u64(b);
	obj_fdk_mut(o)->has_count = f & 2;
	obj_fdk_mut(o)->count = src_u64(b);
	obj_fdk_mut(o)->has_semaphore = f & 4;
	obj_fdk_mut(o)->semaphore = f & 8;
	obj_fdk_mut(o)->has_mask = f & 16;
	obj_fdk_mut(o)->mask = src_u64(b);
	obj_fdk_mut(o)->has_sets = f & 32;
	obj_fdk_mut(o)->pnd = src_u64(b);
	obj_fdk_mut(o)->shdpnd = src_u64(b);
	obj_fdk_mut(o)->blk = src_u64(b);
	obj_fdk_mut(o)->ign = src_u64(b);
	obj_fdk_mut(o)->cgt = src_u64(b);
	obj_fdk_mut(o)->queued = src_num(b);
	obj_fdk_mut(o)->qlimit = src_num(b);
	src_pid(b, &obj_fdk_mut(o)->pid);
	n = src_u8(b) % 5;
	for (size_t i = 0; i < n; i++) {
		char comm[COMM_LEN], map[64];
		struct ipc_holder *h;

		src_text(b, comm, COMM_LEN - 1);
		f = src_u8(b);
		if (f & 1)
			src_text(b, map, sizeof(map) - 1);
		h = object_add_holder(o, (pid_t)src_num(b), comm, f & 2 ? -1 : (int)src_num(b),
				      f >> 2 & 3, f & 1 ? map : NULL);
		h->nspid = f & 16 ? (pid_t)src_num(b) : 0;
		h->cont = src_cont(b, pool);
	}
	n = src_u8(b) % 4;
	for (size_t i = 0; i < n; i++) {
		struct ipc_waiter w = {0};

		w.pid = (pid_t)src_num(b);
		w.tid = src_u8(b) & 1 ? w.pid : (pid_t)src_num(b);
		src_text(b, w.comm, COMM_LEN - 1);
		w.what = src_static(b);
		w.syscall = src_static(b);
		w.state = (char)src_u8(b);
		w.since = src_num(b);
		w.fd = (int)src_num(b);
		w.semnum = (int)src_num(b);
		w.semop = (int)src_num(b);
		f = src_u8(b);
		w.has_msgtyp = f & 1;
		w.msgtyp = src_num(b);
		w.addr = f & 2 ? src_u64(b) : 0;
		w.several = f & 4;
		object_add_waiter(o, &w);
	}
	return o;
}

/* 0 when the writer's text of o is jansson's dump of tree (json_of_object(o)) with flags,
 * byte for byte, and (parse_back) parses back to the tree; otherwise -1 with both texts
 * printed to stderr. The tree is built once by the caller and dumped under every flag set.
 * Once the bytes are jansson's, parsing them back tests jansson's own round trip, not the
 * writer: the fuzz harness leaves it to test_jsonw, which does it for every object. */
static inline int json_check_tree(const struct ipc_object *o, json_t *tree, size_t flags,
				  bool parse_back)
{
	struct jsonw w;
	char *want = json_dumps(tree, flags);
	json_t *back = NULL, *want_back = NULL;
	json_error_t err;
	int rc = 0;

	jsonw_init(&w, flags, 0);
	json_emit_object(&w, o);
	if (!want || w.len != strlen(want) || memcmp(w.p, want, w.len)) {
		fprintf(stderr, "json_check: flags %#zx: %s\njansson: %s\nwriter:  %.*s\n", flags,
			o->identity, want ? want : "(null)", (int)w.len, w.p);
		rc = -1;
		goto out;
	}
	if (!parse_back)
		goto out;
	back = json_loadb(w.p, w.len, 0, &err);
	/* With reals to 17 digits the text gives every double back, so it must parse to the
	 * very tree; with fewer it must parse to what jansson's own text parses to. */
	if (flags >> 11 & 0x1f)
		want_back = json_loads(want, 0, NULL);
	if (!back || !json_equal(back, want_back ? want_back : tree)) {
		fprintf(stderr, "json_check: %s: the writer's text does not parse back (%s)\n",
			o->identity, back ? "differs" : err.text);
		rc = -1;
	}
out:
	json_decref(want_back);
	json_decref(back);
	free(want);
	jsonw_release(&w);
	return rc;
}

/* json_check_tree for one flag set. */
static inline int json_check_object(const struct ipc_object *o, size_t flags, bool parse_back)
{
	json_t *tree = json_of_object(o);
	int rc = json_check_tree(o, tree, flags, parse_back);

	json_decref(tree);
	return rc;
}

/* json_check_tree for every flag set, from one tree. */
static inline int json_check_object_all(const struct ipc_object *o)
{
	json_t *tree = json_of_object(o);
	int rc = 0;

	for (size_t i = 0; i < JSON_CHECK_NFLAGS; i++)
		rc |= json_check_tree(o, tree, json_check_flags[i], true);
	json_decref(tree);
	return rc;
}

#endif
