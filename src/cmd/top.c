/* top.c - `ipcscope top`: a live full-screen view of every IPC object, htop's way.
 *
 * Two threads. The scan thread scans once per --delay (or at once when asked), builds the
 * rows of the new snapshot (tui/model.h) and hands them over under a lock, then writes a
 * byte to a pipe; it also runs removals, so `d` never blocks the keys. The UI thread waits
 * in poll() on the terminal and that pipe, swaps new rows into the model (marking what is
 * new, changed and gone), reads keys and draws (tui/draw.h). Signals that end the program
 * only set a flag and write to the pipe: the UI thread restores the terminal and exits. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <malloc.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "act/clean.h"
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/expr_opt.h"
#include "collectors/collector.h"
#include "core/expr.h"
#include "core/kinds.h"
#include "core/util.h"
#include "tui/draw.h"
#include "tui/model.h"
#include "tui/text.h"

#define DELAY_DEFAULT 2.0
#define DELAY_MIN 0.1
#define DELAY_MAX 3600.0

static void help(void)
{
	printf("Usage: ipcscope top [OPTIONS]\n\n"
	       "A live full-screen view of every IPC object: limits in use as bars,\n"
	       "objects by fill, changes since the last scan marked (+ new, * changed,\n"
	       "- gone), stale and deadlocked objects named. Keys: / search, Q filter,\n"
	       "t kind, s/S sort, Enter detail, g who talks to whom, d remove (as rm,\n"
	       "after asking), e errors, h help, q quit.\n\n"
	       "Options:\n"
	       "  -d, --delay SECONDS     between scans (default 2; 0.1 to 3600)\n"
	       "  -t, --type KIND[,KIND]  kinds or groups to scan and show (t changes it)\n"
	       "  -s, --sort COL          sort column: KIND OBJECT KEY OWNER SIZE USED\n"
	       "                          USE%% MSGS HOLD WAIT STATUS HOLDERS; -COL or\n"
	       "                          COL:asc|desc sets the direction (default USE%%:desc)\n"
	       "  -Q, --filter EXPR       only objects for which EXPR holds (Q changes it),\n"
	       "                          e.g. 'USE%% > 50 && KIND == \"sysv-msg\"'\n"
	       "      --older-than DUR    what counts as stale, as for clean (default 1h)\n"
	       "      --color[=WHEN]      auto (colour unless NO_COLOR is set), always, never\n"
	       "  -N, --namespace WHAT    only the namespaces of WHAT (see list --help)\n"
	       "      --root DIR          read /proc and friends under DIR (d is refused)\n"
	       "  -h, --help              this help\n\n"
	       "Exit status: 0 on q, 1 on an error, 2 on a usage error, 128+N on signal N.\n");
}

/* ---- the scan thread ---- */

enum request { REQ_NONE, REQ_CHECK, REQ_REMOVE };

struct scanner {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int pipe[2];              /* [1] written when something is ready; [0] polled by the UI */
	/* Set by the UI thread, under lock. */
	bool stop, now;
	unsigned kinds;
	enum request req;
	char *req_identity;       /* owned */
	/* Fixed before the thread starts. */
	double delay;
	struct stale_ctx stale;
	const char *root;
	/* Produced, under lock. */
	struct top_rows *ready;   /* owned; NULL none */
	bool busy;
	bool result;              /* a request's answer is waiting */
	enum request result_req;
	bool result_ok;           /* CHECK: it may be removed; REMOVE: it was */
	char *result_identity;    /* owned */
	char result_msg[640];
};

static void poke(int fd)
{
	ssize_t n = write(fd, "", 1);

	(void)n; /* a full pipe already says "something is ready" */
}

/* "REASON [EVIDENCE]", as rm's table words it. */
static void item_why(const struct clean_item *it, char *buf, size_t len)
{
	if (it->reason && it->evidence && it->evidence[0])
		snprintf(buf, len, "%s [%s]", it->reason, it->evidence);
	else
		snprintf(buf, len, "%s", it->reason ? it->reason : it->evidence ? it->evidence : "");
}

