/* gen.h - generators: each IPC mechanism made live between real processes, its traffic
 * verified, and optionally held in a known state so that `list`, the dashboard and the
 * integration tests can look at it.
 *
 * One run per process: gen_run_init() installs the signal handlers and the watchdog and
 * makes the run's temporary directory. Each generator then gets a gen_ctx and goes through
 *   check()     parameters against the kernel limits, before anything exists
 *   create()    the objects, registered for removal the moment they exist, and the peers
 *   exercise()  messages exchanged and verified; when holding with a fill, the fill left
 *   tick()      one slow message per object, once a second while holding without a fill
 *   destroy()   the parent's side released (fds closed, memory unmapped)
 * and gen_finish() stops and reaps the peers and removes every object it registered
 * (unless leaking). Nothing here prints: objects and results reach the command through
 * gen_ctx, and on_object() is the command's hook for printing an object as it appears. */
#ifndef IPCSCOPE_GEN_H
#define IPCSCOPE_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#define GEN_PREFIX "ipcscope-"   /* every name and path a run makes starts with it */
#define GEN_MAX_HOLDERS 4
#define GEN_MAX_PEERS 4
#define GEN_MAX_CHECKS 6
#define GEN_FRAME_HDR 16         /* bytes of sequence number, length and checksum */
#define GEN_DEFAULT_SIZE 64
#define GEN_DEFAULT_MESSAGES 100
#define GEN_MAX_COUNT 100000

struct gen_ctx;
struct bench_ops;

struct gen_params {
	unsigned count;      /* objects of each kind, >= 1 */
	size_t size;         /* bytes per message, frame header included */
	unsigned messages;   /* messages per object; rounds for locks and semaphores */
	int hold;            /* seconds to hold after exercising; -1: no hold */
	bool leak;           /* leave named objects behind with their creator gone */
	int64_t fill;        /* while holding: bytes, messages, semaphore value or signals left
			      * pending; -1: none, and slow traffic instead */
	unsigned nsems;      /* semaphores per SysV set */
	const char *block;   /* while holding: a peer sleeps in this wait (one of the
			      * generator's blocks words); NULL none */
	const char *ftok_path; /* SysV keys from ftok(path, proj), proj 'A', 'B' ... as the
				* lessons make them; NULL: gen_sysv_key's */
};

struct gen_holder {
	pid_t pid;
	int fd;              /* -1: held without a descriptor (attach, mapping, SysV) */
	const char *access;  /* "r", "w", "rw", "-"; static */
	const char *role;    /* "writer", "reader", "server" ...; static */
};

struct gen_object {
	const char *kind;    /* ipcscope's kind word where one exists ("pipe", "sysv-msg",
			      * "unix", "tcp"), else the mechanism ("signal", "mmap"); static */
	const char *role;    /* its part in the mechanism ("listener", "return"); static or NULL */
	char name[160];      /* POSIX name or path; "" none */
	int64_t id;          /* SysV id; -1 none */
	int64_t key;         /* SysV key; -1 none */
	uint64_t inode;      /* 0 none */
	char addr[64];       /* socket address; "" none */
	char detail[96];     /* further facts as key=value words without blanks; "" none */
	int64_t fill;        /* left queued while holding; -1 none */
	const char *fill_unit; /* "bytes", "messages", "value", "signals"; static */
	struct gen_holder holders[GEN_MAX_HOLDERS];
	size_t nholders;
	bool leaked;         /* left behind on purpose (--leak) */
};

struct gen_peer {
	pid_t pid;
	int ctl;             /* parent's end of the control channel; -1 once closed */
	const char *role;    /* static */
};

/* The control channel between a generator and its peer (a SOCK_SEQPACKET pair). It carries
 * readiness, descriptors' numbers and the peer's verdict, never the mechanism's traffic. */
enum gen_msg_type {
	GEN_MSG_READY = 1,   /* a = object index, b = the peer's fd for it (-1 none), c = inode */
	GEN_MSG_GO,          /* parent -> peer: start */
	GEN_MSG_REPORT,      /* err = verdict, a = messages, b = bytes verified, text = why */
	GEN_MSG_ACK,         /* a, b: step specific */
};

struct gen_msg {
	int32_t type;
	int32_t err;         /* 0 or -errno */
	int64_t a, b, c;
	char text[104];
};

