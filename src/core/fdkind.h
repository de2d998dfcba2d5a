/* fdkind.h - what columns.c needs of the eventfd, signalfd and signal kinds: their getters
 * and signal sets as names. The objects are made by collectors/fdkinds.c. */
#ifndef IPCSCOPE_FDKIND_H
#define IPCSCOPE_FDKIND_H

#include <stddef.h>
#include <stdint.h>

#include "core/columns.h"

/* Names of the signals in set (bit n-1 for signal n), comma separated: "SIGUSR1,SIGRTMIN+3".
 * Realtime signals are counted from the SIGRTMIN programs see (glibc's, 34: the two below
 * it are its own), as kill -l names them; 32 and 33 are "SIG32", "SIG33". "" for none. */
void sigset_names(uint64_t set, char *buf, size_t len);

void fdk_get_efd_id(const struct ipc_object *o, struct col_value *v);
void fdk_get_count(const struct ipc_object *o, struct col_value *v);
void fdk_get_semaphore(const struct ipc_object *o, struct col_value *v);
void fdk_get_sigmask(const struct ipc_object *o, struct col_value *v);
void fdk_get_sigpnd(const struct ipc_object *o, struct col_value *v);
void fdk_get_shdpnd(const struct ipc_object *o, struct col_value *v);
void fdk_get_sigblk(const struct ipc_object *o, struct col_value *v);
void fdk_get_sigign(const struct ipc_object *o, struct col_value *v);
void fdk_get_sigcgt(const struct ipc_object *o, struct col_value *v);
void fdk_get_sigq(const struct ipc_object *o, struct col_value *v);
void fdk_get_sigqlimit(const struct ipc_object *o, struct col_value *v);
void fdk_get_sigpid(const struct ipc_object *o, struct col_value *v);
void fdk_get_sigcomm(const struct ipc_object *o, struct col_value *v);

#endif
