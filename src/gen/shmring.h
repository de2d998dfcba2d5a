/* shmring.h - a ring of message slots in shared memory, with two process-shared POSIX
 * semaphores (free slots, written slots) as its only synchronisation: what sysv-shm,
 * posix-shm and mmap carry their frames with, in `gen` and in `bench`.
 *
 * One writer and one reader per ring. Each side counts its own messages (n), so the ring
 * holds no indices that two processes would race on. */
#ifndef IPCSCOPE_SHMRING_H
#define IPCSCOPE_SHMRING_H

#include <stddef.h>
#include <stdint.h>

#include "gen/bench.h"

/* Bytes a ring of slots slots of slot_size bytes needs. */
size_t shm_ring_bytes(unsigned slots, size_t slot_size);
/* Lay a ring out at mem (which must be shared and at least shm_ring_bytes). 0 or -errno. */
int shm_ring_init(void *mem, unsigned slots, size_t slot_size);
void shm_ring_release(void *mem);
/* Write message number n (this writer's count) into its slot; waits for a free slot. */
int shm_ring_put(void *mem, uint64_t n, const void *buf, size_t len);
/* Read message number n (this reader's count) out of its slot; waits for it. With
 * nowait, -EAGAIN when it is not there yet. */
int shm_ring_get(void *mem, uint64_t n, void *buf, size_t len, int nowait);

/* Generator side: the writer puts n frames from seq first (one slot per ring is enough);
 * the peer takes p->messages frames from each ring in turn, checks them, reports, and
 * then follows the slow traffic while holding. */
int shm_ring_send(struct gen_ctx *ctx, void *ring, uint32_t first, unsigned n);
/* The writer's exercise over rings[0..n): every message through each ring, the peer's
 * verdict (the check names how the reader reached the memory: who), then, when holding with
 * --fill, that many bytes written at the start of each object. */
int shm_ring_exercise(struct gen_ctx *ctx, void *const *rings, unsigned n, const char *who);
/* One slow message per ring while holding. */
int shm_ring_tick(struct gen_ctx *ctx, void *const *rings, unsigned n);
int shm_ring_peer(struct gen_ctx *ctx, int ctl, void *const *rings, size_t n);

/* The bench transport over a region of two rings, one each way. A mechanism's open()
 * makes c->mem of shm_bench_bytes(c->size) shared bytes and calls shm_bench_init(c). */
size_t shm_bench_bytes(size_t size);
int shm_bench_init(struct bench_chan *c);
int shm_bench_attach(struct bench_chan *c, int side);
int shm_bench_send(struct bench_chan *c, int side, const void *buf, size_t len);
int shm_bench_recv(struct bench_chan *c, int side, void *buf, size_t len);

#endif