struct generator {
	const char *name;    /* the word users type: "pipe", "sysv-msg" */
	const char *summary;
	/* The classic comparison: what carries the data, in what unit, which way, how far. */
	const char *medium, *unit, *direction, *scope;
	/* All return 0 or -errno, with ctx->error saying why; check() sets ctx->usage for a
	 * parameter that cannot work. check, tick and bench may be NULL. */
	int (*check)(struct gen_ctx *ctx);
	int (*create)(struct gen_ctx *ctx);
	int (*exercise)(struct gen_ctx *ctx);
	int (*tick)(struct gen_ctx *ctx);
	/* Must not wait for peers: gen_finish() stops them afterwards. Frees ctx->priv. */
	void (*destroy)(struct gen_ctx *ctx);
	const struct bench_ops *bench;
	/* The waits --block can make a peer sleep in, blank-separated ("receive send"); NULL
	 * none. block() makes it: one more peer, a holder of role "blocker" of the object. */
	const char *blocks;
	int (*block)(struct gen_ctx *ctx);
};

struct gen_ctx {
	const struct generator *gen;    /* borrowed */
	const struct gen_params *p;     /* borrowed; shared by the run */
	void *priv;                     /* the generator's state; destroy() frees it */

	struct gen_object **objs;       /* owned */
	size_t nobjs, objs_cap;

	uint64_t messages;              /* verified by the receiving side */
	uint64_t bytes;
	bool verified;                  /* every check passed */
	int64_t create_ns, exercise_ns;
	char checks[GEN_MAX_CHECKS][128]; /* what the exercise showed, one line each */
	size_t nchecks;
	char error[256];                /* why it failed; "" none */
	bool usage;                     /* error is a bad parameter (exit 2) */

	struct gen_peer peers[GEN_MAX_PEERS];
	size_t npeers;
	uint32_t ticks;                 /* tick() rounds done */

	/* The command's hook, called once an object is complete (holders known). */
	void (*on_object)(struct gen_ctx *ctx, const struct gen_object *o);
	void *cb_data;
};

/* NULL-terminated, in the order `all` runs them. */
extern const struct generator *const generators[];
const struct generator *gen_find(const char *name);

void gen_ctx_init(struct gen_ctx *ctx, const struct generator *g, const struct gen_params *p);
void gen_ctx_release(struct gen_ctx *ctx);
/* Run check() (if any); 0 or -errno with ctx->error. */
int gen_check_params(struct gen_ctx *ctx);
/* create() then exercise(), timed; on failure ctx->error says why. */
int gen_start(struct gen_ctx *ctx);
/* destroy(), stop and reap the peers, remove (or leak) every registered object. */
void gen_finish(struct gen_ctx *ctx);
/* One second of holding: look for late verdicts of the peers, then tick() unless a fill
 * is being held still. 0 or -errno with ctx->error. */
int gen_tick(struct gen_ctx *ctx);

