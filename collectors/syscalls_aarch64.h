/* syscalls_aarch64.h - the aarch64 numbers of the system calls a thread can sleep in while
 * it waits on an IPC object. arm64 uses the generic table, the kernel's
 * include/uapi/asm-generic/unistd.h (64-bit names: fcntl, not fcntl64). It has no read-only
 * poll, select, epoll_wait or pause: glibc calls ppoll, pselect6, epoll_pwait and
 * rt_sigsuspend there. Included by waiters.c only, when built for aarch64. */
#ifndef IPCSCOPE_SYSCALLS_AARCH64_H
#define IPCSCOPE_SYSCALLS_AARCH64_H

#define SYSCALL_ARCH "aarch64"

static const struct syscall_def syscall_defs[] = {
	{22, "epoll_pwait", WC_EPOLL},
	{25, "fcntl", WC_FCNTL},
	{32, "flock", WC_FLOCK},
	{63, "read", WC_READ},
	{64, "write", WC_WRITE},
	{65, "readv", WC_READ},
	{66, "writev", WC_WRITE},
	{67, "pread64", WC_READ},
	{68, "pwrite64", WC_WRITE},
	{69, "preadv", WC_READ},
	{70, "pwritev", WC_WRITE},
	{72, "pselect6", WC_SELECT},
	{73, "ppoll", WC_POLL},
	{76, "splice", WC_SPLICE},
	{95, "waitid", WC_CHILD},
	{98, "futex", WC_FUTEX},
	{101, "nanosleep", WC_SLEEP},
	{115, "clock_nanosleep", WC_SLEEP},
	{133, "rt_sigsuspend", WC_SIGNAL},
	{137, "rt_sigtimedwait", WC_SIGNAL},
	{182, "mq_timedsend", WC_MQ_SEND},
	{183, "mq_timedreceive", WC_MQ_RECV},
	{188, "msgrcv", WC_MSGRCV},
	{189, "msgsnd", WC_MSGSND},
	{192, "semtimedop", WC_SEMOP},
	{193, "semop", WC_SEMOP},
	{202, "accept", WC_ACCEPT},
	{203, "connect", WC_CONNECT},
	{206, "sendto", WC_SEND},
	{207, "recvfrom", WC_RECV},
	{211, "sendmsg", WC_SEND},
	{212, "recvmsg", WC_RECV},
	{242, "accept4", WC_ACCEPT},
	{243, "recvmmsg", WC_RECV},
	{260, "wait4", WC_CHILD},
	{269, "sendmmsg", WC_SEND},
	{441, "epoll_pwait2", WC_EPOLL},
	{449, "futex_waitv", WC_FUTEX_WAITV},
};

#endif