/* Run rm's engine on one identity: a dry run (CHECK) or the removal (REMOVE). */
static void run_request(struct scanner *s, enum request req, char *identity, bool *ok, char *msg, size_t len)
{
	struct clean_opts o;
	struct clean_report r;
	char **bad = NULL, why[512];
	const struct clean_item *it = NULL;
	int rc;

	*ok = false;
	clean_opts_init(&o);
	o.root = s->root;
	o.select = scan_namespace_selection();
	o.apply = req == REQ_REMOVE;
	rc = rm_plan(&r, &o, -1, &identity, 1, &bad);
	if (rc < 0 && rc != -ENOENT) {
		snprintf(msg, len, "cannot scan: %s", strerror(-rc));
		goto out;
	}
	if (bad && bad[0]) {
		snprintf(msg, len, "%s", bad[0]);
		goto out;
	}
	if (req == REQ_REMOVE && clean_apply(&r, &o) < 0) {
		snprintf(msg, len, "cannot rescan before removal; nothing was removed");
		goto out;
	}
	for (size_t i = 0; i < r.n && !it; i++)
		if (!strcmp(r.items[i].obj->identity, identity))
			it = &r.items[i];
	if (!it) {
		snprintf(msg, len, "no object '%s'", identity);
		goto out;
	}
	item_why(it, why, sizeof(why));
	*ok = it->status == (req == REQ_CHECK ? CLEAN_CANDIDATE : CLEAN_REMOVED);
	if (req == REQ_CHECK && *ok)
		snprintf(msg, len, "%s", it->evidence ? it->evidence : "");
	else
		snprintf(msg, len, "%s %s%s%s", clean_status_name(it->status), identity, why[0] ? ": " : "", why);
out:
	for (size_t i = 0; bad && bad[i]; i++)
		free(bad[i]);
	free(bad);
	if (rc >= 0 || rc == -ENOENT)
		clean_report_release(&r);
}

static struct top_rows *scan_once(struct scanner *s, unsigned kinds)
{
	struct snapshot *snap = xmalloc(sizeof(*snap));
	struct top_rows *rows = xcalloc(1, sizeof(*rows));
	struct scan_ctx ctx;

	snapshot_init(snap);
	if (scan_ctx_init(&ctx, s->root, kinds) == 0) {
		ctx.want_limits = true;
		ctx.all_ns = true;
		ctx.select = scan_namespace_selection();
		/* Errors are kept in the snapshot; the header counts them. */
		scan_run(&ctx, snap);
		scan_ctx_release(&ctx);
	} else {
		snapshot_error(snap, s->root ? s->root : "/", "cannot open the root");
	}
	top_rows_build(rows, snap, &s->stale);
	return rows;
}

