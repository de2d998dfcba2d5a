/* fdkind.c - the columns of the eventfd, signalfd and signal kinds. */
#include "core/fdkind.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/object.h"

void sigset_names(uint64_t set, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (int sig = 1; sig <= 64 && n < len; sig++) {
		const char *abbrev = sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;
		char name[24];

		if (!(set & (1ULL << (sig - 1))))
			continue;
		if (abbrev)
			snprintf(name, sizeof(name), "SIG%s", abbrev);
		else if (sig == SIGRTMIN)
			snprintf(name, sizeof(name), "SIGRTMIN");
		else if (sig == SIGRTMAX)
			snprintf(name, sizeof(name), "SIGRTMAX");
		else if (sig > SIGRTMIN && sig < SIGRTMAX)
			snprintf(name, sizeof(name), "SIGRTMIN+%d", sig - SIGRTMIN);
		else
			snprintf(name, sizeof(name), "SIG%d", sig);
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", name);
	}
	if (n >= len && len > 4)
		snprintf(buf + len - 4, 4, "...");
}

static void set_int(struct col_value *v, int64_t i)
{
	v->present = true;
	v->i = i;
}

static void set_names(struct col_value *v, uint64_t set)
{
	sigset_names(set, v->buf, sizeof(v->buf));
	v->present = true;
	v->s = v->buf;
}

void fdk_get_efd_id(const struct ipc_object *o, struct col_value *v)
{
	if (obj_fdk(o)->has_id)
		set_int(v, (int64_t)obj_fdk(o)->id);
}

void fdk_get_count(const struct ipc_object *o, struct col_value *v)
{
	/* The counter is at most 2^64 - 2; a JSON integer holds what programs use. */
	if (obj_fdk(o)->has_count && obj_fdk(o)->count <= INT64_MAX)
		set_int(v, (int64_t)obj_fdk(o)->count);
}

void fdk_get_semaphore(const struct ipc_object *o, struct col_value *v)
{
	if (obj_fdk(o)->has_semaphore)
		set_int(v, obj_fdk(o)->semaphore);
}

void fdk_get_sigmask(const struct ipc_object *o, struct col_value *v)
{
	if (obj_fdk(o)->has_mask)
		set_names(v, obj_fdk(o)->mask);
}

#define GET_SET(fn, field) \
	void fn(const struct ipc_object *o, struct col_value *v) \
	{ \
		if (obj_fdk(o)->has_sets) \
			set_names(v, obj_fdk(o)->field); \
	}
GET_SET(fdk_get_sigpnd, pnd)
GET_SET(fdk_get_shdpnd, shdpnd)
GET_SET(fdk_get_sigblk, blk)
GET_SET(fdk_get_sigign, ign)
GET_SET(fdk_get_sigcgt, cgt)

void fdk_get_sigq(const struct ipc_object *o, struct col_value *v)
{
	if (obj_fdk(o)->has_sets && obj_fdk(o)->queued >= 0)
		set_int(v, obj_fdk(o)->queued);
}

void fdk_get_sigqlimit(const struct ipc_object *o, struct col_value *v)
{
	if (obj_fdk(o)->has_sets && obj_fdk(o)->qlimit >= 0)
		set_int(v, obj_fdk(o)->qlimit);
}

void fdk_get_sigpid(const struct ipc_object *o, struct col_value *v)
{
	if (obj_fdk(o)->pid.pid > 0)
		set_int(v, obj_fdk(o)->pid.pid);
}

void fdk_get_sigcomm(const struct ipc_object *o, struct col_value *v)
{
	if (obj_fdk(o)->pid.pid > 0 && obj_fdk(o)->pid.comm[0]) {
		v->present = true;
		v->s = obj_fdk(o)->pid.comm;
	}
}