/* Set ctx->error (first message wins) and return rc. */
int gen_fail(struct gen_ctx *ctx, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, for a parameter that cannot work: ctx->usage is set. */
int gen_bad_param(struct gen_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gen_note_check(struct gen_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A new object of ctx (owned by ctx; the pointer stays valid until gen_ctx_release). */
struct gen_object *gen_object_new(struct gen_ctx *ctx, const char *kind, const char *role);
void gen_object_holder(struct gen_object *o, pid_t pid, int fd, const char *access,
		       const char *role);
/* The object is complete: hand it to on_object. */
void gen_object_done(struct gen_ctx *ctx, struct gen_object *o);

/* One end of a mechanism as a holder: its access and role. */
struct gen_end {
	const char *access, *role;
};
/* For each of n readiness messages of peer, the next per objects are complete: this process
 * holds them (through fds[i], or no fd when fds is NULL) as mine, the peer (through the fd
 * it reported when peer_fd, else none) as theirs. 0 or -errno. */
int gen_objects_ready(struct gen_ctx *ctx, struct gen_peer *peer, unsigned n, unsigned per,
		      const int *fds, struct gen_end mine, bool peer_fd, struct gen_end theirs);
uint64_t gen_fd_inode(int fd);
/* Usage error unless count objects of per_object descriptors each fit RLIMIT_NOFILE. */
int gen_check_nofile(struct gen_ctx *ctx, unsigned per_object);
/* Names unique to this run: "/ipcscope-<pid>-<mech>-<i>" and "<tmpdir>/ipcscope-<pid>-..". */
void gen_posix_name(char *buf, size_t len, const char *mech, unsigned i);
void gen_tmp_path(char *buf, size_t len, const char *mech, unsigned i, const char *suffix);
/* A SysV key unlikely to be in use, derived from the pid; the caller retries on EEXIST. */
int32_t gen_sysv_key(unsigned i, unsigned attempt);
/* The proj byte of the i-th object's attempt with --ftok: 'A' + i + attempt, over 1..255. */
unsigned gen_ftok_proj(unsigned i, unsigned attempt);
/* The i-th SysV object of a run: make(key, arg) (an *get with IPC_CREAT|IPC_EXCL) is tried
 * with this run's keys (ftok(ctx->p->ftok_path, gen_ftok_proj(i, attempt)) with --ftok)
 * until it creates one. Returns its id and sets *key, or -1 with errno from the first
 * failure that is not EEXIST. */
int gen_sysv_make(struct gen_ctx *ctx, unsigned i, int (*make)(int32_t key, const void *arg),
		  const void *arg, int32_t *key);
int64_t gen_now_ns(void);

/* --block: fork a peer that says it is ready and then runs fn, which makes one blocking
 * call and stays in it until the run ends; the peer holds the object o (through its fd
 * holder_fd, -1 none) as the "blocker". 0 or -errno. */
int gen_block_spawn(struct gen_ctx *ctx, struct gen_object *o, const int *keep, size_t nkeep,
		    int (*fn)(struct gen_ctx *ctx, int ctl, void *arg), void *arg, int holder_fd,
		    const char *access);
/* Whether word is one of g's blocks words. */
bool gen_blocks(const struct generator *g, const char *word);

/* ---- the run: signals, peers, cleanup (gen_run.c) ---- */

/* Install handlers (SIGINT, SIGTERM, SIGHUP ask to stop; a second one removes everything
 * at once and exits), start a watchdog timer whose signal interrupts blocking calls so
 * that every wait notices a stop or a dead peer, and raise RLIMIT_NOFILE, RLIMIT_MSGQUEUE
 * and RLIMIT_SIGPENDING to their hard limits. 0 or -errno. */
int gen_run_init(bool leak);
/* Remove the temporary directory (unless something was leaked into it), stop the timer. */
void gen_run_release(void);
/* The run's temporary directory ($TMPDIR or /tmp, "ipcscope-<pid>-XXXXXX"), made on first
 * use and removed by gen_run_release. Parent only. */
const char *gen_tmpdir(void);
/* The directory if this run has made one, else NULL. */
const char *gen_tmpdir_made(void);
/* True in a forked peer. */
bool gen_in_peer(void);
/* The signal that asked the run to stop, 0 none. */
int gen_stop_signal(void);
/* 0; -EINTR when a stop was asked; -ECHILD when a peer died (gen_run_abort() says which). */
int gen_check(void);
const char *gen_run_abort(void);
/* Forget a dead peer once its generator is finished (runs that do not hold go on). */
void gen_run_clear_abort(void);
/* Hold every signal the run handles (and the watchdog's) over a call that must not be
 * interrupted halfway, such as a stdio write; restore with the saved mask. */
void gen_signals_block(sigset_t *old);
void gen_signals_restore(const sigset_t *old);
/* Sleep up to ms, returning early (with gen_check()'s value) on a stop or a dead peer. */
int gen_sleep_ms(unsigned ms);

typedef int (*gen_peer_fn)(struct gen_ctx *ctx, int ctl, void *arg);
/* Fork a peer. The child keeps only stdio, its control channel and keep[], gets SIGKILL
 * when the parent dies, runs fn and then waits for the channel to close. *out is
 * borrowed from ctx. 0 or -errno. */
int gen_spawn(struct gen_ctx *ctx, const char *role, const int *keep, size_t nkeep,
	      gen_peer_fn fn, void *arg, struct gen_peer **out);
/* A process the generator did not fork itself (popen's) that gen_finish must not wait for
 * but that the emergency path may kill. */
void gen_track_pid(pid_t pid);
/* It is about to end on purpose (its generator is closing it), or has been reaped. */
void gen_ending_pid(pid_t pid);
void gen_untrack_pid(pid_t pid);
/* Close the channels, SIGTERM, wait (SIGKILL after 2 s) and reap every peer of ctx. */
void gen_stop_peers(struct gen_ctx *ctx);

int gen_msg_send(int fd, const struct gen_msg *m);
/* Blocks; -EPIPE when the other side is gone. */
int gen_msg_recv(int fd, struct gen_msg *m);
/* Parent side: wait for a message of type from peer; a REPORT with a failure copies its
 * text into ctx->error and returns its err. */
int gen_peer_expect(struct gen_ctx *ctx, struct gen_peer *peer, int type, struct gen_msg *m);
int gen_peer_go(struct gen_peer *peer, int64_t a);
/* Peer side. */
int gen_report(int ctl, int err, uint64_t messages, uint64_t bytes, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int gen_ready(int ctl, int64_t index, int64_t fd);
int gen_ready_inode(int ctl, int64_t index, int64_t fd, uint64_t inode);
/* Peer side: wait up to ms for the channel to close (or speak). True when it did. */
int gen_ctl_wait(int ctl, int ms);
/* Peer side: wait for GO (or the channel closing: -EPIPE). */
int gen_wait_go(int ctl, int64_t *a);

enum gen_res_type {
	GEN_RES_SYSV_MSG,
	GEN_RES_SYSV_SHM,
	GEN_RES_SYSV_SEM,
	GEN_RES_POSIX_MQ,    /* name "/ipcscope-..." */
	GEN_RES_POSIX_SHM,   /* name "/ipcscope-..." */
	GEN_RES_POSIX_SEM,   /* name "/ipcscope-..." */
	GEN_RES_PATH,        /* a file, FIFO or socket in the temporary directory */
};
/* Register an object for removal right after it is made (signals are blocked inside, so
 * the emergency path never sees half an entry). It belongs to ctx's most recent object,
 * which --leak marks as leaked. name: the POSIX name or the path. */
void gen_res_add(struct gen_ctx *ctx, enum gen_res_type type, int id, const char *name);
/* Remove (or, leaking, keep) every object ctx registered. Returns how many were leaked. */
size_t gen_res_release(struct gen_ctx *ctx);

/* ---- frames and streams (gen_frame.c) ---- */

/* A message of size bytes: sequence number, length, CRC-32 of the rest, then a payload
 * that depends on seq. */
void gen_frame_fill(void *buf, size_t size, uint32_t seq);
/* 0, or -EBADMSG with why filled. */
int gen_frame_check(const void *buf, size_t size, uint32_t seq, char *why, size_t whylen);
uint32_t gen_frame_seq(const void *buf);

/* Whole-buffer I/O that survives EINTR from the watchdog but not a stop or a dead peer. */
int gen_write_all(int fd, const void *buf, size_t len);
int gen_read_all(int fd, void *buf, size_t len);   /* -EPIPE at end of file */

#define GEN_FRAMES_ECHO  0x1u  /* the receiver sends every frame back */
#define GEN_FRAMES_DGRAM 0x2u  /* one frame per message (datagram, seqpacket) */
#define GEN_FRAMES_ADDR  0x4u  /* peer side: echo to the sender's address (unconnected) */

/* Parent side: send n frames from seq first on fd; with ECHO read each back and check. */
int gen_send_frames(struct gen_ctx *ctx, int fd, uint32_t first, unsigned n, unsigned flags);
/* Peer side: receive p->messages frames from each fd in turn, checking each (and echoing),
 * report the verdict on ctl; then, holding without a fill, keep receiving the slow
 * traffic from any fd until ctl closes. */
int gen_peer_frames(struct gen_ctx *ctx, int ctl, const int *fds, size_t n, unsigned flags);
/* tick() for frame mechanisms: one frame on each fd. */
int gen_tick_frames(struct gen_ctx *ctx, const int *fds, size_t n, unsigned flags);
/* Write n fill bytes (not frames; at most chunk per write when chunk > 0, so datagram
 * sockets get datagrams of that size) without blocking; -EAGAIN when they do not fit. */
int gen_fill_bytes(int fd, size_t n, size_t chunk);

/* ---- limits (gen_limits.c) ---- */

/* A kernel limit by the names `ipcscope limits` uses (msgmax, shmmni, semmsl, queues_max,
 * msg_max, msgsize_max ...); *used how much is in use (-1 unknown). -1 when unknown.
 * The first call scans once; later calls reuse that scan. */
int64_t gen_limit(const char *name, int64_t *used);
void gen_limits_release(void);

#endif