static void *scan_main(void *arg)
{
	struct scanner *s = arg;

	/* Keys first: a scan of a busy host is CPU the UI should not wait behind. */
	setpriority(PRIO_PROCESS, (id_t)gettid(), 5);
	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct timespec until;
		enum request req;
		char *identity;
		unsigned kinds;
		struct top_rows *rows;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (time_t)s->delay;
		until.tv_nsec += (long)((s->delay - floor(s->delay)) * 1e9);
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		for (bool due = false; !s->stop && s->req == REQ_NONE;) {
			/* No newer rows while the UI has not taken these: a slow UI (a huge host)
			 * should not make the scanner hold a third snapshot. */
			if (s->ready) {
				pthread_cond_wait(&s->wake, &s->lock);
				continue;
			}
			if (s->now || due)
				break;
			due = pthread_cond_timedwait(&s->wake, &s->lock, &until) == ETIMEDOUT;
		}
		if (s->stop)
			break;
		req = s->req;
		identity = s->req_identity;
		s->req = REQ_NONE;
		s->req_identity = NULL;
		s->now = false;
		kinds = s->kinds;
		s->busy = true;
		pthread_mutex_unlock(&s->lock);
		poke(s->pipe[1]);

		if (req != REQ_NONE) {
			bool ok;
			char msg[sizeof(s->result_msg)];

			run_request(s, req, identity, &ok, msg, sizeof(msg));
			pthread_mutex_lock(&s->lock);
			free(s->result_identity);
			s->result_identity = identity;
			s->result = true;
			s->result_req = req;
			s->result_ok = ok;
			snprintf(s->result_msg, sizeof(s->result_msg), "%s", msg);
			pthread_mutex_unlock(&s->lock);
			poke(s->pipe[1]);
			if (req == REQ_CHECK) {
				pthread_mutex_lock(&s->lock);
				s->busy = false;
				continue; /* the object is unchanged: no new scan needed */
			}
		}
		rows = scan_once(s, kinds);
		pthread_mutex_lock(&s->lock);
		if (s->ready) {
			/* Rows made before a removal, still untaken: these are newer. */
			top_rows_release(s->ready);
			free(s->ready);
		}
		s->ready = rows;
		s->busy = false;
		pthread_mutex_unlock(&s->lock);
		poke(s->pipe[1]);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void scanner_ask(struct scanner *s, enum request req, const char *identity)
{
	pthread_mutex_lock(&s->lock);
	if (req != REQ_NONE) {
		free(s->req_identity);
		s->req_identity = xstrdup(identity);
		s->req = req;
	} else {
		s->now = true;
	}
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

/* ---- the terminal ---- */

static volatile sig_atomic_t got_signal;
static int signal_pipe = -1;
static bool curses_on;

static void on_signal(int sig)
{
	int saved = errno;

	got_signal = sig;
	if (signal_pipe >= 0)
		poke(signal_pipe);
	errno = saved;
}

/* Leave the terminal as it was: cursor shown, the normal screen back, modes reset. Safe to
 * call twice (atexit and the normal path). */
static void restore_terminal(void)
{
	if (!curses_on)
		return;
	curses_on = false;
	curs_set(1);
	endwin();
	fflush(stdout);
}

static bool want_color(const char *when)
{
	const char *nc = getenv("NO_COLOR");

	if (!strcmp(when, "never"))
		return false;
	if (!strcmp(when, "always"))
		return true;
	return !(nc && nc[0]);
}

/* ---- the UI thread ---- */

enum prompt_kind { PROMPT_NONE, PROMPT_SEARCH, PROMPT_FILTER, PROMPT_KIND, PROMPT_CONFIRM };

struct top {
	struct top_model m;
	struct top_ui ui;
	struct scanner *s;
	enum prompt_kind prompt;
	char search_before[128];  /* to put back on Esc */
	char subject[512];        /* identity the detail or tree view is about */
	bool subject_gone;
	char confirm_id[512];     /* identity `d` asked about */
	char kinds[sizeof(((struct top_ui *)0)->input)]; /* the kinds shown, as typed */
	struct expr *expr;        /* -Q or the Q key's expression; owned; NULL none */
	bool quit;
};

static bool expr_match(const struct ipc_object *o, void *arg)
{
	return expr_eval(arg, o);
}

/* Put e (owned from now on; NULL: none) in force. */
static void set_expr(struct top *t, struct expr *e)
{
	expr_free(t->expr);
	t->expr = e;
	t->m.match = e ? expr_match : NULL;
	t->m.match_arg = e;
	t->ui.filter = e ? expr_text(e) : NULL;
	top_model_rematch(&t->m);
	top_model_update_view(&t->m);
}

static int body_rows(const struct top *t)
{
	return draw_body_rows(&t->m, LINES, COLS);
}

static void set_message(struct top *t, enum top_style st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_message(struct top *t, enum top_style st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->ui.message, sizeof(t->ui.message), fmt, ap);
	va_end(ap);
	t->ui.msg_style = st;
}

/* The detail or tree text for the subject, again from the latest snapshot. */
static void rebuild_view(struct top *t)
{
	const struct ipc_object *o = NULL;

	if (t->ui.view == VIEW_ERRORS) {
		top_lines_release(&t->ui.lines);
		top_errors(&t->ui.lines, t->m.cur.snap);
		return;
	}
	if (t->ui.view != VIEW_DETAIL && t->ui.view != VIEW_TREE)
		return;
	for (size_t i = 0; i < t->m.cur.n && !o; i++)
		if (t->m.cur.rows[i].obj && !strcmp(t->m.cur.rows[i].identity, t->subject))
			o = t->m.cur.rows[i].obj;
	t->subject_gone = !o;
	t->ui.subject_gone = !o;
	if (!o)
		return; /* keep the last text: it is what the object was */
	top_lines_release(&t->ui.lines);
	if (t->ui.view == VIEW_DETAIL)
		top_detail(&t->ui.lines, o, t->m.cur.snap, &t->s->stale, COLS - 1);
	else
		top_tree(&t->ui.lines, o, t->m.cur.snap);
	if (t->ui.scroll >= t->ui.lines.n)
		t->ui.scroll = t->ui.lines.n ? t->ui.lines.n - 1 : 0;
}

static void open_view(struct top *t, enum top_view v)
{
	const struct top_row *r = top_model_selected(&t->m);

	if (!r) {
		set_message(t, TL_WARN, "no object selected");
		return;
	}
	snprintf(t->subject, sizeof(t->subject), "%s", r->identity);
	t->ui.view = v;
	t->ui.scroll = 0;
	top_lines_release(&t->ui.lines);
	rebuild_view(t);
	if (t->subject_gone && !t->ui.lines.n)
		set_message(t, TL_WARN, "%s is gone", t->subject);
}

/* The object id names, as a person knows it, and why it may go: "sysv-msg 3, key
 * 0x0000162e; stale: ..." (the rule clean applies), else what rm's dry run said. */
static void describe(const struct top *t, const char *id, const char *said, char *buf, size_t len)
{
	const struct ipc_object *o = NULL;
	struct stale_ctx sc = t->s->stale;
	struct evidence ev;
	char label[256];
	size_t n;

	for (size_t i = 0; i < t->m.cur.n && !o; i++)
		if (t->m.cur.rows[i].obj && !strcmp(t->m.cur.rows[i].identity, id))
			o = t->m.cur.rows[i].obj;
	if (!o) {
		snprintf(buf, len, "%s", said[0] ? said : "not in use");
		return;
	}
	n = (size_t)snprintf(buf, len, "%s %s", kind_name(o->kind), top_object_label(o, label, sizeof(label)));
	if (o->has_key && n < len)
		n += (size_t)snprintf(buf + n, len - n, ", key 0x%08x", o->key);
	sc.now = t->m.cur.snap->time;
	sc.holders_complete = t->m.cur.snap->holders_complete;
	if (n < len && object_is_stale(o, &sc, &ev))
		snprintf(buf + n, len - n, "; stale: %s", ev.text);
	else if (n < len)
		snprintf(buf + n, len - n, "; %s", said[0] ? said : "not in use");
}

static void take_results(struct top *t)
{
	struct scanner *s = t->s;
	struct top_rows *rows;
	bool result, ok = false;
	enum request req = REQ_NONE;
	char msg[sizeof(s->result_msg)], id[512] = "";

	pthread_mutex_lock(&s->lock);
	rows = s->ready;
	s->ready = NULL;
	if (rows)
		pthread_cond_signal(&s->wake); /* it may scan again */
	result = s->result;
	s->result = false;
	if (result) {
		req = s->result_req;
		ok = s->result_ok;
		snprintf(msg, sizeof(msg), "%s", s->result_msg);
		snprintf(id, sizeof(id), "%s", s->result_identity ? s->result_identity : "");
	}
	t->ui.scanning = s->busy;
	pthread_mutex_unlock(&s->lock);

	if (rows) {
		top_model_swap(&t->m, rows);
		free(rows);
		rebuild_view(t);
		/* The old snapshot was just freed: give its pages back before the next scan
		 * builds another (as serve does). */
		malloc_trim(0);
	}
	if (!result)
		return;
	if (req == REQ_CHECK && ok) {
		static char q[2048];
		char what[1100];

		snprintf(t->confirm_id, sizeof(t->confirm_id), "%s", id);
		describe(t, id, msg, what, sizeof(what));
		snprintf(q, sizeof(q), "Remove %s (%s)? y/N ", id, what);
		t->prompt = PROMPT_CONFIRM;
		t->ui.prompt = q;
		t->ui.input[0] = '\0';
		t->ui.message[0] = '\0';
	} else {
		set_message(t, ok ? TL_PLAIN : TL_BAD, "%s", msg);
	}
}

static void start_prompt(struct top *t, enum prompt_kind k, const char *text, const char *initial)
{
	t->prompt = k;
	t->ui.prompt = text;
	snprintf(t->ui.input, sizeof(t->ui.input), "%s", initial);
	t->ui.message[0] = '\0';
}

static void end_prompt(struct top *t)
{
	t->prompt = PROMPT_NONE;
	t->ui.prompt = NULL;
}

static void apply_search(struct top *t, const char *text)
{
	snprintf(t->m.search, sizeof(t->m.search), "%s", text);
	top_model_update_view(&t->m);
	t->m.first = 0;
	top_model_move(&t->m, 0, (size_t)body_rows(t));
}

static void accept_prompt(struct top *t)
{
	switch (t->prompt) {
	case PROMPT_SEARCH:
		apply_search(t, t->ui.input);
		break;
	case PROMPT_FILTER: {
		struct expr *e = NULL;
		struct expr_error err;

		if (!t->ui.input[0]) {
			set_expr(t, NULL);
			break;
		}
		if (expr_parse(t->ui.input, &e, &err) < 0) {
			/* The prompt stays, with the text, to be mended. */
			set_message(t, TL_BAD, "filter: column %zu: %s", err.column, err.msg);
			return;
		}
		set_expr(t, e);
		t->ui.message[0] = '\0';
		break;
	}
	case PROMPT_KIND: {
		unsigned mask = 0;
		const char *bad;

		if (t->ui.input[0] && kinds_parse(t->ui.input, &mask, &bad) < 0) {
			set_message(t, TL_BAD, "unknown kind '%s'", bad);
			break;
		}
		t->m.kinds = mask;
		snprintf(t->kinds, sizeof(t->kinds), "%s", t->ui.input);
		top_model_update_view(&t->m);
		pthread_mutex_lock(&t->s->lock);
		if (mask & ~t->s->kinds) {
			/* Kinds not scanned so far (-t, or signal, which is not by default):
			 * scanned from now on. */
			t->s->kinds |= mask;
			t->s->now = true;
			pthread_cond_signal(&t->s->wake);
		}
		pthread_mutex_unlock(&t->s->lock);
		break;
	}
	default:
		break;
	}
	end_prompt(t);
}

/* A key while the bottom line edits text. */
static void prompt_key(struct top *t, int ch)
{
	size_t n = strlen(t->ui.input);

	if (ch == KEY_RESIZE)
		return; /* the screen changed size: no answer, and no text */
	if (t->prompt == PROMPT_CONFIRM) {
		end_prompt(t);
		if (ch == 'y' || ch == 'Y') {
			set_message(t, TL_PLAIN, "removing %s ...", t->confirm_id);
			scanner_ask(t->s, REQ_REMOVE, t->confirm_id);
		} else {
			set_message(t, TL_PLAIN, "not removed: %s", t->confirm_id);
		}
		return;
	}
	switch (ch) {
	case 27: /* Esc */
		if (t->prompt == PROMPT_SEARCH)
			apply_search(t, t->search_before);
		t->ui.message[0] = '\0';
		end_prompt(t);
		return;
	case '\n':
	case '\r':
	case KEY_ENTER:
		accept_prompt(t);
		return;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		/* One character, not one byte. */
		while (n > 0 && ((unsigned char)t->ui.input[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0)
			n--;
		t->ui.input[n] = '\0';
		break;
	case 21: /* ^U */
		t->ui.input[0] = '\0';
		break;
	default:
		if (ch >= 32 && ch < 256 && ch != 127 && n + 1 < sizeof(t->ui.input)) {
			t->ui.input[n] = (char)ch;
			t->ui.input[n + 1] = '\0';
		}
		break;
	}
	if (t->prompt == PROMPT_SEARCH)
		apply_search(t, t->ui.input); /* as you type */
}

static void next_sort(struct top *t, int dir)
{
	int c = (t->m.sort + dir + TC__COUNT) % TC__COUNT;

	top_model_set_sort(&t->m, c, -1);
}

static void ask_remove(struct top *t)
{
	const struct top_row *r = top_model_selected(&t->m);
	const char *id = t->ui.view == VIEW_TABLE ? (r ? r->identity : NULL) : t->subject;

	if (!id || !id[0]) {
		set_message(t, TL_WARN, "no object selected");
		return;
	}
	if (t->s->root) {
		/* What a tree under --root names is not on this system. */
		set_message(t, TL_BAD, "not removed: --root shows a captured system, not this one");
		return;
	}
	set_message(t, TL_PLAIN, "checking %s ...", id);
	scanner_ask(t->s, REQ_CHECK, id);
}

static void key(struct top *t, int ch)
{
	int page = body_rows(t);

	if (t->prompt != PROMPT_NONE) {
		prompt_key(t, ch);
		return;
	}
	if (ch == KEY_RESIZE) {
		rebuild_view(t); /* the detail packs its fields to the width */
		return;
	}
	t->ui.message[0] = '\0';
	if (t->ui.view != VIEW_TABLE) {
		size_t max = t->ui.lines.n > (size_t)page ? t->ui.lines.n - (size_t)page : 0;

		switch (ch) {
		case 27:
		case 'q':
		case KEY_LEFT:
		case KEY_BACKSPACE:
		case 127:
			t->ui.view = VIEW_TABLE;
			return;
		case '\n':
		case '\r':
		case KEY_ENTER:
			if (t->ui.view != VIEW_TREE)
				t->ui.view = VIEW_TABLE;
			else
				open_view(t, VIEW_DETAIL);
			return;
		case 'g':
			if (t->ui.view == VIEW_TREE)
				t->ui.view = VIEW_TABLE;
			else if (t->ui.view == VIEW_DETAIL)
				open_view(t, VIEW_TREE);
			return;
		case 'e':
			t->ui.view = t->ui.view == VIEW_ERRORS ? VIEW_TABLE : VIEW_ERRORS;
			t->ui.scroll = 0;
			rebuild_view(t);
			return;
		case 'h':
		case '?':
			t->ui.view = t->ui.view == VIEW_HELP ? VIEW_TABLE : VIEW_HELP;
			return;
		case 'd':
			if (t->ui.view == VIEW_DETAIL || t->ui.view == VIEW_TREE)
				ask_remove(t);
			return;
		case KEY_UP:
		case 'k':
			if (t->ui.scroll > 0)
				t->ui.scroll--;
			return;
		case KEY_DOWN:
		case 'j':
			if (t->ui.scroll < max)
				t->ui.scroll++;
			return;
		case KEY_PPAGE:
			t->ui.scroll = t->ui.scroll > (size_t)page ? t->ui.scroll - (size_t)page : 0;
			return;
		case KEY_NPAGE:
			t->ui.scroll = t->ui.scroll + (size_t)page < max ? t->ui.scroll + (size_t)page : max;
			return;
		case 'r':
			scanner_ask(t->s, REQ_NONE, NULL);
			return;
		default:
			return;
		}
	}
	switch (ch) {
	case 'q':
		t->quit = true;
		break;
	case 27:
		if (t->m.search[0])
			apply_search(t, "");
		break;
	case KEY_UP:
	case 'k':
		top_model_move(&t->m, -1, (size_t)page);
		break;
	case KEY_DOWN:
	case 'j':
		top_model_move(&t->m, 1, (size_t)page);
		break;
	case KEY_PPAGE:
		top_model_move(&t->m, -page, (size_t)page);
		break;
	case KEY_NPAGE:
	case ' ':
		top_model_move(&t->m, page, (size_t)page);
		break;
	case KEY_HOME:
		top_model_move(&t->m, -(long)t->m.nview, (size_t)page);
		break;
	case KEY_END:
		top_model_move(&t->m, (long)t->m.nview, (size_t)page);
		break;
	case '/':
		snprintf(t->search_before, sizeof(t->search_before), "%s", t->m.search);
		start_prompt(t, PROMPT_SEARCH, "search: ", t->m.search);
		break;
	case 'Q':
		start_prompt(t, PROMPT_FILTER, "filter: ", t->expr ? expr_text(t->expr) : "");
		break;
	case 't':
		start_prompt(t, PROMPT_KIND, "kinds (sysv, posix-mq, ...; empty: all): ", "");
		break;
	case 's':
	case '>':
		next_sort(t, 1);
		break;
	case '<':
		next_sort(t, -1);
		break;
	case 'S':
		top_model_set_sort(&t->m, t->m.sort, !t->m.desc);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		open_view(t, VIEW_DETAIL);
		break;
	case 'g':
		open_view(t, VIEW_TREE);
		break;
	case 'd':
	case KEY_DC:
		ask_remove(t);
		break;
	case 'h':
	case '?':
	case KEY_F(1):
		t->ui.view = VIEW_HELP;
		break;
	case 'r':
		scanner_ask(t->s, REQ_NONE, NULL);
		break;
	case 'e':
		t->ui.view = VIEW_ERRORS;
		t->ui.scroll = 0;
		rebuild_view(t);
		break;
	default:
		break;
	}
}

static int run_ui(struct top *t)
{
	struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = t->s->pipe[0], .events = POLLIN}};

	while (!t->quit && !got_signal) {
		int ch;

		take_results(t);
		draw_screen(&t->m, &t->ui);
		if (poll(p, 2, -1) < 0 && errno != EINTR) {
			int e = errno;

			restore_terminal(); /* before the message, or it lands in the screen */
			return error("poll: %s", strerror(e));
		}
		if (p[1].revents & POLLIN) {
			char buf[64];

			while (read(t->s->pipe[0], buf, sizeof(buf)) > 0)
				;
		}
		if (p[0].revents & (POLLHUP | POLLERR))
			return EXIT_RUNTIME; /* the terminal went away */
		/* Keys (and KEY_RESIZE after SIGWINCH, which also ends the poll) until none is left. */
		while (!t->quit && (ch = getch()) != ERR)
			key(t, ch);
	}
	return got_signal ? 128 + got_signal : 0;
}

static int parse_sort(const char *arg, int *col, int *desc)
{
	char name[32];
	const char *colon = strchr(arg, ':');
	size_t n;

	*desc = -1;
	if (arg[0] == '-') {
		*desc = 1;
		arg++;
	}
	n = colon ? (size_t)(colon - arg) : strlen(arg);
	if (n == 0 || n >= sizeof(name))
		return -1;
	memcpy(name, arg, n);
	name[n] = '\0';
	if (colon) {
		if (!strcmp(colon + 1, "desc"))
			*desc = 1;
		else if (!strcmp(colon + 1, "asc"))
			*desc = 0;
		else
			return -1;
	}
	*col = top_col_find(name);
	return *col < 0 ? -1 : 0;
}

int cmd_top(int argc, char **argv)
{
	enum { OPT_OLDER = 256, OPT_COLOR, OPT_ROOT };
	static const struct option opts[] = {
		{"delay", required_argument, NULL, 'd'},   {"type", required_argument, NULL, 't'},
		{"sort", required_argument, NULL, 's'},    {"older-than", required_argument, NULL, OPT_OLDER},
		{"color", optional_argument, NULL, OPT_COLOR}, {"namespace", required_argument, NULL, 'N'},
		{"root", required_argument, NULL, OPT_ROOT}, {"help", no_argument, NULL, 'h'},
		{"filter", required_argument, NULL, 'Q'},
		{NULL, 0, NULL, 0},
	};
	struct scanner s = {.delay = DELAY_DEFAULT};
	struct expr *expr = NULL;
	const char *query = NULL, *kinds_arg = NULL;
	struct top t;
	const char *color = "auto", *bad;
	unsigned kinds = 0;
	int c, rc, sort_col = TC_USE, sort_desc = 1;
	struct sigaction sa;
	sigset_t all, old;
	SCREEN *scr;

	stale_ctx_init(&s.stale, (int64_t)time(NULL));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:t:s:Q:N:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': {
			char *end;

			errno = 0;
			s.delay = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(s.delay >= DELAY_MIN && s.delay <= DELAY_MAX))
				return usage_error("top", "--delay takes seconds from %.1f to %.0f, not '%s'",
						   DELAY_MIN, DELAY_MAX, optarg);
			break;
		}
		case 't':
			if (kinds_parse(optarg, &kinds, &bad) < 0)
				return usage_error("top", "unknown kind '%s'", bad);
			kinds_arg = optarg;
			break;
		case 's':
			if (parse_sort(optarg, &sort_col, &sort_desc) < 0)
				return usage_error("top", "cannot sort by '%s'", optarg);
			break;
		case 'Q':
			if (query)
				return usage_error("top", "-Q given twice: join the conditions with && in one");
			query = optarg;
			break;
		case OPT_OLDER:
			if (parse_duration(optarg, &s.stale.older_than) < 0)
				return usage_error("top", "bad duration '%s' (e.g. 90s, 15m, 1h, 2d)", optarg);
			break;
		case OPT_COLOR:
			color = optarg ? optarg : "always";
			if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never"))
				return usage_error("top", "--color takes auto, always or never, not '%s'", color);
			break;
		case 'N':
			scan_select_namespace(optarg);
			break;
		case OPT_ROOT:
			s.root = optarg;
			break;
		case 'h':
			help();
			return 0;
		case ':':
			return usage_error("top", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("top", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("top", "unexpected argument '%s'", argv[optind]);
	if (query && (rc = expr_option(query, &expr)))
		return rc;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		expr_free(expr);
		return error("top needs a terminal (for a listing, use 'ipcscope list')");
	}
	{
		/* A root that cannot be read is said now, before the screen is taken. */
		struct scan_ctx ctx;

		rc = scan_ctx_init(&ctx, s.root, KINDS_DEFAULT);
		if (rc < 0) {
			expr_free(expr);
			return error("cannot open root '%s': %s", s.root ? s.root : "/", strerror(-rc));
		}
		scan_ctx_release(&ctx);
	}

	setlocale(LC_ALL, "");
	tui_utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	/* -t bounds what is scanned (as for list); the t key can widen it. */
	s.kinds = kinds ? kinds : KINDS_DEFAULT;
	if (pipe2(s.pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		expr_free(expr);
		return error("pipe: %s", strerror(errno));
	}
	pthread_mutex_init(&s.lock, NULL);
	{
		/* The scanner's deadline is on the monotonic clock: a change of the date must
		 * neither stop the refresh nor make it spin. */
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s.wake, &ca);
		pthread_condattr_destroy(&ca);
	}

	/* Installed before curses starts, so that curses leaves them to us (it only takes
	 * signals still at their default) and they end the program through the normal path. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	signal_pipe = s.pipe[1];
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);

	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		expr_free(expr);
		rc = error("cannot use the terminal '%s'", getenv("TERM") ? getenv("TERM") : "");
		goto out_pipe;
	}
	curses_on = true;
	atexit(restore_terminal);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	draw_init(want_color(color));

	memset(&t, 0, sizeof(t));
	top_model_init(&t.m);
	t.m.kinds = kinds;
	top_model_set_sort(&t.m, sort_col, sort_desc);
	t.s = &s;
	t.ui.delay = s.delay;
	t.ui.scanning = true;
	t.ui.subject = t.subject;
	t.ui.kinds = t.kinds;
	snprintf(t.kinds, sizeof(t.kinds), "%s", kinds_arg ? kinds_arg : "");
	set_expr(&t, expr);

	/* The scan thread takes no signal: they all come to this thread, whose poll they end. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	s.now = true;
	rc = pthread_create(&s.thread, NULL, scan_main, &s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		restore_terminal();
		rc = error("cannot start the scan thread: %s", strerror(rc));
		goto out_model;
	}
	rc = run_ui(&t);
	restore_terminal();

	pthread_mutex_lock(&s.lock);
	s.stop = true;
	pthread_cond_signal(&s.wake);
	pthread_mutex_unlock(&s.lock);
	/* A scan or removal in progress finishes first (removals are never cut short). */
	pthread_join(s.thread, NULL);
	if (s.ready) {
		top_rows_release(s.ready);
		free(s.ready);
	}
	free(s.req_identity);
	free(s.result_identity);
out_model:
	set_expr(&t, NULL);
	top_lines_release(&t.ui.lines);
	top_model_release(&t.m);
	delscreen(scr);
out_pipe:
	signal_pipe = -1;
	close(s.pipe[0]);
	close(s.pipe[1]);
	return rc;
}
