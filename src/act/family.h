/* family.h - objects made together, which rm and clean never split.
 *
 * A program that dies often leaves several objects that only make sense together: when one
 * is removed and the others stay, the program may no longer find and remove the rest (a
 * PostgreSQL killed with -9 leaves its SysV segment and its /dev/shm/PostgreSQL.* files; at
 * restart it finds its old dynamic segments through the SysV one). Such objects form a
 * family: clean removes a family whole or not at all, rm refuses to take part of one. */
#ifndef IPCSCOPE_FAMILY_H
#define IPCSCOPE_FAMILY_H

#include <stddef.h>

#include "core/snapshot.h"

/* The family of every object of snap, an array parallel to snap->objs (NULL where an
 * object is in none; free it with families_free), from:
 *   - a pattern of a program the table in family.c knows: its POSIX objects by name
 *     prefix, and the SysV segments of the same owner ("postgresql:uid=106");
 *   - else the process that created it, for SysV segments ("creator:ns=I:pid=N:start=T").
 * One pass over the objects finds the owners of each program's files, one more names the
 * families: clean at the kernel's limits has tens of thousands of objects. */
char **families_of(const struct snapshot *snap);
void families_free(char **f, size_t n);

#endif
