/* names.h - uid and gid to names, cached for the life of the process. */
#ifndef IPCSCOPE_NAMES_H
#define IPCSCOPE_NAMES_H

#include <sys/types.h>

/* Borrowed string; NULL when the id has no name. */
const char *user_name(uid_t uid);
const char *group_name(gid_t gid);
/* Resolve a user name or numeric uid. 0 or -ENOENT. */
int user_lookup(const char *s, uid_t *uid);

#endif
