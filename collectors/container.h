/* container.h - which container a process belongs to, and the pid it has inside.
 *
 * Pure parsers of text the caller has read (/proc/PID/cgroup, /proc/PID/status), so that
 * fixture trees under --root exercise every runtime's layout; nothing asks a container
 * runtime's API. The one live query is uts_hostname, made only when the root is the
 * running system. The layouts recognised are the table in container.c. */
#ifndef IPCSCOPE_CONTAINER_H
#define IPCSCOPE_CONTAINER_H

#include <stddef.h>
#include <sys/types.h>

#include "core/ns.h"

/* struct container is core/ns.h's: the snapshot holds one for each container found. */

/* Parse the text of /proc/PID/cgroup (cgroup v1 lines "N:controllers:/path", v2 "0::/path",
 * hybrid mixes). Returns 1 with *c filled when a container is recognised, 0 when the
 * process is in none (host services, user sessions, a runtime's monitor process), -EINVAL
 * when no line has the form N:X:/path (a line with a NUL byte or over 4096 bytes is not of
 * that form; such lines among good ones are ignored). Never reads past text[len]; the text
 * may lack a final newline. *c is zeroed first in every case. */
int container_from_cgroup(const char *text, size_t len, struct container *c);

/* container_short_id is core/ns.h's: renderers need it too. */

/* From the text of /proc/PID/status, the NSpid line ("NSpid:\t4242\t17\t1"): *inner = the
 * last value (the pid in the innermost pid namespace), *levels = how many values. Returns 0;
 * -ENOENT when there is no NSpid line (kernels before 4.1); -EINVAL when it is malformed
 * (not a number, no value, a value 0 or negative, overflow, a second NSpid line). The
 * outputs are written only on success. */
int nspid_parse(const char *text, size_t len, pid_t *inner, int *levels);

/* The hostname of the UTS namespace of process pid on the live system: a short-lived thread
 * that does nothing else opens /proc/PID/ns/uts, joins it with setns(CLONE_NEWUTS) and calls
 * uname(). The calling thread's namespaces never change. 0, or -errno: -EPERM without
 * CAP_SYS_ADMIN, -ENOENT/-ESRCH when the process is gone, -ENAMETOOLONG when the name does
 * not fit in buf (buf is then ""), -EINVAL for pid <= 0 or len 0. */
int uts_hostname(pid_t pid, char *buf, size_t len);

#endif
