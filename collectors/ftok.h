/* ftok.h - the probable source of a System V key: a file that gives the key through ftok(3).
 *
 * Run after a scan, only when a command asks (list -o +KEYFILE, --key-path, show): it reads
 * /proc of the few processes each object names, so it is not part of every scan. */
#ifndef IPCSCOPE_COLLECTORS_FTOK_H
#define IPCSCOPE_COLLECTORS_FTOK_H

#include <stddef.h>

#include "../src/core/snapshot.h"

#define FTOK_MAX_KEY_PATHS 16
#define FTOK_PIDS       16     /* processes examined per object */
#define FTOK_PROC_FILES 1024   /* fds, and cwd entries, examined per process */
#define FTOK_PATH_DEPTH 4      /* directory levels below a --key-path DIR */
#define FTOK_PATH_FILES 20000  /* entries examined per --key-path DIR */

/* For each SysV object of objs[0..n) whose key ftok could have made, look for a file that
 * gives that key with the key's own proj byte, in this order: for each process the object
 * names (creator, last pids, semaphore pids, then holders; only those alive) its open files,
 * its working directory, its executable and the entries of its working directory; then
 * everything under each of key_paths[0..nkey_paths) (nothing under it followed: lstat, no
 * file opened but directories, with O_NOFOLLOW). Fills o->keyfile; the first file found is
 * the source, the others are counted. Processes are read only on the live system (root NULL
 * or "/"). Errors (a DIR that cannot be read, bounds reached, processes not readable) go to
 * snap under the source "ftok". */
void ftok_find_sources(struct snapshot *snap, const char *root, struct ipc_object *const *objs,
		       size_t n, const char *const *key_paths, size_t nkey_paths);

#endif
