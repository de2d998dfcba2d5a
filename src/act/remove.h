/* remove.h - the kernel's own removal of SysV objects (IPC_RMID), shared by `ipcrm`, `rm` and
 * `clean`, and the read-permission probe that decides which objects a caller may touch.
 *
 * Both talk to the running kernel by id, so they only make sense on the live system (never
 * under --root). They print nothing: callers turn the -errno into their own message. */
#ifndef IPCSCOPE_REMOVE_H
#define IPCSCOPE_REMOVE_H

#include "core/object.h"

/* Remove the SysV object id of kind (msgctl/shmctl/semctl IPC_RMID). A segment that is
 * still attached is only marked for destruction by the kernel; that counts as success.
 * Returns 0, or -errno: -EINVAL (no such id, or kind is not SysV), -EPERM (not owner,
 * creator or privileged), -EIDRM. */
int sysv_remove(enum ipc_kind kind, int id);

/* IPC_STAT on the object, result discarded: 0 when the caller may read it, else -errno
 * (-EACCES without read permission, -EINVAL when there is no such id). util-linux walks the
 * tables with *_STAT calls, which skip what the caller may not read; this is that test. */
int sysv_readable(enum ipc_kind kind, int id);

#endif
