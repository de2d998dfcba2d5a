/* waiters.h - who waits on what: the threads asleep in a system call that waits on an IPC
 * object, read in the per-process pass (procfd.c calls waiters_read for each process once
 * its fds and mappings are joined) from /proc/PID/task/TID/{stat,syscall,sched}, and joined
 * to the object by the call's arguments.
 *
 * The parsers and the decoding of a call's arguments are pure functions, so that the unit
 * tests can feed them captured and broken lines. */
#ifndef IPCSCOPE_WAITERS_H
#define IPCSCOPE_WAITERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "procfd.h"

/* What a system call does while it sleeps, as far as waiting goes. */
enum wait_call {
	WC_NONE,        /* not a wait this file knows */
	WC_READ,        /* read, readv, pread64, preadv: fd arg 0 */
	WC_WRITE,       /* write, writev, pwrite64, pwritev: fd arg 0 */
	WC_SPLICE,      /* splice: fds args 0 and 2 */
	WC_POLL,        /* poll, ppoll: struct pollfd[arg 1] at arg 0 */
	WC_SELECT,      /* select, pselect6: nfds arg 0, fd_sets at args 1..3 */
	WC_EPOLL,       /* epoll_wait, epoll_pwait, epoll_pwait2: the epoll fd arg 0 */
	WC_RECV,        /* recvfrom, recvmsg, recvmmsg: fd arg 0 */
	WC_SEND,        /* sendto, sendmsg, sendmmsg: fd arg 0 */
	WC_ACCEPT,      /* accept, accept4: fd arg 0 */
	WC_CONNECT,     /* connect: fd arg 0 */
	WC_MSGRCV,      /* msgrcv: msqid arg 0, msgtyp arg 3 */
	WC_MSGSND,      /* msgsnd: msqid arg 0 */
	WC_SEMOP,       /* semop, semtimedop: semid arg 0, struct sembuf[arg 2] at arg 1 */
	WC_MQ_RECV,     /* mq_timedreceive: mqd arg 0 */
	WC_MQ_SEND,     /* mq_timedsend: mqd arg 0 */
	WC_FUTEX,       /* futex: address arg 0, op arg 1 */
	WC_FUTEX_WAITV, /* futex_waitv: struct futex_waitv[arg 1] at arg 0 */
	WC_FLOCK,       /* flock: fd arg 0 */
	WC_FCNTL,       /* fcntl: fd arg 0, a wait only for F_SETLKW and F_OFD_SETLKW */
	WC_CHILD,       /* wait4, waitid: a child, no IPC object */
	WC_SIGNAL,      /* pause, rt_sigsuspend, rt_sigtimedwait: a signal, no IPC object */
	WC_SLEEP,       /* nanosleep, clock_nanosleep: time, no IPC object */
};

struct syscall_def {
	long nr;
	const char *name;
	enum wait_call call;
};

/* The architecture whose numbers were built in ("x86_64", "aarch64"), NULL: none. */
const char *waiters_arch(void);
/* The entry for system call nr, NULL when it is none of the waits. */
const struct syscall_def *waiters_syscall(long nr);

/* The number of the system call name in that table, -1 when it has none (tests build
 * their fixture trees with it, so that they run on any architecture). */
long waiters_syscall_nr(const char *name);

/* One line of /proc/PID/task/TID/syscall. */
enum syscall_state {
	SYSCALL_RUNNING,   /* "running": on a CPU, nothing to say */
	SYSCALL_OUTSIDE,   /* "-1 sp pc": asleep, but not in a system call (a page fault ...) */
	SYSCALL_IN,        /* "nr a1 .. a6 sp pc" */
};
struct syscall_line {
	enum syscall_state state;
	long nr;
	uint64_t args[6];
	uint64_t sp, pc;
};
/* Parse the text of a syscall file (a trailing newline is allowed). 0 or -EINVAL. */
int waiters_parse_syscall(const char *text, struct syscall_line *l);
/* The state (field 3) and command (field 2) of a task's stat text. 0 or -EINVAL. */
int waiters_parse_stat(const char *text, char *state, char *comm, size_t commlen);
/* se.exec_start of a task's sched text (milliseconds on the scheduler's clock, with six
 * decimals) in nanoseconds. 0 or -EINVAL (absent or malformed). */
int waiters_parse_exec_start(const char *text, int64_t *ns);

/* How a waiting call names its object(s). */
enum wait_join {
	WJ_NONE,       /* nothing to join: not an IPC wait */
	WJ_FD,         /* fd */
	WJ_FD2,        /* fd and fd2 (splice) */
	WJ_MSQ,        /* SysV queue id */
	WJ_SEM,        /* SysV set id; the sembufs at ptr, n of them */
	WJ_FUTEX,      /* the address ptr */
	WJ_FUTEXV,     /* n struct futex_waitv at ptr */
	WJ_POLL,       /* n struct pollfd at ptr */
	WJ_SELECT,     /* n fds, the read, write and except sets at ptr, ptr2, ptr3 */
	WJ_EPOLL,      /* the epoll fd: its fdinfo names the fds it watches */
	WJ_LOCK,       /* the file behind fd */
};

struct wait_req {
	const struct syscall_def *def;
	const char *what;      /* the waiter's word; static */
	enum wait_join join;
	int fd, fd2;
	int64_t id;
	bool has_msgtyp;
	int64_t msgtyp;
	uint64_t ptr, ptr2, ptr3;
	uint64_t n;
};
/* What l waits on. 0; -ENOENT when it waits on no object (unknown number, not a wait, a
 * signal or a child, an fcntl that is no lock wait); -EINVAL for arguments no such call
 * can have been given (an fd beyond int, a negative id) . */
int waiters_decode(const struct syscall_line *l, struct wait_req *r);

/* One struct sembuf as the kernel reads it: unsigned short sem_num, short sem_op, sem_flg. */
struct sembuf_raw {
	uint16_t num;
	int16_t op;
	int16_t flg;
};
#define SEMBUF_RAW_SIZE 6
/* Decode n sembufs from bytes. */
void waiters_sembufs(const unsigned char *bytes, size_t n, struct sembuf_raw *out);
/* Which operation of ops makes the semop sleep: the kernel applies them in order to a
 * copy of the values and sleeps on the first that cannot proceed. With the set's values
 * (sems, nsems; NULL when unknown) that one; without, the first that could wait (sem_op
 * <= 0). Its index, or -1 when none could wait. */
int waiters_sem_blocker(const struct sembuf_raw *ops, size_t n, const struct sem_elem *sems,
			int64_t nsems);

/* The IPC namespaces whose processes may sleep on a SysV object, and the clock the pass
 * needs; before any process. */
void waiters_prepare(struct fdscan *fs);
/* The waiting threads of p, joined to what p holds (fs->held_*) and to SysV objects.
 * dbuf: a getdents buffer of WAITERS_DENTS_BUF bytes. */
#define WAITERS_DENTS_BUF (32u << 10)
void waiters_read(struct fdscan *fs, struct proc *p, char *dbuf);
/* After every process. */
void waiters_finish(struct fdscan *fs);

#endif
