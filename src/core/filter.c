/* filter.c - matching objects against what the user asked for. */
#include "core/filter.h"

#include <errno.h>
#include <string.h>

#include "core/util.h"

static bool pid_matches(const struct ipc_object *o, pid_t pid)
{
	if (obj_ipc(o)->cpid.pid == pid || obj_ipc(o)->lpid.pid == pid || obj_ipc(o)->lspid.pid == pid ||
	    obj_ipc(o)->lrpid.pid == pid || obj_ipc(o)->notify_pid.pid == pid || obj_fdk(o)->pid.pid == pid)
		return true;
	for (int64_t i = 0; obj_ipc(o)->sems && i < obj_ipc(o)->nsems; i++)
		if (obj_ipc(o)->sems[i].pid.pid == pid)
			return true;
	for (size_t i = 0; i < o->nholders; i++)
		if (o->holders[i].pid == pid)
			return true;
	return false;
}

bool filter_match(const struct filter *f, const struct ipc_object *o)
{
	if (f->kinds && !(f->kinds & KIND_BIT(o->kind)))
		return false;
	if (f->has_uid && !((o->has_owner && o->uid == f->uid) ||
			    (obj_ipc(o)->has_creator_ids && obj_ipc(o)->cuid == f->uid)))
		return false;
	if (f->has_key && !(o->has_key && o->key == f->key))
		return false;
	if (f->has_pid || f->npids) {
		bool any = f->has_pid && pid_matches(o, f->pid);

		for (size_t i = 0; i < f->npids && !any; i++)
			any = pid_matches(o, f->pids[i]);
		if (!any)
			return false;
	}
	return true;
}

int parse_key(const char *s, uint32_t *key)
{
	uint64_t v;
	int64_t neg;

	if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2)) {
		if (parse_u64_base(s + 2, 16, &v) < 0 || s[2] == '\0' || v > UINT32_MAX)
			return -EINVAL;
	} else if (s[0] == '-') {
		if (parse_i64(s, &neg) < 0 || neg < INT32_MIN)
			return -EINVAL;
		v = (uint32_t)(int32_t)neg;
	} else if (parse_u64(s, &v) < 0 || v > UINT32_MAX) {
		return -EINVAL;
	}
	*key = (uint32_t)v;
	return 0;
}

bool object_matches_ref(const struct ipc_object *o, const char *ref)
{
	uint64_t n;
	uint32_t key;

	if (!strcmp(o->identity, ref))
		return true;
	if (o->name && (!strcmp(o->name, ref) || (o->name[0] == '/' && !strcmp(o->name + 1, ref))))
		return true;
	if (!strncmp(ref, "0x", 2) || !strncmp(ref, "0X", 2))
		return o->has_key && parse_key(ref, &key) == 0 && o->key == key;
	if (parse_u64(ref, &n) == 0) {
		if (o->id >= 0)
			return (uint64_t)o->id == n;
		return o->inode == n;
	}
	return false;
}
