/* shmfile.h - files of /dev/shm (POSIX shm objects, glibc's named semaphores) read safely.
 *
 * Any local user can write /dev/shm. Whatever is there may be truncated, grown, or swapped
 * for a FIFO, a symlink or a directory between two system calls of ours, so such files are
 * opened so that nothing blocks or leads elsewhere, and read with pread, never mapped:
 * touching a mapping of a file that shrank raises SIGBUS (sem_open + sem_getvalue did), a
 * pread of it only comes back short. */
#ifndef IPCSCOPE_SHMFILE_H
#define IPCSCOPE_SHMFILE_H

#include <stdbool.h>
#include <sys/stat.h>

/* Open name in dirfd for reading, refusing anything that could block or act on open (a
 * FIFO swapped in, a device) or lead elsewhere (a symlink): O_NOFOLLOW, O_NONBLOCK,
 * O_NOCTTY. The fd is returned only for a regular file, with its stat in *st. When want is
 * given, the file must also be that one (device and inode): -ESTALE otherwise. -errno. */
int shmfile_open(int dirfd, const char *name, const struct stat *want, struct stat *st);
/* The semaphore's value from an fd of its file, as sem_getvalue computes it from glibc's
 * layout of sem_t (value in the low 32 bits of the first 8 bytes on 64-bit targets, shifted
 * left by one on 32-bit ones). *waiters tells whether glibc has recorded a waiter. 0;
 * -ENODATA when the file holds fewer bytes than a sem_t; -errno. */
int shmfile_sem_value(int fd, int *value, bool *waiters);

/* Copy exactly size bytes of fd into a new file name of dirfd (mode 0600, never
 * overwriting; fsync'd). -ESTALE when the file is shorter or longer than size by the end
 * (it changed while being copied: the copy is not a backup of anything). 0 or -errno. */
int shmfile_copy(int fd, off_t size, int dirfd, const char *name);

#endif
