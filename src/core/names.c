/* names.c - uid/gid to names. A scan names the same few owners thousands of times, so
 * each id is asked of NSS once. The server's requests name owners too (?q= evaluates
 * OWNER on their threads while the scan thread names new ones), so the caches are behind
 * a lock; a name, once cached, never moves or goes. */
#include "core/names.h"

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

struct id_name {
	unsigned id;
	char *name; /* NULL: the id has no name */
};

struct id_cache {
	struct id_name *v;
	size_t n, cap;
};

static struct id_cache users, groups;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *cache_find(struct id_cache *c, unsigned id, bool *found)
{
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].id == id) {
			*found = true;
			return c->v[i].name;
		}
	}
	*found = false;
	return NULL;
}

static const char *cache_put(struct id_cache *c, unsigned id, const char *name)
{
	xgrow((void **)&c->v, &c->cap, c->n + 1, sizeof(*c->v));
	c->v[c->n].id = id;
	c->v[c->n].name = name ? xstrdup(name) : NULL;
	return c->v[c->n++].name;
}

const char *user_name(uid_t uid)
{
	bool found;
	const char *n;
	struct passwd *pw;

	pthread_mutex_lock(&cache_lock);
	n = cache_find(&users, uid, &found);
	if (!found) {
		pw = getpwuid(uid);
		n = cache_put(&users, uid, pw ? pw->pw_name : NULL);
	}
	pthread_mutex_unlock(&cache_lock);
	return n;
}

const char *group_name(gid_t gid)
{
	bool found;
	const char *n;
	struct group *gr;

	pthread_mutex_lock(&cache_lock);
	n = cache_find(&groups, gid, &found);
	if (!found) {
		gr = getgrgid(gid);
		n = cache_put(&groups, gid, gr ? gr->gr_name : NULL);
	}
	pthread_mutex_unlock(&cache_lock);
	return n;
}

int user_lookup(const char *s, uid_t *uid)
{
	uint64_t v;
	struct passwd *pw;

	if (parse_u64(s, &v) == 0 && v <= (uid_t)-1) {
		*uid = (uid_t)v;
		return 0;
	}
	pw = getpwnam(s);
	if (!pw)
		return -ENOENT;
	*uid = pw->pw_uid;
	return 0;
}
