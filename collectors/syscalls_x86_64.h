/* syscalls_x86_64.h - the x86_64 numbers of the system calls a thread can sleep in while
 * it waits on an IPC object, from the kernel's arch/x86/entry/syscalls/syscall_64.tbl (the
 * "common" and "64" ABIs). Included by waiters.c only, when built for x86_64. */
#ifndef IPCSCOPE_SYSCALLS_X86_64_H
#define IPCSCOPE_SYSCALLS_X86_64_H

#define SYSCALL_ARCH "x86_64"

static const struct syscall_def syscall_defs[] = {
	{0, "read", WC_READ},
	{1, "write", WC_WRITE},
	{7, "poll", WC_POLL},
	{17, "pread64", WC_READ},
	{18, "pwrite64", WC_WRITE},
	{19, "readv", WC_READ},
	{20, "writev", WC_WRITE},
	{23, "select", WC_SELECT},
	{34, "pause", WC_SIGNAL},
	{35, "nanosleep", WC_SLEEP},
	{42, "connect", WC_CONNECT},
	{43, "accept", WC_ACCEPT},
	{44, "sendto", WC_SEND},
	{45, "recvfrom", WC_RECV},
	{46, "sendmsg", WC_SEND},
	{47, "recvmsg", WC_RECV},
	{61, "wait4", WC_CHILD},
	{65, "semop", WC_SEMOP},
	{69, "msgsnd", WC_MSGSND},
	{70, "msgrcv", WC_MSGRCV},
	{72, "fcntl", WC_FCNTL},
	{73, "flock", WC_FLOCK},
	{128, "rt_sigtimedwait", WC_SIGNAL},
	{130, "rt_sigsuspend", WC_SIGNAL},
	{202, "futex", WC_FUTEX},
	{220, "semtimedop", WC_SEMOP},
	{230, "clock_nanosleep", WC_SLEEP},
	{232, "epoll_wait", WC_EPOLL},
	{242, "mq_timedsend", WC_MQ_SEND},
	{243, "mq_timedreceive", WC_MQ_RECV},
	{247, "waitid", WC_CHILD},
	{270, "pselect6", WC_SELECT},
	{271, "ppoll", WC_POLL},
	{275, "splice", WC_SPLICE},
	{281, "epoll_pwait", WC_EPOLL},
	{288, "accept4", WC_ACCEPT},
	{295, "preadv", WC_READ},
	{296, "pwritev", WC_WRITE},
	{299, "recvmmsg", WC_RECV},
	{307, "sendmmsg", WC_SEND},
	{441, "epoll_pwait2", WC_EPOLL},
	{449, "futex_waitv", WC_FUTEX_WAITV},
};

#endif
