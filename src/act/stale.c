/* stale.c - the pieces every stale rule is made of, and the dispatch to each kind's rule. */
#include "act/stale.h"

#include "act/ops.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/columns.h"
#include "core/kinds.h"
#include "core/util.h"

void evidence_init(struct evidence *e)
{
	if (!e)
		return;
	e->text[0] = '\0';
	e->len = 0;
}

void evidence_add(struct evidence *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!e || e->len >= sizeof(e->text) - 1)
		return;
	if (e->len) {
		n = snprintf(e->text + e->len, sizeof(e->text) - e->len, "; ");
		e->len += (size_t)n;
		if (e->len >= sizeof(e->text)) {
			e->len = sizeof(e->text) - 1;
			return;
		}
	}
	va_start(ap, fmt);
	n = vsnprintf(e->text + e->len, sizeof(e->text) - e->len, fmt, ap);
	va_end(ap);
	e->len += n > 0 ? (size_t)n : 0;
	if (e->len >= sizeof(e->text))
		e->len = sizeof(e->text) - 1;
}

void stale_ctx_init(struct stale_ctx *c, int64_t now)
{
	memset(c, 0, sizeof(*c));
	c->now = now;
	c->older_than = DEFAULT_OLDER_THAN;
}

bool pid_gone(const struct pid_ref *p, int64_t at)
{
	if (p->pid <= 0 || p->gone || p->zombie)
		return true;
	return p->start > 0 && at > 0 && p->start > at;
}

bool pid_ref_gone(const char *role, const struct pid_ref *p, int64_t at, struct evidence *ev)
{
	if (p->pid <= 0) {
		evidence_add(ev, "%s: none recorded", role);
		return true;
	}
	if (p->gone) {
		evidence_add(ev, "%s %d gone", role, (int)p->pid);
		return true;
	}
	if (p->zombie) {
		evidence_add(ev, "%s %d (%s) a zombie: exited, not yet reaped", role, (int)p->pid, p->comm);
		return true;
	}
	if (pid_gone(p, at)) {
		evidence_add(ev, "%s %d recycled (now %s, started after the object last saw it)", role,
			     (int)p->pid, p->comm[0] ? p->comm : "?");
		return true;
	}
	evidence_add(ev, "%s %d (%s) alive", role, (int)p->pid, p->comm);
	return false;
}

bool holders_none(const struct ipc_object *o, struct evidence *ev)
{
	if (o->nholders == 0)
		return true;
	for (size_t i = 0; i < o->nholders; i++) {
		const struct ipc_holder *h = &o->holders[i];
		if (h->fd >= 0)
			evidence_add(ev, "held by %d (%s) fd %d %s", (int)h->pid, h->comm, h->fd,
				     access_str(h->access));
		else
			evidence_add(ev, "mapped by %d (%s) %s", (int)h->pid, h->comm, access_str(h->access));
	}
	return false;
}

/* The evidence names the moment, not a running count of seconds, so that it reads the same
 * in every scan until something happens (the server's ETags and events depend on that). */
bool idle_for(const struct ipc_object *o, int64_t last, const struct stale_ctx *c,
	      struct evidence *ev)
{
	char when[40];

	(void)o;
	if (last <= 0) {
		evidence_add(ev, "no activity recorded");
		return true;
	}
	if (!ev)
		return c->now - last >= c->older_than;
	format_time_utc(last, when, sizeof(when));
	if (c->now - last < c->older_than) {
		evidence_add(ev, "active at %s, within --older-than %llds", when, (long long)c->older_than);
		return false;
	}
	evidence_add(ev, "no activity since %s (--older-than %llds)", when, (long long)c->older_than);
	return true;
}

/* A process asleep on the object uses it, whatever the kind's rule says: removing it would
 * wake it with EIDRM or leave it asleep forever. */
static bool waited_on(const struct ipc_object *o, struct evidence *ev)
{
	for (size_t i = 0; i < o->nwaiters; i++)
		evidence_add(ev, "waited on by %d (%s, %s)", (int)o->waiters[i].pid, o->waiters[i].comm,
			     o->waiters[i].what ? o->waiters[i].what : "?");
	return o->nwaiters > 0;
}

bool object_is_stale(const struct ipc_object *o, const struct stale_ctx *c, struct evidence *ev)
{
	const struct kind_info *ki = kind_info(o->kind);
	const struct kind_ops *ops = kind_ops_of(o->kind);

	evidence_init(ev);
	if (waited_on(o, ev))
		return false;
	if (!ops || !ops->stale) {
		evidence_add(ev, "%s objects are never stale: %s", ki->name, ki->stale_rule);
		return false;
	}
	return ops->stale(o, c, ev);
}

bool object_in_use(const struct ipc_object *o, struct evidence *ev)
{
	const struct kind_ops *ops = kind_ops_of(o->kind);
	bool waited;

	evidence_init(ev);
	waited = waited_on(o, ev);
	if (!ops || !ops->in_use)
		return !holders_none(o, ev) || waited;
	return ops->in_use(o, ev) || waited;
}

int parse_duration(const char *s, int64_t *seconds)
{
	static const struct { char unit; int64_t mult; } units[] = {
		{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800},
	};
	char num[32];
	size_t n = strlen(s);
	int64_t mult = 1, v;

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n + 1);
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (num[n - 1] == units[i].unit) {
			mult = units[i].mult;
			num[--n] = '\0';
			break;
		}
	}
	if (parse_i64(num, &v) < 0 || v < 0 || v > INT64_MAX / mult)
		return -EINVAL;
	*seconds = v * mult;
	return 0;
}
