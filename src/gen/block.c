/* block.c - --block: a peer that really sleeps in a wait, so that `list` can be seen to
 * name the waiter. Peers run without the watchdog timer (gen_spawn resets the handlers and
 * a fork keeps no interval timer), so the call sleeps until the run ends the peer. */
#include <string.h>

#include "gen/gen.h"

bool gen_blocks(const struct generator *g, const char *word)
{
	const char *p = g->blocks;
	size_t n = strlen(word);

	while (p && *p) {
		size_t len = strcspn(p, " ");

		if (len == n && !strncmp(p, word, n))
			return true;
		p += len;
		p += strspn(p, " ");
	}
	return false;
}

int gen_block_spawn(struct gen_ctx *ctx, struct gen_object *o, const int *keep, size_t nkeep,
		    int (*fn)(struct gen_ctx *ctx, int ctl, void *arg), void *arg, int holder_fd,
		    const char *access)
{
	struct gen_peer *peer;
	struct gen_msg m;
	int rc;

	if ((rc = gen_spawn(ctx, "blocker", keep, nkeep, fn, arg, &peer)) < 0)
		return rc;
	/* Ready is sent before the call: the caller checks that it sleeps (wchan, syscall). */
	if ((rc = gen_peer_expect(ctx, peer, GEN_MSG_READY, &m)) < 0)
		return rc;
	gen_object_holder(o, peer->pid, holder_fd, access, "blocker");
	return 0;
}
